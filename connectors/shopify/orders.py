"""Reading orders from the Admin API: one by id, and those updated since a moment.

Both return the order node in one dict shape (`queries.ORDER_NODE`, every line item
read), which `parse.order_from_graphql` turns into an Order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.shopify.client import ShopifyClient
from connectors.shopify.queries import (
    FULFILLMENT_BY_ID,
    FULFILLMENTS_MAX,
    ORDER_BY_ID,
    ORDER_DETAILS,
    ORDER_LINE_ITEMS_PAGE,
    ORDERS_UPDATED,
    REFUND_BY_ID,
    REFUNDS_MAX,
)
from o2c.errors import PayloadError

logger = logging.getLogger(__name__)

# Polling looks back this far before the last bookmark: an order saved just before
# the previous poll may become visible to search a little later.
DEFAULT_OVERLAP = timedelta(minutes=5)


def fetch_order(client: ShopifyClient, gid: str) -> dict[str, Any] | None:
    """Return the order node complete (every line item, refund and fulfillment),
    or None when no such order.

    Raises the client's ConnectorError subclasses; PayloadError when an answer is
    not shaped as asked or the order has more refunds or fulfillments than read.
    """
    data = client.execute(
        ORDER_BY_ID, {"id": gid}, operation="order_by_id", external_id=gid
    )
    node = data.get("order")
    if node is None:
        return None
    if not isinstance(node, dict):
        raise PayloadError("order is not an object", where="data.order")
    complete_line_items(client, node)
    complete_refunds_and_fulfillments(client, node)
    return node


def fetch_order_details(client: ShopifyClient, gid: str) -> dict[str, Any] | None:
    """Return what a bulk operation cannot select: the order's payment terms and
    full refunds and fulfillments, or None when no such order."""
    data = client.execute(
        ORDER_DETAILS, {"id": gid}, operation="order_details", external_id=gid
    )
    node = data.get("order")
    if node is None:
        return None
    if not isinstance(node, dict):
        raise PayloadError("order is not an object", where="data.order")
    complete_refunds_and_fulfillments(client, node)
    return node


def complete_line_items(client: ShopifyClient, node: dict[str, Any]) -> None:
    """Read the remaining pages of an order's line items into `node` in place."""
    connection = _connection(node, "lineItems")
    while connection["pageInfo"].get("hasNextPage"):
        data = client.execute(
            ORDER_LINE_ITEMS_PAGE,
            {"id": node["id"], "after": connection["pageInfo"].get("endCursor")},
            operation="order_line_items",
            external_id=node["id"],
        )
        order = data.get("order")
        if not isinstance(order, dict):
            raise PayloadError("order vanished while paging", where="data.order")
        page = _connection(order, "lineItems")
        connection["nodes"].extend(page["nodes"])
        connection["pageInfo"] = page["pageInfo"]


def complete_refunds_and_fulfillments(
    client: ShopifyClient, node: dict[str, Any]
) -> None:
    """Replace the order's refund and fulfillment ids with the full objects, each
    read by id, in place.

    They are plain lists without paging, read with one more than the limit; an
    order beyond it is refused rather than read in part, which would misstate
    what was paid back or shipped. Raises PayloadError (the order is parked).
    """
    for key, document, kind, limit in (
        ("refunds", REFUND_BY_ID, "Refund", REFUNDS_MAX),
        ("fulfillments", FULFILLMENT_BY_ID, "Fulfillment", FULFILLMENTS_MAX),
    ):
        listed = node.get(key)
        if not isinstance(listed, list):
            raise PayloadError(f"expected a list of {key}", where=key)
        if len(listed) > limit:
            raise PayloadError(
                f"order has more than {limit} {key}, more than the connector reads",
                where=key,
            )
        node[key] = [
            _read_node(client, document, kind, _listed_id(item, key)) for item in listed
        ]


def _listed_id(item: Any, key: str) -> str:
    gid = item.get("id") if isinstance(item, dict) else None
    if not isinstance(gid, str):
        raise PayloadError("listed item has no id", where=key)
    return gid


def _read_node(
    client: ShopifyClient, document: str, kind: str, gid: str
) -> dict[str, Any]:
    data = client.execute(
        document, {"id": gid}, operation=f"{kind.lower()}_by_id", external_id=gid
    )
    node = data.get("node")
    if not isinstance(node, dict) or node.get("__typename") != kind:
        raise PayloadError(f"{gid} did not come back as a {kind}", where="data.node")
    return node


def list_updated_since(
    client: ShopifyClient,
    since: datetime,
    *,
    page_size: int = 50,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> Iterator[tuple[str, datetime]]:
    """Yield (order GID, updatedAt) of orders updated since `since - overlap`,
    oldest first, page by page.

    Raises ValueError for a naive `since`; the client's errors otherwise.
    """
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    start = (since - overlap).astimezone(UTC).isoformat(timespec="seconds")
    variables: dict[str, Any] = {
        "first": page_size,
        "after": None,
        "query": f"updated_at:>='{start}'",
    }
    while True:
        data = client.execute(ORDERS_UPDATED, variables, operation="orders_updated")
        page = _connection(data, "orders")
        for item in page["nodes"]:
            yield _listed(item)
        if not page["pageInfo"].get("hasNextPage"):
            return
        variables = {**variables, "after": page["pageInfo"].get("endCursor")}


def orders_updated_since(
    client: ShopifyClient,
    since: datetime,
    *,
    page_size: int = 50,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> Iterator[dict[str, Any]]:
    """Yield every order updated since `since - overlap`, each complete (as
    `fetch_order` returns it), oldest update first.

    The listing is cheap (ids and times); each order is then read by id so one
    query never asks for more than the cost bucket holds. An order deleted between
    listing and reading is skipped.
    """
    for gid, updated_at in list_updated_since(
        client, since, page_size=page_size, overlap=overlap
    ):
        node = fetch_order(client, gid)
        if node is None:
            logger.info("shopify order %s vanished after listing", gid)
            continue
        logger.debug("shopify order %s updated at %s", gid, updated_at.isoformat())
        yield node


def _listed(item: Any) -> tuple[str, datetime]:
    if not isinstance(item, dict):
        raise PayloadError("listed order is not an object", where="orders.nodes")
    gid, updated = item.get("id"), item.get("updatedAt")
    if not isinstance(gid, str) or not isinstance(updated, str):
        raise PayloadError("listed order lacks id or updatedAt", where="orders.nodes")
    try:
        return gid, datetime.fromisoformat(updated)
    except ValueError:
        raise PayloadError(
            f"not a timestamp: {updated!r}", where="orders.nodes.updatedAt"
        ) from None


def _connection(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """Return a `{nodes, pageInfo}` connection, checked for shape."""
    connection = parent.get(key)
    if (
        not isinstance(connection, dict)
        or not isinstance(connection.get("nodes"), list)
        or not isinstance(connection.get("pageInfo"), dict)
    ):
        raise PayloadError("expected a connection with nodes and pageInfo", where=key)
    return connection
