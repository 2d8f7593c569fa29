"""The canonical Order a hub reads from a sandbox order's webhooks, for comparisons.

An `orders/*` body carries no order transactions (Shopify sends them one by one as
`order_transactions/create`), while the Admin GraphQL `Order` node selects them.
`webhook_order` joins the two webhook kinds, so that it equals what the connector
parses from the GraphQL node of the same order version.
"""

from __future__ import annotations

import json

from connectors.sandbox.shopify.records import SandboxOrder
from connectors.sandbox.shopify.render import render_order_transactions, render_rest
from connectors.shopify.parse import order_from_webhook
from connectors.shopify.transactions import transaction_from_webhook
from o2c.orders import Order


def webhook_order(order: SandboxOrder, *, shop: str) -> Order:
    """Return the order parsed from its webhook body (through bytes, as it arrives)
    with the transactions of its `order_transactions/create` bodies."""
    parsed = order_from_webhook(json.dumps(render_rest(order)).encode(), shop=shop)
    transactions = tuple(
        transaction_from_webhook(json.dumps(body).encode(), shop=shop).transaction
        for body in render_order_transactions(order)
    )
    return parsed.model_copy(update={"transactions": transactions})
