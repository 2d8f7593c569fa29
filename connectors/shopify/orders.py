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
from connectors.shopify.details import complete_orders
from connectors.shopify.queries import (
    ORDER_BY_ID,
    ORDER_LINE_ITEMS_PAGE,
    ORDERS_UPDATED,
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
    not shaped as asked, the order has more refunds or fulfillments than read, or
    one of them cannot be read.
    """
    node = _read_order(client, gid)
    if node is None:
        return None
    complete_line_items(client, node)
    _raise_first(complete_orders(client, [node]))
    return node


def fetch_orders(client: ShopifyClient, gids: list[str]) -> list[dict[str, Any]]:
    """Return the complete nodes of the orders that exist among `gids`, in order.

    Each order is read by id; their refunds and fulfillments are then read
    together, in batches sized by cost (`details.read_nodes`). Raises as
    `fetch_order` does.
    """
    nodes = []
    for gid in gids:
        node = _read_order(client, gid)
        if node is None:
            logger.info("shopify order %s vanished after listing", gid)
            continue
        complete_line_items(client, node)
        nodes.append(node)
    _raise_first(complete_orders(client, nodes))
    return nodes


def _read_order(client: ShopifyClient, gid: str) -> dict[str, Any] | None:
    data = client.execute(
        ORDER_BY_ID, {"id": gid}, operation="order_by_id", external_id=gid
    )
    node = data.get("order")
    if node is None:
        return None
    if not isinstance(node, dict):
        raise PayloadError("order is not an object", where="data.order")
    return node


def _raise_first(problems: list[PayloadError | None]) -> None:
    for problem in problems:
        if problem is not None:
            raise problem


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

    The listing is cheap (ids and times); each order of a listed page is then read
    by id, and the page's refunds and fulfillments in shared batches
    (`fetch_orders`). An order deleted between listing and reading is skipped.
    """
    page: list[str] = []
    for gid, _updated_at in list_updated_since(
        client, since, page_size=page_size, overlap=overlap
    ):
        page.append(gid)
        if len(page) >= page_size:
            yield from fetch_orders(client, page)
            page = []
    yield from fetch_orders(client, page)


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
