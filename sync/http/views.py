"""JSON views of stored records, shared by the admin API and the CLI's `--json`.

Money is `{"amount": "<decimal string>", "currency": "<ISO>"}`; times are ISO 8601;
an order has at least `id` (its GID), `shop`, `number`, `state`, `version`, `total`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from o2c.orders import Order
from sync.store.models import OrderRecord


def money_json(amount: Decimal | str, currency: str) -> dict[str, str]:
    """Return money as JSON: the exact decimal as a string, and its currency."""
    return {"amount": str(amount), "currency": currency}


def order_json(record: OrderRecord) -> dict[str, Any]:
    """Return the summary of a stored order as JSON-ready values."""
    return {
        "id": record.external_id,
        "hub_id": record.id,
        "shop": record.shop,
        "number": record.number,
        "state": record.state,
        "hold_reasons": list(record.hold_reasons or []),
        "version": iso(record.version),
        "total": money_json(record.total_amount, record.currency),
        "updated_at": iso(record.updated_at),
    }


def order_detail_json(record: OrderRecord, order: Order) -> dict[str, Any]:
    """Return a stored order with its canonical form (every amount as money)."""
    return {**order_json(record), "order": order.model_dump(mode="json")}


def iso(value: datetime | None) -> str | None:
    """Return a time in ISO 8601, or None."""
    return value.isoformat() if value else None
