"""Generic ORM storage: converting values in and out, creating and writing rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.errors import PythonError, ValidationError
from connectors.sandbox.odoo.floats import float_round, round_digits, to_decimal
from connectors.sandbox.odoo.schema import Field

AUDIT_FIELDS = frozenset({"id", "display_name", "create_date", "write_date"})


def is_unset(value: Any) -> bool:
    """Return True for None, False, "" or [] (never for a zero number)."""
    return value is None or value is False or value == "" or value == []


def field_value(env: Env, model: str, row: Row, fname: str) -> Any:
    """Return the internal value of a field: stored, computed or reverse (o2m)."""
    fld = env.spec(model).fields[fname]
    if fname == "display_name":
        return display_name(env, model, row)
    if fld.type == "one2many" and fld.relation and fld.inverse:
        if env.db.has_index(fld.relation, fld.inverse):
            rows = env.db.lookup(fld.relation, fld.inverse, row["id"])
        else:
            table = env.db.table(fld.relation)
            rows = [r for r in table.values() if r.get(fld.inverse) == row["id"]]
        if fld.only is not None:
            key, allowed = fld.only
            rows = [r for r in rows if r.get(key) in allowed]
        return sorted(r["id"] for r in rows)
    if not fld.store:
        return env.behavior(model).compute(env, row, fname)
    return row.get(fname)


def display_name(env: Env, model: str, row: Row) -> str:
    """Return the record's display name (its `rec_name` field, or model,id)."""
    spec = env.spec(model)
    if spec.display is not None:
        return spec.display(row)
    if spec.rec_name and row.get(spec.rec_name):
        return str(row[spec.rec_name])
    return f"{model},{row['id']}"


def check_field(env: Env, model: str, fname: str) -> Field:
    """Return the field `fname` of `model`.

    Raises PythonError(ValueError) with Odoo's "Invalid field" wording.
    """
    fld = env.spec(model).get(fname)
    if fld is None:
        raise PythonError("ValueError", f"Invalid field {fname!r} on model {model!r}")
    return fld


def to_wire(env: Env, model: str, fld: Field, value: Any) -> Any:
    """Return a field value as Odoo's `read` puts it on the wire."""
    if fld.type == "many2one":
        if not value or not fld.relation or not env.db.exists(fld.relation, value):
            return False
        target = env.db.row(fld.relation, value)
        return [value, display_name(env, fld.relation, target)]
    if fld.type in ("one2many", "many2many"):
        return list(value or [])
    if fld.type in ("float", "monetary"):
        return 0.0 if is_unset(value) else float(to_decimal(value))
    if fld.type == "integer":
        return int(value or 0)
    if fld.type == "boolean":
        return bool(value)
    if fld.type == "date":
        return value.isoformat() if value else False
    if fld.type == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else False
    if value in (None, ""):
        return False
    return value


def to_storage(env: Env, model: str, fld: Field, value: Any) -> Any:
    """Return a wire value converted for storage in `fld`.

    Raises PythonError(ValueError) for a value the field cannot hold, and
    ValidationError for a many2one to a record that does not exist (Odoo's
    foreign-key answer).
    """
    if fld.type in ("char", "text", "html"):
        return False if is_unset(value) else value
    if fld.type == "selection":
        return _selection_value(model, fld, value)
    if fld.type == "boolean":
        return bool(value)
    if fld.type == "integer":
        return int(value or 0)
    if fld.type == "float":
        number = _number(model, fld, value)
        return round_digits(number, fld.digits) if fld.digits is not None else number
    if fld.type == "monetary":
        return _number(model, fld, value)
    if fld.type == "date":
        return _date_value(model, fld, value)
    if fld.type == "datetime":
        return _datetime_value(model, fld, value)
    if fld.type == "many2one":
        return _many2one_value(env, model, fld, value)
    if fld.type == "many2many":
        return apply_m2m_commands([], value)
    return value


def _number(model: str, fld: Field, value: Any) -> Decimal:
    """Return a JSON number as a Decimal."""
    try:
        return to_decimal(value)
    except ValueError:
        raise PythonError(
            "ValueError", f"Wrong value for {model}.{fld.name}: {value!r}"
        ) from None


def _selection_value(model: str, fld: Field, value: Any) -> Any:
    """Return a selection value after checking it is one of the choices."""
    if is_unset(value):
        return False
    if value not in {key for key, _label in fld.selection}:
        raise PythonError(
            "ValueError", f"Wrong value for {model}.{fld.name}: {value!r}"
        )
    return value


def _date_value(model: str, fld: Field, value: Any) -> dt.date | bool:
    """Return a date from 'YYYY-MM-DD' (a datetime string keeps its date)."""
    if is_unset(value):
        return False
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PythonError(
            "ValueError",
            f"time data {value!r} does not match format '%Y-%m-%d'",
        ) from None


def _datetime_value(model: str, fld: Field, value: Any) -> dt.datetime | bool:
    """Return a datetime from 'YYYY-MM-DD HH:MM:SS'."""
    if is_unset(value):
        return False
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise PythonError(
            "ValueError",
            f"time data {value!r} does not match format '%Y-%m-%d %H:%M:%S'",
        ) from None


def _many2one_value(env: Env, model: str, fld: Field, value: Any) -> int | bool:
    """Return a many2one id after checking the target exists."""
    if is_unset(value) or value == 0:
        return False
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise PythonError(
            "ValueError", f"Wrong value for {model}.{fld.name}: {value!r}"
        )
    assert fld.relation
    if not env.db.exists(fld.relation, value):
        raise foreign_key_error(env, model, fld)
    return value


def foreign_key_error(env: Env, model: str, fld: Field) -> ValidationError:
    """Return the ValidationError Odoo builds from a foreign-key violation."""
    table = model.replace(".", "_")
    return ValidationError(
        "The operation cannot be completed: another model requires the record being"
        " deleted. If possible, archive it instead.\n\n"
        f"Model: {env.spec(model).description} ({model})\n"
        f"Constraint: {table}_{fld.name}_fkey\n"
    )


def not_null_error(env: Env, model: str, fld: Field) -> ValidationError:
    """Return the ValidationError Odoo builds from a NOT NULL violation."""
    return ValidationError(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted."
        " If possible, archive it instead.\n\n"
        f"Model: {env.spec(model).description} ({model})\n"
        f"Field: {fld.string} ({fld.name})\n"
    )


def apply_m2m_commands(current: list[int], value: Any) -> list[int]:
    """Return the ids after applying x2many commands (or a plain list of ids).

    Supports (6, 0, ids) / Command.set, (4, id) link, (3, id) unlink,
    (5,) clear; creation commands are handled by one2many owners.
    Raises PythonError(ValueError) for a command the sandbox does not know.
    """
    ids = list(current)
    if is_unset(value):
        return []
    for command in value:
        if isinstance(command, int):
            ids = ids if command in ids else [*ids, command]
            continue
        code = command[0]
        if code == 6:
            ids = list(dict.fromkeys(command[2] or []))
        elif code == 4:
            ids = ids if command[1] in ids else [*ids, command[1]]
        elif code in (3, 2):
            ids = [i for i in ids if i != command[1]]
        elif code == 5:
            ids = []
        else:
            raise PythonError("ValueError", f"Unsupported x2many command {command!r}")
    return ids


def apply_defaults(env: Env, model: str, vals: Row) -> Row:
    """Return `vals` completed with static defaults and the behaviour's defaults."""
    spec = env.spec(model)
    merged: Row = {}
    for fld in spec.fields.values():
        if fld.default is not None and fld.store:
            merged[fld.name] = fld.default() if callable(fld.default) else fld.default
    merged.update(env.behavior(model).defaults(env, vals))
    for key, value in env.context.items():
        if key.startswith("default_") and key[8:] in spec.fields:
            merged[key[8:]] = value
    merged.update(vals)
    return merged


def stored_values(env: Env, model: str, vals: Row) -> Row:
    """Return `vals` converted for storage; one2many and computed fields left out.

    Raises PythonError(ValueError) for an unknown field.
    """
    result: Row = {}
    for name, value in vals.items():
        fld = check_field(env, model, name)
        if name in AUDIT_FIELDS or not fld.store or fld.type == "one2many":
            continue
        result[name] = to_storage(env, model, fld, value)
    return result


def create_row(env: Env, model: str, vals: Row) -> int:
    """Create one record from wire values and return its id.

    Raises ValidationError when a required field is empty.
    """
    for name in vals:
        check_field(env, model, name)
    full = apply_defaults(env, model, vals)
    row = stored_values(env, model, full)
    for fld in env.spec(model).fields.values():
        if fld.required and fld.store and is_unset(row.get(fld.name)):
            raise not_null_error(env, model, fld)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    row.update(create_date=now, write_date=now)
    return env.db.insert(model, row)


def write_row(env: Env, model: str, rid: int, vals: Row) -> None:
    """Write wire values on one record.

    Raises ValidationError when a required field would become empty.
    """
    row = stored_values(env, model, vals)
    spec = env.spec(model)
    for name, value in row.items():
        fld = spec.fields[name]
        if fld.required and is_unset(value):
            raise not_null_error(env, model, fld)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    env.db.update(model, rid, {**row, "write_date": now})


def currency_round(env: Env, currency_id: int | bool, amount: Decimal) -> Decimal:
    """Return `amount` rounded to the currency's `rounding` (company's if none)."""
    cid = currency_id or env.company["currency_id"]
    rounding = env.db.row("res.currency", cid)["rounding"]
    return float_round(amount, rounding)
