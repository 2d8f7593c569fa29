"""Odoo search domains (prefix notation) evaluated on sandbox rows, and ordering."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.errors import PythonError
from connectors.sandbox.odoo.floats import to_decimal

OPERATORS = {
    "=", "!=", "<>", "<", ">", "<=", ">=", "in", "not in", "like", "ilike",
    "not like", "not ilike", "=like", "=ilike", "child_of", "parent_of",
}  # fmt: skip

Predicate = Callable[[Row], bool]


def compile_domain(env: Env, model: str, domain: Any) -> Predicate:
    """Return a predicate for `domain` on rows of `model`.

    Raises PythonError(ValueError) for a malformed domain or an unknown field,
    with Odoo's wording ("Invalid field account.move.foo in leaf ...").
    """
    items = list(domain or [])
    stack: list[Predicate] = []
    for item in reversed(items):
        if item == "!":
            stack.append(_negate(stack.pop()))
        elif item in ("&", "|"):
            left, right = stack.pop(), stack.pop()
            stack.append(_combine(item, left, right))
        else:
            stack.append(_leaf(env, model, item))
    while len(stack) > 1:
        left, right = stack.pop(), stack.pop()
        stack.append(_combine("&", left, right))
    return stack[0] if stack else (lambda row: True)


def _negate(inner: Predicate) -> Predicate:
    """Return the negation of a predicate."""
    return lambda row: not inner(row)


def _constant(truth: bool) -> Predicate:
    """Return a predicate that is always `truth` (the (1, '=', 1) leaves)."""
    return lambda row: truth


def _combine(op: str, left: Predicate, right: Predicate) -> Predicate:
    """Return the AND or OR of two predicates."""
    if op == "&":
        return lambda row: left(row) and right(row)
    return lambda row: left(row) or right(row)


def _leaf(env: Env, model: str, item: Any) -> Predicate:
    """Return the predicate of one `(field, operator, value)` leaf."""
    if not isinstance(item, (list, tuple)) or len(item) != 3:
        raise PythonError("ValueError", f"Invalid leaf {item!r}")
    path, op, value = item
    if path in (0, 1) and op == "=" and value == 1:
        return _constant(bool(path))
    op = str(op).lower()
    if op not in OPERATORS:
        raise PythonError("ValueError", f"Invalid leaf {tuple(item)!r}")
    getter = _path_getter(env, model, str(path), tuple(item))
    return lambda row: _match(getter(row), op, value)


def _path_getter(
    env: Env, model: str, path: str, leaf: tuple[Any, ...]
) -> Callable[[Row], list[Any]]:
    """Return a function giving the values a dotted path reaches from a row."""
    from connectors.sandbox.odoo.orm import field_value

    spec = env.spec(model)
    head, _, rest = path.partition(".")
    fld = spec.get(head)
    if fld is None:
        raise PythonError(
            "ValueError", f"Invalid field {model}.{head} in leaf {leaf!r}"
        )
    if not rest:
        return lambda row: _as_list(fld.type, field_value(env, model, row, head))
    if fld.type not in ("many2one", "one2many", "many2many") or not fld.relation:
        raise PythonError(
            "ValueError", f"Invalid field {model}.{path} in leaf {leaf!r}"
        )
    sub = _path_getter(env, fld.relation, rest, leaf)
    relation = fld.relation

    def follow(row: Row) -> list[Any]:
        targets = _as_list(fld.type, field_value(env, model, row, head))
        table = env.db.table(relation)
        found: list[Any] = []
        for rid in targets:
            if rid in table:
                found.extend(sub(table[rid]))
        return found or [False]

    return follow


def _as_list(ftype: str, value: Any) -> list[Any]:
    """Return a field value as the list of values a leaf compares against."""
    if ftype in ("one2many", "many2many"):
        return list(value or []) or [False]
    return [value]


def _match(values: list[Any], op: str, target: Any) -> bool:
    """Return True when any of `values` satisfies `op target` (Odoo's x2many rule)."""
    if op in ("!=", "<>", "not in", "not like", "not ilike"):
        positive = {"!=": "=", "<>": "=", "not in": "in"}.get(op, op[4:])
        return not _match(values, positive, target)
    return any(_compare(v, op, target) for v in values)


def _compare(value: Any, op: str, target: Any) -> bool:
    """Compare one stored value with a domain value."""
    if op in ("=", "child_of", "parent_of"):
        if isinstance(target, (list, tuple)) and op != "=":
            return _compare(value, "in", target)
        return _equal(value, target)
    if op == "in":
        items = target if isinstance(target, (list, tuple)) else [target]
        return any(_equal(value, t) for t in items)
    if op in ("like", "ilike", "=like", "=ilike"):
        return _like(value, op, target)
    if _empty(value) or _empty(target):
        return False
    left, right = _comparable(value, target)
    return bool(
        {
            "<": left < right,
            ">": left > right,
            "<=": left <= right,
            ">=": left >= right,
        }[op]
    )


def _equal(value: Any, target: Any) -> bool:
    """Return True when a stored value equals a domain value (False matches empty)."""
    if target is False or target is None:
        return _empty(value)
    if _empty(value) and target is not True:
        return False
    left, right = _comparable(value, target)
    return bool(left == right)


def _empty(value: Any) -> bool:
    """Return True for an unset value (None, False, "" or []), never for 0."""
    return value is None or value is False or value == "" or value == []


def _comparable(value: Any, target: Any) -> tuple[Any, Any]:
    """Return both sides converted to one comparable type."""
    if isinstance(value, bool) or isinstance(target, bool):
        return bool(value), bool(target)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        try:
            return to_decimal(value), to_decimal(target)
        except ValueError:
            return str(value), str(target)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S"), str(target)
    if isinstance(value, dt.date):
        return value.isoformat(), str(target)[:10]
    return value, target


def _like(value: Any, op: str, target: Any) -> bool:
    """Return the result of a (i)like match; `like` wraps the pattern in %."""
    if _empty(value):
        return False
    text, pattern = str(value), str(target)
    if op in ("like", "ilike"):
        pattern = f"%{pattern}%"
    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern
    )
    flags = re.IGNORECASE if op.endswith("ilike") else 0
    return re.fullmatch(regex, text, flags | re.DOTALL) is not None


def sort_rows(env: Env, model: str, rows: list[Row], order: str | None) -> list[Row]:
    """Return rows sorted by an Odoo `order` clause ("date desc, id").

    Empty values sort last ascending and first descending, like PostgreSQL.
    Raises PythonError(ValueError) for an unknown field.
    """
    from connectors.sandbox.odoo.orm import field_value

    spec = env.spec(model)
    clause = order or spec.order
    terms = [t.split() for t in clause.split(",") if t.strip()]
    result = list(rows)
    for term in reversed(terms):
        name = term[0]
        desc = len(term) > 1 and term[1].lower() == "desc"
        if spec.get(name) is None:
            raise PythonError(
                "ValueError", f"Invalid field {name!r} on model {model!r}"
            )

        def key(row: Row, n: str = name) -> tuple[int, Any]:
            value = field_value(env, model, row, n)
            if _empty(value):
                return (1, "")
            return (0, _sort_value(value))

        result.sort(key=key, reverse=desc)
    return result


def _sort_value(value: Any) -> Any:
    """Return a value usable as a sort key."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value
