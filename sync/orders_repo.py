"""Stored orders: the versioned upsert that intake and backfill share, and the reads.

An order is stored under (shop, external id). A version replaces the stored one only
when it is newer (`updated_at`), or equally new with a greater content hash: whatever
order the versions arrive in, the same one wins. The comparison happens inside the
database's `ON CONFLICT DO UPDATE ... WHERE`, so two writers cannot both win.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update
from sqlalchemy.orm import Session

from o2c.orders import Order
from sync.store.db import dialect_insert, reading
from sync.store.models import OrderRecord, OrderState

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
STALE = "stale"
_REPLACED_ON_UPDATE = (
    "number",
    "version",
    "total_amount",
    "currency",
    "data",
    "content_hash",
    "updated_at",
)


def order_row(order: Order, *, now: datetime) -> dict[str, Any]:
    """Return the `orders` row values of a new order version (state `received`)."""
    return stamped(order_values(order), now=now)


def order_values(order: Order) -> dict[str, Any]:
    """Return the `orders` row values of a new order version but its timestamps:
    what a backfill's worker process computes, for the storing process to stamp."""
    data = order.model_dump_json()
    total = order.total.shop
    return {
        "shop": order.source,
        "external_id": order.external_id,
        "number": order.number,
        "state": OrderState.RECEIVED,
        "hold_reasons": [],
        "version": order.version,
        "total_amount": str(total.amount),
        "currency": total.currency,
        "data": data,
        "content_hash": hashlib.sha256(data.encode()).hexdigest(),
    }


def stamped(values: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """Return `order_values` completed with the row's creation and update time."""
    return {**values, "created_at": now, "updated_at": now}


def _upsert_statement(conn: Connection) -> Any:
    stmt = dialect_insert(conn, OrderRecord)
    newer = stmt.excluded.version > OrderRecord.version
    same_but_greater = (stmt.excluded.version == OrderRecord.version) & (
        stmt.excluded.content_hash > OrderRecord.content_hash
    )
    return stmt.on_conflict_do_update(
        index_elements=["shop", "external_id"],
        set_={name: stmt.excluded[name] for name in _REPLACED_ON_UPDATE},
        where=or_(newer, same_but_greater),
    )


def upsert_order(conn: Connection, order: Order, *, now: datetime) -> str:
    """Store one order version on an open transaction; return created/updated/stale."""
    existed = (
        conn.execute(
            select(OrderRecord.id).where(
                OrderRecord.shop == order.source,
                OrderRecord.external_id == order.external_id,
            )
        ).first()
        is not None
    )
    changed = conn.execute(_upsert_statement(conn), order_row(order, now=now)).rowcount
    if not changed:
        return STALE
    return UPDATED if existed else CREATED


def upsert_orders(conn: Connection, orders: Sequence[Order], *, now: datetime) -> None:
    """Store many order versions in one statement batch on an open transaction.

    Older versions are skipped by the database, as in `upsert_order`.
    """
    upsert_rows(conn, [order_row(order, now=now) for order in orders])


def upsert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store many `order_row` values in one statement batch on an open transaction,
    as `upsert_orders` does."""
    if rows:
        conn.execute(_upsert_statement(conn), rows)


def stored_order(
    conn: Connection, shop: str, external_id: str
) -> tuple[int, Order] | None:
    """Return the stored row id and order of (shop, external id), locked for update
    on an open transaction; None when the order is not stored."""
    row = conn.execute(
        select(OrderRecord.id, OrderRecord.data)
        .where(OrderRecord.shop == shop, OrderRecord.external_id == external_id)
        .with_for_update()
    ).first()
    if row is None:
        return None
    return row.id, Order.model_validate_json(row.data)


def replace_order_data(
    conn: Connection, record_id: int, order: Order, *, now: datetime
) -> None:
    """Rewrite a stored order's content in place, keeping its version and state:
    for what completes the same version (a transaction that arrived on its own)."""
    values = order_values(order)
    conn.execute(
        update(OrderRecord)
        .where(OrderRecord.id == record_id)
        .values(
            data=values["data"], content_hash=values["content_hash"], updated_at=now
        )
    )


def list_orders(
    engine: Engine,
    *,
    state: str | None = None,
    shop: str | None = None,
    limit: int = 50,
) -> list[OrderRecord]:
    """Return stored orders, newest version first, filtered by state and shop."""
    query = select(OrderRecord).order_by(OrderRecord.version.desc(), OrderRecord.id)
    if state:
        query = query.where(OrderRecord.state == state)
    if shop:
        query = query.where(OrderRecord.shop == shop)
    with reading(engine) as conn, Session(bind=conn) as session:
        return list(session.scalars(query.limit(limit)).all())


def get_order(
    engine: Engine, ref: str | int, *, shop: str | None = None
) -> tuple[OrderRecord, Order] | None:
    """Return a stored order and its canonical form, or None when nothing matches.

    `ref` is the hub's id (a number), a Shopify GID, or the merchant-facing number
    (`#1001` or `1001`). When a number matches orders of several shops, `shop` must
    say which; without it the most recently updated one is returned.
    """
    text = str(ref).strip()
    if text.startswith("gid://"):
        condition = OrderRecord.external_id == text
    elif text.isdigit():
        condition = or_(
            OrderRecord.id == int(text),
            OrderRecord.number.in_([text, f"#{text}"]),
        )
    else:
        condition = OrderRecord.number.in_([text, text.removeprefix("#")])
    query = select(OrderRecord).where(condition)
    if shop:
        query = query.where(OrderRecord.shop == shop)
    # An exact id match beats a number that happens to look like an id.
    query = query.order_by(
        (OrderRecord.id == _as_int(text)).desc(), OrderRecord.updated_at.desc()
    )
    with reading(engine) as conn, Session(bind=conn) as session:
        record = session.scalars(query.limit(1)).first()
    if record is None:
        return None
    return record, load_order(record)


def load_order(record: OrderRecord) -> Order:
    """Return the canonical order stored in a record."""
    return Order.model_validate_json(record.data)


def _as_int(text: str) -> int:
    return int(text) if text.isdigit() else -1
