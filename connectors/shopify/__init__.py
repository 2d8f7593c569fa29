"""Shopify Admin GraphQL connector and webhook body parsing.

The public names live here; the modules behind them are `client` (transport,
pacing, errors), `queries` (GraphQL documents), `orders` and `bulk` (reading
orders), `parse` (wire shapes to `o2c.orders.Order`) and `webhooks` (signatures).
"""

from __future__ import annotations

from connectors.shopify.bulk import bulk_orders, join_bulk_lines
from connectors.shopify.client import ShopifyClient
from connectors.shopify.orders import (
    fetch_order,
    list_updated_since,
    orders_updated_since,
)
from connectors.shopify.parse import (
    loads,
    order_from_graphql,
    order_from_webhook,
    refund_from_webhook,
)
from connectors.shopify.webhooks import sign, verify_hmac

__all__ = [
    "ShopifyClient",
    "bulk_orders",
    "fetch_order",
    "join_bulk_lines",
    "list_updated_since",
    "loads",
    "order_from_graphql",
    "order_from_webhook",
    "orders_updated_since",
    "refund_from_webhook",
    "sign",
    "verify_hmac",
]
