"""Links between stored payments and the storefront transactions that name them.

Shopify records the processor's charge or intent id on an order's transactions
(`authorization`, `payment_id`). The two sides reach the hub on their own schedules:
a payment through Stripe intake, a transaction through an `order_transactions/create`
webhook or inside a stored order. Whichever is stored second makes the link:

- storing a payment looks its ids up among the storefront transactions
  (`with_storefront_links`, before the payment row is written);
- storing transactions looks their ids up among the stored payments and adds the
  link to each payment found (`record_transactions`).

Both run inside the transaction that writes their own row, after taking a lock per
processor id (a PostgreSQL advisory transaction lock; SQLite lets one writer in at a
time anyway). Two writers that share an id therefore take turns, and the second one
reads the first one's committed row: neither order of arrival loses the link, and
both orders store the same links.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select, text, update

from o2c.orders import Order, Transaction
from o2c.payments import (
    Payment,
    StorefrontTransaction,
    links_from_transactions,
    with_links,
)
from sync.store.db import dialect_insert
from sync.store.models import StorefrontTransactionRecord
from sync.store.models_stripe import StripeKind, StripeObjectRecord

logger = logging.getLogger(__name__)

# The first key of the two-key advisory locks taken per processor id; the
# two-key space does not overlap the one-key locks taken elsewhere (migrations).
_LOCK_SPACE = 0x02C5
# Longer texts are kept in the row's JSON but not indexed: no processor id is.
MAX_REFERENCE = 255
_PENDING = "pending"
_REPLACED = (
    "order_external_id",
    "kind",
    "status",
    "gateway",
    "authorization",
    "payment_reference",
    "amount",
    "currency",
    "created_at",
    "data",
    "updated_at",
)


def order_transactions(order: Order) -> list[StorefrontTransaction]:
    """The transactions an order carries, its refunds' included, each naming its
    shop and order.

    A refund's transaction may name the charge it refunds: it links the payment to
    the order as surely as the sale does.
    """
    carried = [*order.transactions]
    carried += [t for refund in order.refunds for t in refund.transactions]
    return [
        StorefrontTransaction(
            source=order.source,
            order_external_id=order.external_id,
            transaction=transaction,
        )
        for transaction in carried
    ]


def record_transactions(
    conn: Connection, transactions: Sequence[StorefrontTransaction], *, now: datetime
) -> int:
    """Store storefront transactions and link the stored payments they name.

    Runs on an open transaction. A transaction already stored is replaced, except
    that a pending status never replaces a final one (Shopify may deliver the two
    in any order). Returns how many stored payments gained a link.
    """
    rows = {(t.source, t.transaction.external_id): _row(t, now) for t in transactions}
    if not rows:
        return 0
    # One order for every writer, so two batches never wait on each other in a ring.
    conn.execute(_upsert(conn), [rows[key] for key in sorted(rows)])
    return _link_stored_payments(conn, transactions, now=now)


def with_storefront_links(conn: Connection, payment: Payment) -> Payment:
    """Return the payment with a link to each order whose transaction names it.

    Runs on the open transaction that then writes the payment: the lock it takes
    on the payment's ids holds until that transaction ends.
    """
    references = _indexed(payment.references)
    if not references:
        return payment
    lock_references(conn, references)
    found = transactions_naming(conn, references)
    return with_links(payment, links_from_transactions(payment, found))


def transactions_naming(
    conn: Connection, references: Iterable[str]
) -> list[StorefrontTransaction]:
    """The stored storefront transactions whose processor ids include any given."""
    wanted = _indexed(references)
    if not wanted:
        return []
    record = StorefrontTransactionRecord
    query = (
        select(record.data)
        .where(
            or_(record.authorization.in_(wanted), record.payment_reference.in_(wanted))
        )
        .order_by(record.id)
    )
    return [
        StorefrontTransaction.model_validate_json(data)
        for data in conn.execute(query).scalars()
    ]


def transactions_of_order(
    conn: Connection, shop: str, order_external_id: str
) -> list[Transaction]:
    """The stored storefront transactions of one order, in the order stored."""
    record = StorefrontTransactionRecord
    query = (
        select(record.data)
        .where(record.shop == shop, record.order_external_id == order_external_id)
        .order_by(record.id)
    )
    return [
        StorefrontTransaction.model_validate_json(data).transaction
        for data in conn.execute(query).scalars()
    ]


def lock_references(conn: Connection, references: Iterable[str]) -> None:
    """Hold a lock per processor id until the open transaction ends (PostgreSQL).

    Locks are taken in key order, so writers that share several ids cannot
    deadlock. SQLite needs none: its writers already take turns.
    """
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({_lock_key(reference) for reference in references}):
        conn.execute(
            text("select pg_advisory_xact_lock(:space, :key)"),
            {"space": _LOCK_SPACE, "key": key},
        )


def _link_stored_payments(
    conn: Connection, transactions: Sequence[StorefrontTransaction], *, now: datetime
) -> int:
    references = _indexed(ref for t in transactions for ref in t.references)
    if not references:
        return 0
    lock_references(conn, references)
    stored = StripeObjectRecord
    query = select(stored.id, stored.data).where(
        stored.kind == StripeKind.PAYMENT,
        or_(
            stored.payment_id.in_(references), stored.payment_intent_id.in_(references)
        ),
    )
    linked = 0
    for row_id, data in conn.execute(query).all():
        payment = Payment.model_validate_json(data)
        updated = with_links(payment, links_from_transactions(payment, transactions))
        if updated is payment:
            continue
        conn.execute(
            update(stored)
            .where(stored.id == row_id)
            .values(data=updated.model_dump_json(), updated_at=now)
        )
        linked += 1
        logger.debug("payment %s linked to its storefront order", payment.external_id)
    return linked


def _row(item: StorefrontTransaction, now: datetime) -> dict[str, Any]:
    transaction = item.transaction
    return {
        "shop": item.source,
        "external_id": transaction.external_id,
        "order_external_id": item.order_external_id,
        "kind": transaction.kind.value,
        "status": transaction.status,
        "gateway": transaction.gateway,
        "authorization": _column(transaction.authorization),
        "payment_reference": _column(transaction.payment_reference),
        "amount": str(transaction.amount.amount),
        "currency": transaction.amount.currency,
        "created_at": transaction.created_at,
        "data": item.model_dump_json(),
        "updated_at": now,
    }


def _upsert(conn: Connection) -> Any:
    record = StorefrontTransactionRecord
    stmt = dialect_insert(conn, record)
    final_or_pending_still = (stmt.excluded.status != _PENDING) | (
        record.status == _PENDING
    )
    return stmt.on_conflict_do_update(
        index_elements=["shop", "external_id"],
        set_={name: stmt.excluded[name] for name in _REPLACED},
        where=final_or_pending_still,
    )


def _column(reference: str | None) -> str | None:
    return reference if reference and len(reference) <= MAX_REFERENCE else None


def _indexed(references: Iterable[str]) -> list[str]:
    return sorted({ref for ref in references if ref and len(ref) <= MAX_REFERENCE})


def _lock_key(reference: str) -> int:
    digest = hashlib.blake2b(reference.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
