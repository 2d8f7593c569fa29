"""`read_group` (up to 18, deprecated in 19) and `formatted_read_group` (19)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connectors.sandbox.odoo import orm
from connectors.sandbox.odoo.domain import sort_rows
from connectors.sandbox.odoo.errors import PythonError
from connectors.sandbox.odoo.floats import to_decimal
from connectors.sandbox.odoo.schema import NUMERIC

if TYPE_CHECKING:
    from connectors.sandbox.odoo.database import Row
    from connectors.sandbox.odoo.env import Env
    from connectors.sandbox.odoo.methods import Call

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
GRANULARITIES = ("day", "week", "month", "quarter", "year")


def _rows(call: Call, domain: Any) -> list[Row]:
    """Return the rows matching `domain` (with the read access check)."""
    from connectors.sandbox.odoo.methods import _search_ids

    ids = _search_ids(call, domain)
    return [call.env.db.row(call.model, i) for i in ids]


def _split_spec(env: Env, model: str, spec: str) -> tuple[str, str | None]:
    """Return (field, granularity) of a groupby spec like 'date:month'.

    Raises PythonError(ValueError) for an unknown field or granularity.
    """
    name, _, gran = spec.partition(":")
    fld = orm.check_field(env, model, name)
    if fld.type in ("date", "datetime"):
        gran = gran or "month"
        if gran not in GRANULARITIES:
            raise PythonError("ValueError", f"Invalid groupby {spec!r}")
        return name, gran
    if gran:
        raise PythonError("ValueError", f"Invalid groupby {spec!r}")
    return name, None


def _bucket(env: Env, model: str, row: Row, spec: tuple[str, str | None]) -> Any:
    """Return the group key of a row for one groupby spec."""
    name, gran = spec
    value = orm.field_value(env, model, row, name)
    if gran is None or not value:
        return value or False
    day = value.date() if isinstance(value, dt.datetime) else value
    if gran == "day":
        return day
    if gran == "week":
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    if gran == "month":
        return day.replace(day=1)
    if gran == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _period_end(start: dt.date, gran: str) -> dt.date:
    """Return the first day after the period that opens on `start`."""
    if gran == "day":
        return start + dt.timedelta(days=1)
    if gran == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[gran]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1)


def _label(start: dt.date, gran: str) -> str:
    """Return Odoo's English label of a date group ("January 2026", "Q1 2026")."""
    if gran == "day":
        return start.strftime("%d %b %Y")
    if gran == "week":
        return f"W{int(start.strftime('%U')) + 1} {start.year}"
    if gran == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    if gran == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def _key_wire(env: Env, model: str, spec: tuple[str, str | None], key: Any) -> Any:
    """Return a group key as Odoo shows it (m2o pair, date pair or plain value)."""
    name, gran = spec
    if key is False:
        return False
    fld = env.spec(model).fields[name]
    if gran is not None:
        return [key.isoformat(), _label(key, gran)]
    return orm.to_wire(env, model, fld, key)


def _key_domain(spec: tuple[str, str | None], key: Any) -> list[Any]:
    """Return the domain leaves that select one group."""
    name, gran = spec
    if gran is None or key is False:
        return [(name, "=", key)]
    end = _period_end(key, gran)
    return ["&", (name, ">=", key.isoformat()), (name, "<", end.isoformat())]


def _grouped(
    env: Env, model: str, rows: list[Row], specs: list[tuple[str, str | None]]
) -> list[tuple[tuple[Any, ...], list[Row]]]:
    """Return (keys, rows) per group, ordered by the group keys (empty last)."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        keys = tuple(_bucket(env, model, row, s) for s in specs)
        groups.setdefault(keys, []).append(row)
    ranks = [_rank(env, model, s, {k[i] for k in groups}) for i, s in enumerate(specs)]

    def sort_key(item: tuple[tuple[Any, ...], list[Row]]) -> tuple[Any, ...]:
        return tuple(
            (1, 0) if k is False else (0, ranks[i].get(k, k))
            for i, k in enumerate(item[0])
        )

    return sorted(groups.items(), key=sort_key)


def _rank(
    env: Env, model: str, spec: tuple[str, str | None], keys: Iterable[Any]
) -> dict[Any, Any]:
    """Return the position of many2one keys in the comodel's order."""
    fld = env.spec(model).fields[spec[0]]
    if fld.type != "many2one" or not fld.relation:
        return {}
    ids = [k for k in keys if k]
    rows = [env.db.row(fld.relation, i) for i in ids if env.db.exists(fld.relation, i)]
    ordered = sort_rows(env, fld.relation, rows, None)
    return {row["id"]: pos for pos, row in enumerate(ordered)}


def _aggregate(env: Env, model: str, rows: list[Row], name: str, func: str) -> Any:
    """Return one aggregate (sum, min, max, avg, count, ...) of a field over rows."""
    fld = orm.check_field(env, model, name)
    values = [orm.field_value(env, model, r, name) for r in rows]
    present = [v for v in values if v is not None and v is not False]
    if func == "count":
        return len(present)
    if func == "count_distinct":
        return len(set(present))
    if func == "array_agg":
        return [orm.to_wire(env, model, fld, v) for v in values]
    if func in ("bool_and", "bool_or"):
        test = all if func == "bool_and" else any
        return test(bool(v) for v in values)
    if fld.type not in NUMERIC and func in ("sum", "avg"):
        raise PythonError("ValueError", f"Invalid aggregate {name}:{func}")
    numbers = [to_decimal(v) for v in present]
    if not numbers:
        return False if func in ("min", "max") else 0
    result: Decimal = {
        "sum": lambda: sum(numbers, Decimal(0)),
        "min": lambda: min(numbers),
        "max": lambda: max(numbers),
        "avg": lambda: sum(numbers, Decimal(0)) / len(numbers),
    }[func]()
    return int(result) if fld.type == "integer" and func != "avg" else float(result)


def formatted_read_group(
    call: Call,
    domain: Any = None,
    groupby: Any = (),
    aggregates: Any = (),
    having: Any = (),
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    """Return groups as Odoo 19 does: keys, `field:agg` values, `__extra_domain`.

    `having` is accepted and ignored: the sandbox does not filter groups.
    """
    env, model = call.env, call.model
    specs = [_split_spec(env, model, g) for g in groupby]
    groups = _grouped(env, model, _rows(call, domain), specs)
    if not specs:
        groups = [((), _rows(call, domain))]
    result = []
    for keys, rows in groups:
        entry: dict[str, Any] = {}
        extra: list[Any] = []
        for spec_text, spec, key in zip(groupby, specs, keys, strict=True):
            entry[spec_text] = _key_wire(env, model, spec, key)
            extra = _and(extra, _key_domain(spec, key))
        entry["__extra_domain"] = extra or [(1, "=", 1)]
        for agg in aggregates:
            entry[agg] = _named_aggregate(env, model, rows, agg)
        result.append(entry)
    result = _order_groups(result, order)
    end = offset + limit if limit else None
    return result[offset:end]


def _named_aggregate(env: Env, model: str, rows: list[Row], agg: str) -> Any:
    """Return one aggregate named like '__count' or 'amount_total:sum'."""
    if agg == "__count":
        return len(rows)
    name, sep, func = agg.partition(":")
    if not sep or not func:
        raise PythonError("ValueError", f"Invalid aggregate {agg!r}")
    return _aggregate(env, model, rows, name, func)


def _and(left: list[Any], right: list[Any]) -> list[Any]:
    """Return the conjunction of two domains in prefix notation."""
    if not left:
        return right
    return ["&", *left, *right]


def _order_groups(
    groups: list[dict[str, Any]], order: str | None
) -> list[dict[str, Any]]:
    """Return groups sorted by an order on aggregate or group keys."""
    if not order:
        return groups
    for term in reversed([t.split() for t in order.split(",") if t.strip()]):
        name, desc = term[0], len(term) > 1 and term[1].lower() == "desc"
        groups = sorted(groups, key=_group_key(name), reverse=desc)
    return groups


def _group_key(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    """Return the sort key function of groups on one of their values."""
    return lambda group: _group_sort(group.get(name))


def _group_sort(value: Any) -> tuple[int, Any]:
    """Return a sort key for a group value (empty last)."""
    if value is None or value is False:
        return (1, "")
    if isinstance(value, list):
        return (0, str(value[1]))
    return (0, value)


def read_group(
    call: Call,
    domain: Any,
    fields: list[str],
    groupby: Any,
    offset: int = 0,
    limit: int | None = None,
    orderby: str | bool = False,
    lazy: bool = True,
) -> list[dict[str, Any]]:
    """Return groups as `read_group` does: `<field>_count` (lazy) or `__count`."""
    env, model = call.env, call.model
    gbs = [groupby] if isinstance(groupby, str) else list(groupby)
    used = gbs[:1] if lazy else gbs
    specs = [_split_spec(env, model, g) for g in used]
    rows_all = _rows(call, domain)
    groups = _grouped(env, model, rows_all, specs) if specs else [((), rows_all)]
    result = []
    for keys, rows in groups:
        entry: dict[str, Any] = {}
        extra: list[Any] = []
        for spec_text, spec, key in zip(used, specs, keys, strict=True):
            entry[spec_text] = _legacy_key(env, model, spec, key)
            extra = _and(extra, _key_domain(spec, key))
        count_key = f"{used[0].split(':')[0]}_count" if lazy and used else "__count"
        entry[count_key] = len(rows)
        entry.update(_legacy_aggregates(env, model, rows, fields, set(used)))
        entry["__domain"] = _and(extra, list(domain or []))
        if lazy and len(gbs) > 1:
            entry["__context"] = {"group_by": gbs[1:]}
        result.append(entry)
    result = _order_groups(result, orderby if isinstance(orderby, str) else None)
    end = offset + limit if limit else None
    return result[offset:end]


def _legacy_key(env: Env, model: str, spec: tuple[str, str | None], key: Any) -> Any:
    """Return a read_group key: m2o pair, a date label, or the value."""
    if spec[1] is not None:
        return _label(key, spec[1]) if key is not False else False
    return _key_wire(env, model, spec, key)


def _legacy_aggregates(
    env: Env, model: str, rows: list[Row], fields: list[str], grouped: set[str]
) -> dict[str, Any]:
    """Return read_group aggregates: 'f', 'f:sum' or 'alias:sum(f)'."""
    result: dict[str, Any] = {}
    for spec in fields:
        alias, _, rest = spec.partition(":")
        if alias in grouped or alias == "__count":
            continue
        if "(" in rest:
            func, _, inner = rest.partition("(")
            name = inner.rstrip(")")
        else:
            name, func = alias, rest
        fld = orm.check_field(env, model, name)
        if not func:
            if fld.type not in NUMERIC:
                continue
            func = "sum"
        result[alias] = _aggregate(env, model, rows, name, func)
    return result
