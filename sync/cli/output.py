"""How commands print: JSON for machines, rich tables for people.

In JSON, money is `{"amount": "<decimal string>", "currency": "<ISO>"}` and times
are ISO 8601; an order has at least `id` (its GID), `shop`, `number`, `state`,
`version` and `total`.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from rich.table import Table

from o2c.orders import Order
from sync.cli.context import stdout
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
        "version": _iso(record.version),
        "total": money_json(record.total_amount, record.currency),
        "updated_at": _iso(record.updated_at),
    }


def order_detail_json(record: OrderRecord, order: Order) -> dict[str, Any]:
    """Return a stored order with its canonical form (every amount as money)."""
    return {**order_json(record), "order": order.model_dump(mode="json")}


def print_json(value: Any) -> None:
    """Print one JSON document on stdout (no colours, no wrapping)."""
    print(json.dumps(value, indent=2, default=_default, ensure_ascii=False))


def orders_table(records: list[OrderRecord]) -> Table:
    """Return a table of stored orders for a terminal."""
    table = Table("Id", "Shop", "Number", "State", "Total", "Version", "GID")
    for record in records:
        table.add_row(
            str(record.id),
            record.shop,
            record.number,
            record.state,
            f"{record.total_amount} {record.currency}",
            _iso(record.version) or "",
            record.external_id,
        )
    return table


def key_value_table(title: str, rows: dict[str, Any]) -> Table:
    """Return a two-column table (name, value) with a title."""
    table = Table("", "", title=title, show_header=False, title_justify="left")
    for name, value in rows.items():
        table.add_row(name, "" if value is None else str(value))
    return table


def show(renderable: Any) -> None:
    """Print a rich renderable on stdout."""
    stdout.print(renderable)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
