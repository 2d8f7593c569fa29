"""Backfill through a bulk operation: run it, wait for it, stream its JSONL result.

Shopify writes each connection node of a bulk result on its own line with a
`__parentId`; the query runs with `groupObjects: true` so children follow their
parent. `join_bulk_lines` re-nests them as `{"nodes": [...], "pageInfo": ...}`,
holding one order at a time, so memory does not grow with the shop's history.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from connectors.shopify.client import SYSTEM, ShopifyClient
from connectors.shopify.orders import fetch_order_details
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
# What the bulk query selects only as ids; ORDER_DETAILS reads them in full.
DETAIL_FIELDS = ("paymentTerms", "refunds", "fulfillments")


def join_bulk_lines(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    """Yield each root object of a grouped bulk JSONL result with its children
    re-nested into `{"nodes": [...], "pageInfo": {...}}` connections.

    One root and its children are held at a time: a root is yielded as soon as
    the next root's line arrives. Raises PayloadError naming the line for text
    that is not JSON, a child whose parent is not the current root (an ungrouped
    result), or a child of an unknown type.
    """
    current: dict[str, Any] | None = None
    for number, raw in enumerate(lines, start=1):
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
    bulk query; an order that has any is completed with one ORDER_DETAILS query.
    Raises RejectedError when Shopify refuses the operation (one already running),
    RetryableError when it fails on Shopify's side, PermanentError when it is
    cancelled or expires, AccessError when access is denied.
    """
    operation_id = _start(client, since)
    operation = _wait(client, operation_id, poll_interval, on_progress)
    url = operation.get("url")
    if not url:
        logger.info("shopify bulk operation %s finished with no orders", operation_id)
        return
    count = 0
    for order in join_bulk_lines(client.get_stream(str(url))):
        yield _complete(client, order)
        count += 1
    logger.info("shopify bulk operation %s: %d orders streamed", operation_id, count)


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


def _complete(client: ShopifyClient, order: dict[str, Any]) -> dict[str, Any]:
    """Replace the id-only detail fields with the full ones when the order has any."""
    if not any(order.get(key) for key in DETAIL_FIELDS):
        return order
    details = fetch_order_details(client, str(order.get("id")))
    if details is None:  # deleted since the bulk read: keep what was read
        logger.warning("shopify order %s vanished during backfill", order.get("id"))
        return order
    for key in DETAIL_FIELDS:
        order[key] = details.get(key)
    return order
