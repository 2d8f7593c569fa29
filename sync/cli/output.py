"""How commands print: JSON for machines, rich tables for people.

In JSON, money is `{"amount": "<decimal string>", "currency": "<ISO>"}` and times
are ISO 8601; an order has at least `id` (its GID), `shop`, `number`, `state`,
`version` and `total`.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.table import Table

from sync.cli.context import stdout

if TYPE_CHECKING:
    from sync.store.models import OrderRecord

__all__ = ["key_value_table", "orders_table", "print_json", "show"]


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
            record.version.isoformat() if record.version else "",
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


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
