"""Sandbox Shopify: Admin GraphQL API, bulk operations, signed webhooks, orders.

The public names for tests and the `o2c-hub demo` command:

- `generate_orders(count, seed=..., shop_domain=...)` -> list of `SandboxOrder`
- `render_rest(order)` -> the webhook (REST) body; `render_graphql(order)` -> the
  Admin GraphQL `Order` node as the connector's `fetch_order` reads it;
  `render_order_transactions(order)` -> its `order_transactions/create` bodies
  (`render_transaction(transaction, order)` -> one of them);
  `webhook_order(order, shop=...)` -> the Order parsed from both kinds of webhook
- `events_for(order)` -> the (topic, body) webhooks of the order's life, one
  `order_transactions/create` per transaction among them
- `as_of(order, moment)` / `versions(order)` -> earlier versions of an order
- `SandboxShopify` -> the loopback HTTP server; `WebhookSender` -> signed deliveries
"""

from __future__ import annotations

from connectors.sandbox.shopify.canonical import webhook_order
from connectors.sandbox.shopify.generator import generate_orders, iter_orders
from connectors.sandbox.shopify.graph import render_graphql
from connectors.sandbox.shopify.lifecycle import as_of, versions
from connectors.sandbox.shopify.records import SandboxOrder
from connectors.sandbox.shopify.render import (
    render_order_transactions,
    render_refund,
    render_rest,
    render_transaction,
)
from connectors.sandbox.shopify.server import SandboxShopify
from connectors.sandbox.shopify.webhooks import (
    Delivery,
    SendStats,
    WebhookSender,
    events_for,
)

__all__ = [
    "Delivery",
    "SandboxOrder",
    "SandboxShopify",
    "SendStats",
    "WebhookSender",
    "as_of",
    "events_for",
    "generate_orders",
    "iter_orders",
    "render_graphql",
    "render_order_transactions",
    "render_refund",
    "render_rest",
    "render_transaction",
    "versions",
    "webhook_order",
]
