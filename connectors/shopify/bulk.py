"""Backfill through a bulk operation: run it, wait for it, stream its JSONL result.

Shopify writes each connection node of a bulk result on its own line with a
`__parentId`; the query runs with `groupObjects: true` so children follow their
parent. `join_bulk_lines` re-nests them as `{"nodes": [...], "pageInfo": ...}`,
holding one order at a time, so memory does not grow with the shop's history.
`chunk_bulk_lines` cuts the undecoded lines into runs of whole orders, which a
backfill joins and parses in worker processes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from connectors.shopify.client import SYSTEM, ShopifyClient
from connectors.shopify.details import complete_orders
from connectors.shopify.payload import loads
from connectors.shopify.queries import (
    BULK_OPERATION,
    BULK_RUN_QUERY,
    CURRENT_BULK_OPERATION,
    bulk_orders_query,
)
from o2c.errors import AccessError, PayloadError, PermanentError, RetryableError

logger = logging.getLogger(__name__)

# Which connection of the order a child line belongs to, by its `__typename`.
CHILD_CONNECTIONS = {
    "LineItem": "lineItems",
    "ShippingLine": "shippingLines",
    "DiscountCodeApplication": "discountApplications",
    "ManualDiscountApplication": "discountApplications",
    "AutomaticDiscountApplication": "discountApplications",
    "ScriptDiscountApplication": "discountApplications",
}
ORDER_CONNECTIONS = ("lineItems", "shippingLines", "discountApplications")
# What the bulk query selects only as ids; `details.complete_orders` reads them.
DETAIL_FIELDS = ("paymentTerms", "refunds", "fulfillments")


def join_bulk_lines(
    lines: Iterable[bytes | str], *, first_line: int = 1
) -> Iterator[dict[str, Any]]:
    """Yield each root object of a grouped bulk JSONL result with its children
    re-nested into `{"nodes": [...], "pageInfo": {...}}` connections.

    One root and its children are held at a time: a root is yielded as soon as
    the next root's line arrives. Raises PayloadError naming the line (counted
    from `first_line`, for a chunk of a longer result) for text that is not JSON,
    a child whose parent is not the current root (an ungrouped result), or a
    child of an unknown type.
    """
    current: dict[str, Any] | None = None
    for number, raw in enumerate(lines, start=first_line):
        if not raw.strip():
            continue
        item = _decode_line(raw, number)
        parent = item.pop("__parentId", None)
        if parent is None:
            if current is not None:
                yield current
            current = _as_root(item)
            continue
        if current is None or parent != current.get("id"):
            raise PayloadError(
                f"child of {parent!r} does not follow its parent (ungrouped result?)",
                where=f"line {number}",
            )
        _connection_for(current, item, number)["nodes"].append(item)
    if current is not None:
        yield current


@dataclass(frozen=True, slots=True)
class BulkChunk:
    """A run of consecutive lines of a grouped bulk result holding whole orders."""

    first_line: int  # the number of its first line in the whole result, from 1
    lines: list[bytes | str]  # undecoded, as read


def chunk_bulk_lines(
    lines: Iterable[bytes | str], *, orders: int
) -> Iterator[BulkChunk]:
    """Yield the lines of a grouped bulk result in chunks of about `orders` orders,
    undecoded, each of which `join_bulk_lines` can join on its own.

    A chunk is cut only before a line that is surely an order's own line (one
    without `__parentId`), so an order's children stay with it. Orders are counted
    from the text alone, so a chunk may hold a few more; a chunk also closes after
    `orders * LINES_PER_ORDER` lines, whatever it counted. Lines are not checked
    here: the join reports what is wrong with them, with their numbers.
    """
    chunk: list[bytes | str] = []
    first, counted = 1, 0
    most_lines = orders * LINES_PER_ORDER
    for number, raw in enumerate(lines, start=1):
        full = counted >= orders or len(chunk) >= most_lines
        if full and _starts_order(raw):
            yield BulkChunk(first, chunk)
            chunk, first, counted = [], number, 0
        if not _mentions(raw, b"__parentId"):
            counted += 1
        chunk.append(raw)
    if chunk:
        yield BulkChunk(first, chunk)


# A chunk of orders with many line items closes early rather than growing unbounded.
LINES_PER_ORDER = 40


def _starts_order(raw: bytes | str) -> bool:
    """True only when the line is surely a root object, never for a child line.

    A child's `__parentId` key is spelled out, or (never seen, but legal JSON) has
    escaped letters; a line with neither is not a child. Other lines are decoded.
    """
    if not raw.strip():
        return False
    if not _mentions(raw, b"__parentId") and not _mentions(raw, b"\\u"):
        return True
    try:
        item = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False  # not JSON: the join reports it where it is
    return isinstance(item, dict) and "__parentId" not in item


def _mentions(raw: bytes | str, needle: bytes) -> bool:
    if isinstance(raw, bytes):
        return needle in raw
    return needle.decode() in raw


def bulk_lines_of(node: dict[str, Any]) -> Iterator[str]:
    """Yield the JSONL lines a grouped bulk result holds for one order node.

    The inverse of `join_bulk_lines` for the bulk query's shape: the order line
    (connections removed; payment terms, refunds and fulfillments cut to their ids),
    then one line per connection node with its `__parentId`. Used by the benchmark
    and the tests to stand in for Shopify's result file.
    """
    root = {k: v for k, v in node.items() if k not in ORDER_CONNECTIONS}
    terms = root.get("paymentTerms")
    root["paymentTerms"] = {"id": terms.get("id")} if isinstance(terms, dict) else None
    for key in ("refunds", "fulfillments"):
        root[key] = [{"id": item.get("id")} for item in root.get(key) or []]
    yield json.dumps(root, default=str)
    for key in ORDER_CONNECTIONS:
        for child in (node.get(key) or {}).get("nodes", []):
            yield json.dumps({**child, "__parentId": node["id"]}, default=str)


def _decode_line(raw: bytes | str, number: int) -> dict[str, Any]:
    try:
        item = loads(raw)
    except PayloadError as exc:
        raise PayloadError(str(exc), where=f"line {number}") from exc
    if not isinstance(item, dict):
        raise PayloadError("not a JSON object", where=f"line {number}")
    return item


def _as_root(item: dict[str, Any]) -> dict[str, Any]:
    for key in ORDER_CONNECTIONS:
        item[key] = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    return item


def _connection_for(
    root: dict[str, Any], child: dict[str, Any], number: int
) -> dict[str, Any]:
    typename = child.get("__typename")
    key = CHILD_CONNECTIONS.get(typename) if isinstance(typename, str) else None
    if key is None:
        raise PayloadError(
            f"child of unknown type {typename!r}", where=f"line {number}"
        )
    connection: dict[str, Any] = root[key]
    return connection


def bulk_orders(
    client: ShopifyClient,
    *,
    since: datetime | None = None,
    poll_interval: float = 2.0,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Run a bulk query of orders (updated since `since`, or all) and yield each
    order complete, in the dict shape `fetch_order` returns.

    `on_progress` is called after each poll with the number of orders Shopify has
    read so far. Payment terms, refunds and fulfillments cannot be selected in a
    bulk query; an order that has any is completed by reading them by id.
    Raises what `bulk_result_lines` raises.
    """
    lines = bulk_result_lines(
        client, since=since, poll_interval=poll_interval, on_progress=on_progress
    )
    for order in join_bulk_lines(lines):
        yield complete_order(client, order)


def bulk_result_lines(
    client: ShopifyClient,
    *,
    since: datetime | None = None,
    poll_interval: float = 2.0,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Run a bulk query of orders (updated since `since`, or all) and yield the
    lines of its JSONL result as downloaded, undecoded.

    `on_progress` is called after each poll with the number of orders Shopify has
    read so far. Join the lines with `join_bulk_lines` and complete each order with
    `complete_order`. Raises RejectedError when Shopify refuses the operation (one
    already running), RetryableError when it fails on Shopify's side or the
    download breaks off, PermanentError when it is cancelled or expires,
    AccessError when access is denied.
    """
    operation_id = _start(client, since)
    operation = _wait(client, operation_id, poll_interval, on_progress)
    url = operation.get("url")
    if not url:
        logger.info("shopify bulk operation %s finished with no orders", operation_id)
        return
    count = 0
    for line in client.get_stream(str(url)):
        yield line
        count += 1
    logger.info("shopify bulk operation %s: %d lines streamed", operation_id, count)


def needs_details(order: dict[str, Any]) -> bool:
    """True when a bulk order has payment terms, refunds or fulfillments, which the
    bulk query reads only as ids: `complete_order` must read them in full."""
    return any(order.get(key) for key in DETAIL_FIELDS)


def _start(client: ShopifyClient, since: datetime | None) -> str:
    search = None
    if since is not None:
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        start = since.astimezone(UTC).isoformat(timespec="seconds")
        search = f"updated_at:>='{start}'"
    data = client.execute(
        BULK_RUN_QUERY, {"query": bulk_orders_query(search)}, operation="bulk_start"
    )
    operation = (data.get("bulkOperationRunQuery") or {}).get("bulkOperation") or {}
    operation_id = operation.get("id")
    if not isinstance(operation_id, str):
        raise PermanentError(
            "bulk operation started without an id",
            system=SYSTEM,
            operation="bulk_start",
        )
    logger.info("shopify bulk operation %s started (since %s)", operation_id, since)
    return operation_id


def _wait(
    client: ShopifyClient,
    operation_id: str,
    poll_interval: float,
    on_progress: Callable[[int], None] | None,
) -> dict[str, Any]:
    """Poll the operation until it ends; return it when COMPLETED."""
    while True:
        operation = _poll(client, operation_id)
        if on_progress is not None:
            on_progress(_count(operation.get("rootObjectCount")))
        status = operation.get("status")
        if status == "COMPLETED":
            return operation
        if status in ("FAILED", "CANCELED", "CANCELING", "EXPIRED"):
            raise _failure(operation_id, operation)
        client.sleep(poll_interval)


def _poll(client: ShopifyClient, operation_id: str) -> dict[str, Any]:
    data = client.execute(BULK_OPERATION, {"id": operation_id}, operation="bulk_poll")
    operation = data.get("bulkOperation")
    if not isinstance(operation, dict):
        data = client.execute(CURRENT_BULK_OPERATION, operation="bulk_poll_current")
        operation = data.get("currentBulkOperation")
    if not isinstance(operation, dict) or operation.get("id") != operation_id:
        raise PermanentError(
            "bulk operation is no longer known to Shopify",
            system=SYSTEM,
            operation="bulk_poll",
            external_id=operation_id,
        )
    return operation


def _failure(operation_id: str, operation: dict[str, Any]) -> Exception:
    status, code = operation.get("status"), operation.get("errorCode")
    common: dict[str, Any] = {
        "system": SYSTEM,
        "operation": "bulk_poll",
        "external_id": operation_id,
    }
    message = f"bulk operation {status} ({code})"
    if code == "ACCESS_DENIED":
        return AccessError(message, **common)
    if status == "FAILED":
        return RetryableError(message, **common)
    return PermanentError(message, **common)


def _count(value: Any) -> int:
    """Shopify writes UnsignedInt64 counts as strings."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def complete_order(client: ShopifyClient, order: dict[str, Any]) -> dict[str, Any]:
    """Return a joined bulk order with its id-only payment terms, refunds and
    fulfillments replaced by the full ones, when it has any (see
    `details.complete_orders`, which completes many orders in shared queries).

    Raises PayloadError when they cannot be read; what the client's queries raise.
    """
    if not needs_details(order):
        return order
    (problem,) = complete_orders(client, [order])
    if problem is not None:
        raise problem
    return order
