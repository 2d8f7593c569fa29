"""Sandbox Shopify paging and search: cursors, `first/after`, and the orders `query:`.

Cursors are opaque base64 text, as Shopify's are. A nested connection's cursor holds
the position; an orders cursor holds the sort value and id of the last order seen, so
paging stays stable while orders change between pages.

Where real Shopify is unknown, the sandbox assumes:
- the search syntax understood is `field:value` and `field:<op>value` terms (ops `>`,
  `>=`, `<`, `<=`) joined by spaces or AND, on `updated_at`, `created_at`, `id`,
  `name`, `financial_status` and `fulfillment_status`; other terms are ignored and
  reported in `extensions.search` like Shopify's warnings;
- orders with equal sort values are ordered by id.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError

from connectors.sandbox.shopify.lifecycle import financial_status, fulfillment_status
from connectors.sandbox.shopify.records import SandboxOrder

MAX_PAGE = 250

_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)""")


def encode_cursor(value: object) -> str:
    """Return an opaque cursor for any JSON value."""
    return base64.b64encode(json.dumps(value).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    """Return the value inside a cursor; raises GraphQLError for a foreign cursor."""
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphQLError(
            f"Invalid cursor for current pagination sort: {cursor}"
        ) from exc


def page_size(args: dict[str, Any], *, required: bool) -> tuple[int | None, bool]:
    """Return (how many, from the end?) from `first`/`last`.

    Raises GraphQLError when neither is given (Shopify requires one outside bulk
    queries) or the number is out of range.
    """
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        if required:
            raise GraphQLError("you must provide one of first or last")
        return None, False
    count = first if first is not None else last
    assert count is not None
    if count < 0 or count > MAX_PAGE:
        raise GraphQLError(
            f"The page size must be between 0 and {MAX_PAGE}, not {count}"
        )
    return count, first is None


def page_list(
    items: Sequence[Any], args: dict[str, Any], *, required: bool
) -> dict[str, Any]:
    """Return a Relay connection over a nested list, with positional cursors."""
    count, from_end = page_size(args, required=required)
    indexed = list(enumerate(items))
    if args.get("reverse"):
        indexed.reverse()
    if args.get("after") is not None:
        keys = [i for i, _ in indexed]
        after = decode_cursor(args["after"])
        indexed = indexed[keys.index(after) + 1 :] if after in keys else []
    if args.get("before") is not None:
        keys = [i for i, _ in indexed]
        before = decode_cursor(args["before"])
        indexed = indexed[: keys.index(before)] if before in keys else indexed
    return connection(indexed, count, from_end, encode_cursor)


def connection(
    keyed: list[tuple[Any, Any]],
    count: int | None,
    from_end: bool,
    cursor_of: Callable[[Any], str],
) -> dict[str, Any]:
    """Return {edges, nodes, pageInfo} for (key, node) pairs cut to `count`."""
    if count is None:
        chosen, more_after, more_before = keyed, False, False
    elif from_end:
        chosen = keyed[max(len(keyed) - count, 0) :]
        more_after, more_before = False, len(keyed) > count
    else:
        chosen = keyed[:count]
        more_after, more_before = len(keyed) > count, False
    edges = [{"cursor": cursor_of(key), "node": node} for key, node in chosen]
    return {
        "edges": edges,
        "nodes": [node for _, node in chosen],
        "pageInfo": {
            "hasNextPage": more_after,
            "hasPreviousPage": more_before,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


# -- the orders search -----------------------------------------------------------


@dataclass
class Search:
    """A parsed `query:` argument: predicates and the terms the sandbox ignored."""

    predicates: list[Callable[[SandboxOrder], bool]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def matches(self, order: SandboxOrder) -> bool:
        return all(predicate(order) for predicate in self.predicates)


def parse_search(text: str | None) -> Search:
    """Return the predicates of a Shopify order search string."""
    search = Search()
    if not text:
        return search
    for token in _TERM.finditer(text):
        name, op, raw = (
            token.group(1),
            token.group(2) or "=",
            token.group(3).strip("'\""),
        )
        predicate = _predicate(name, op, raw)
        if predicate is None:
            search.ignored.append(token.group(0))
        else:
            search.predicates.append(predicate)
    return search


def _predicate(name: str, op: str, raw: str) -> Callable[[SandboxOrder], bool] | None:
    value_of: Callable[[SandboxOrder], Any]
    if name in ("updated_at", "created_at", "processed_at"):
        target: Any = _moment(raw)
        if target is None:
            return None
        attribute = "created_at" if name == "processed_at" else name
        value_of = lambda o: getattr(o, attribute)  # noqa: E731
    elif name == "id":
        target = (
            int(raw.rsplit("/", 1)[-1]) if raw.rsplit("/", 1)[-1].isdigit() else None
        )
        if target is None:
            return None
        value_of = lambda o: o.id  # noqa: E731
    elif name == "name":
        target, value_of, op = raw.lstrip("#"), lambda o: str(o.number), "="
    elif name == "financial_status":
        target, value_of, op = raw.lower(), financial_status, "="
    elif name == "fulfillment_status":
        target, op = raw.lower(), "="
        value_of = lambda o: fulfillment_status(o) or "unfulfilled"  # noqa: E731
    else:
        return None
    return _compare(value_of, op, target)


def _compare(
    value_of: Callable[[SandboxOrder], Any], op: str, target: Any
) -> Callable[[SandboxOrder], bool]:
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    check = checks[op]
    return lambda order: check(value_of(order), target)


def _moment(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


SORT_KEYS: dict[str, Callable[[SandboxOrder], Any]] = {
    "ID": lambda o: o.id,
    "CREATED_AT": lambda o: o.created_at.timestamp(),
    "PROCESSED_AT": lambda o: o.created_at.timestamp(),
    "UPDATED_AT": lambda o: o.updated_at.timestamp(),
    "ORDER_NUMBER": lambda o: o.number,
    "TOTAL_PRICE": lambda o: float(o.total_price.shop),
}


def page_orders(
    orders: Sequence[SandboxOrder], args: dict[str, Any], *, required: bool = True
) -> tuple[dict[str, Any], Search]:
    """Return the connection of the orders matching `args` and the parsed search.

    Raises GraphQLError for an unsupported sort key, bad page size or foreign cursor.
    """
    count, from_end = page_size(args, required=required)
    search = parse_search(args.get("query"))
    sort_name = args.get("sortKey") or "ID"
    sort = SORT_KEYS.get(sort_name)
    if sort is None:
        raise GraphQLError(f"the sandbox cannot sort orders by {sort_name}")
    keyed = sorted(((sort(o), o.id), o) for o in orders if search.matches(o))
    if args.get("reverse"):
        keyed.reverse()
    keyed = _after_before(keyed, args, reverse=bool(args.get("reverse")))
    return connection(
        keyed, count, from_end, lambda key: encode_cursor(list(key))
    ), search


def _after_before(
    keyed: list[tuple[Any, Any]], args: dict[str, Any], *, reverse: bool
) -> list[tuple[Any, Any]]:
    if args.get("after") is not None:
        after = tuple(decode_cursor(args["after"]))
        keyed = [kv for kv in keyed if (kv[0] < after if reverse else kv[0] > after)]
    if args.get("before") is not None:
        before = tuple(decode_cursor(args["before"]))
        keyed = [kv for kv in keyed if (kv[0] > before if reverse else kv[0] < before)]
    return keyed
