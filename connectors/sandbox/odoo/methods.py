"""The generic ORM methods callable over RPC, and the dispatcher that binds them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.sandbox.odoo import orm
from connectors.sandbox.odoo.domain import compile_domain, sort_rows
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.errors import AccessError, HttpError, PythonError
from connectors.sandbox.odoo.schema import Field


@dataclass
class Call:
    """One method call: the environment, the model and the record ids."""

    env: Env
    model: str
    ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Method:
    """A public method: `func(call, ...)`; `api_model` ones take no ids."""

    func: Callable[..., Any]
    api_model: bool = False


def _search_ids(call: Call, domain: Any, **kw: Any) -> list[int]:
    """Return the ids matching `domain`, ordered and sliced."""
    env, model = call.env, call.model
    env.check_access(model, "read")
    predicate = compile_domain(env, model, domain)
    table = env.db.table(model)
    rows = [table[rid] for rid in sorted(table) if _visible(env, model, table[rid])]
    rows = sort_rows(env, model, [r for r in rows if predicate(r)], kw.get("order"))
    offset = int(kw.get("offset") or 0)
    limit = kw.get("limit")
    end = offset + int(limit) if limit else None
    return [r["id"] for r in rows[offset:end]]


def _visible(env: Env, model: str, row: dict[str, Any]) -> bool:
    """Return False for archived records (active=False), which searches skip."""
    if "active" in env.spec(model).fields and not env.context.get("active_test", True):
        return True
    return row.get("active", True) is not False


def search(
    call: Call,
    domain: Any = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[int]:
    """Return the ids of the records matching `domain`."""
    return _search_ids(call, domain, offset=offset, limit=limit, order=order)


def search_16(
    call: Call,
    domain: Any = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    count: bool = False,
) -> list[int] | int:
    """Return matching ids, or their number with `count=True` (16 only)."""
    ids = _search_ids(call, domain, offset=offset, limit=limit, order=order)
    return len(ids) if count else ids


def search_count(call: Call, domain: Any = None, limit: int | None = None) -> int:
    """Return how many records match `domain`."""
    return len(_search_ids(call, domain, limit=limit))


def readable_fields(env: Env, model: str, fields: list[str] | None) -> list[Field]:
    """Return the fields `read` answers with.

    Raises PythonError(ValueError) for an unknown field and AccessError for a
    field the user's groups hide, as Odoo does.
    """
    spec = env.spec(model)
    if not fields:
        return [f for f in spec.fields.values() if env.has_group(f.groups)]
    chosen = [orm.check_field(env, model, name) for name in dict.fromkeys(fields)]
    hidden = sorted(f.name for f in chosen if not env.has_group(f.groups))
    if hidden:
        raise AccessError(
            "You do not have enough rights to access the fields "
            f'"{",".join(hidden)}" on {spec.description} ({model}). '
            "Please contact your system administrator."
        )
    return chosen


def read_rows(
    call: Call, fields: list[str] | None, load: str | None = "_classic_read"
) -> list[dict[str, Any]]:
    """Return the wire dicts of `call.ids` for `fields` (plus `id`).

    With `load` other than "_classic_read" many2one values are bare ids.
    """
    env, model = call.env, call.model
    env.check_access(model, "read")
    chosen = readable_fields(env, model, fields)
    result = []
    for row in env.browse(model, call.ids):
        record: dict[str, Any] = {"id": row["id"]}
        for fld in chosen:
            value = orm.field_value(env, model, row, fld.name)
            if fld.type == "many2one" and load != "_classic_read":
                record[fld.name] = value or False
                continue
            record[fld.name] = orm.to_wire(env, model, fld, value)
        result.append(record)
    return result


def read(
    call: Call, fields: list[str] | None = None, load: str | None = "_classic_read"
) -> list[dict[str, Any]]:
    """Return the records' values for `fields` (all readable fields when none)."""
    return read_rows(call, fields, load)


def search_read(
    call: Call,
    domain: Any = None,
    fields: list[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
    **read_kwargs: Any,
) -> list[dict[str, Any]]:
    """Return `read` of the records matching `domain`, in one transaction."""
    ids = _search_ids(call, domain, offset=offset, limit=limit, order=order)
    return read_rows(Call(call.env, call.model, ids), fields)


def create(call: Call, vals_list: Any) -> int | list[int]:
    """Create one record (dict: returns its id) or many (list: returns ids)."""
    env, model = call.env, call.model
    env.check_access(model, "create")
    single = isinstance(vals_list, dict)
    batch = [vals_list] if single else list(vals_list)
    if not all(isinstance(v, dict) for v in batch):
        raise PythonError("TypeError", "create() expects a dict or a list of dicts")
    ids = env.behavior(model).create(env, batch)
    return ids[0] if single else ids


def write(call: Call, vals: dict[str, Any]) -> bool:
    """Write `vals` on the records; returns True."""
    env, model = call.env, call.model
    env.check_access(model, "write")
    env.browse(model, call.ids)
    for name in vals:
        orm.check_field(env, model, name)
    env.behavior(model).write(env, list(call.ids), vals)
    return True


def unlink(call: Call) -> bool:
    """Delete the records; returns True."""
    env, model = call.env, call.model
    env.check_access(model, "unlink")
    env.browse(model, call.ids)
    env.behavior(model).unlink(env, list(call.ids))

    # Odoo deletes the external ids of deleted records with them.
    xmlids = env.db.table("ir.model.data")
    for rid, row in list(xmlids.items()):
        if row.get("model") == model and row.get("res_id") in call.ids:
            env.db.delete("ir.model.data", rid)
    return True


def exists(call: Call) -> list[int]:
    """Return the ids among `call.ids` that still exist."""
    table = call.env.db.table(call.model)
    return [i for i in call.ids if i in table]


def fields_get(
    call: Call, allfields: list[str] | None = None, attributes: list[str] | None = None
) -> dict[str, Any]:
    """Return the field descriptions the user may see (groups filter them out)."""
    env = call.env
    spec = env.spec(call.model)
    result = {}
    for fld in spec.fields.values():
        if allfields and fld.name not in allfields:
            continue
        if not env.has_group(fld.groups):
            continue
        info = fld.describe()
        if attributes:
            info = {k: v for k, v in info.items() if k in attributes}
        result[fld.name] = info
    return result


def name_search(
    call: Call,
    name: str = "",
    domain: Any = None,
    operator: str = "ilike",
    limit: int = 100,
    args: Any = None,
) -> list[list[Any]]:
    """Return `[id, display_name]` pairs of matching names (16 `args`, 17+ `domain`)."""
    env, model = call.env, call.model
    spec = env.spec(model)
    leaves = list(domain or args or [])
    if name and spec.rec_name:
        leaves = (
            ["&", *leaves, (spec.rec_name, operator, name)]
            if leaves
            else [(spec.rec_name, operator, name)]
        )
    ids = _search_ids(call, leaves, limit=limit)
    return [[rid, orm.display_name(env, model, env.db.row(model, rid))] for rid in ids]


def name_get(call: Call) -> list[list[Any]]:
    """Return `[id, display_name]` pairs (removed after 16; see `generic_methods`)."""
    env = call.env
    return [
        [row["id"], orm.display_name(env, call.model, row)]
        for row in env.browse(call.model, call.ids)
    ]


def default_get(call: Call, fields_list: list[str]) -> dict[str, Any]:
    """Return the default values of the named fields."""
    env, model = call.env, call.model
    defaults = orm.apply_defaults(env, model, {})
    spec = env.spec(model)
    return {
        name: orm.to_wire(env, model, spec.fields[name], value)
        for name, value in orm.stored_values(env, model, defaults).items()
        if name in fields_list
    }


def generic_methods(major: int) -> dict[str, Method]:
    """Return the ORM methods every model has in Odoo `major`."""
    from connectors.sandbox.odoo import grouping

    methods = {
        "search": Method(search, api_model=True),
        "search_count": Method(search_count, api_model=True),
        "search_read": Method(search_read, api_model=True),
        "read": Method(read),
        "create": Method(create, api_model=True),
        "write": Method(write),
        "unlink": Method(unlink),
        "exists": Method(exists),
        "fields_get": Method(fields_get, api_model=True),
        "name_search": Method(name_search, api_model=True),
        "default_get": Method(default_get, api_model=True),
        "read_group": Method(grouping.read_group, api_model=True),
    }
    if major <= 16:
        methods["name_get"] = Method(name_get)
        methods["search"] = Method(search_16, api_model=True)
    if major >= 19:
        methods["formatted_read_group"] = Method(
            grouping.formatted_read_group, api_model=True
        )
    return methods


def find_method(env: Env, model: str, name: str, *, json2: bool = False) -> Method:
    """Return the public method `name` of `model`.

    Raises AccessError for a private method, and for an unknown one
    PythonError(AttributeError) over JSON-RPC or HttpError(404) over JSON-2.
    """
    if name.startswith("_"):
        raise AccessError(
            f"Private methods (such as {name}) cannot be called remotely."
        )
    found = env.behavior(model).methods.get(name) or generic_methods(
        env.profile.major
    ).get(name)
    if found is not None:
        return found
    message = env.profile.unknown_method_message.format(model=model, method=name)
    if json2:
        raise HttpError(404, message)
    raise PythonError("AttributeError", message)


def bind(method: Method, call: Call, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run `method` with positional and named arguments, checking the signature.

    Raises PythonError(TypeError) when the arguments do not fit, as Python does.
    """
    signature = inspect.signature(method.func)
    try:
        signature.bind(call, *args, **kwargs)
    except TypeError as exc:
        raise PythonError(
            "TypeError", f"{method.func.__name__}() {exc.args[0]}"
        ) from exc
    return method.func(call, *args, **kwargs)


def normalize_ids(value: Any) -> list[int]:
    """Return record ids from an int, a list of ints, or False/None."""
    if value in (None, False):
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple)) and all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        return list(value)
    raise PythonError("TypeError", f"Invalid record ids {value!r}")
