"""SQLAlchemy models of the hub's own database.

The inbox keeps every raw delivery exactly once (unique on the sender's event id);
orders hold the newest canonical version of each storefront order; storefront
transactions index the processor references an order's payments carry; leases serialize
work per key; commands are the outbox of the pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones: values are stored as UTC text and given back their
    tzinfo on the way out, so comparisons and ordering agree with PostgreSQL.
    Naive datetimes are refused: they are a bug waiting for a daylight-saving day.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given to a UTC column: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class InboxStatus:
    PENDING = "pending"  # waiting for (another) attempt
    DONE = "done"  # processed
    PARKED = "parked"  # cannot be processed until an operator fixes the cause
    DEAD = "dead"  # gave up after max attempts; retryable from the CLI
    IGNORED = "ignored"  # a topic the hub does not act on; kept with the reason

    ALL = (PENDING, DONE, PARKED, DEAD, IGNORED)


class InboxEvent(Base):
    """One raw delivery (webhook body or polled record), stored before processing."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("source", "account", "event_id", name="uq_inbox_sender_event"),
        Index("ix_inbox_status_next", "status", "next_attempt_at"),
        Index("ix_inbox_key", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))  # shopify | stripe | bank
    account: Mapped[str] = mapped_column(String(128))  # shop name, stripe account, ...
    topic: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(255))
    key: Mapped[str | None] = mapped_column(String(255))  # the unit of serialized work
    version: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OrderState:
    """The pipeline states of an order (DESIGN.md); intake stores `received`."""

    RECEIVED = "received"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    RELEASED = "released"
    FULFILLED = "fulfilled"
    INVOICED = "invoiced"
    PAID = "paid"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    ALL = (
        RECEIVED,
        ON_HOLD,
        APPROVED,
        RELEASED,
        FULFILLED,
        INVOICED,
        PAID,
        CLOSED,
        CANCELLED,
    )


class OrderRecord(Base):
    """The newest known version of one storefront order, and its pipeline state."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop", "external_id", name="uq_orders_shop_external"),
        Index("ix_orders_state", "state"),
        Index("ix_orders_version", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(255))  # Shopify GID
    number: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    hold_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[datetime] = mapped_column(UtcDateTime)
    total_amount: Mapped[str] = mapped_column(String(40))  # Decimal as text
    currency: Mapped[str] = mapped_column(String(3))
    data: Mapped[str] = mapped_column(Text)  # the canonical Order as JSON
    # Breaks ties between two different bodies with the same version, so that every
    # arrival order converges on the same stored order.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderEvent(Base):
    """One inbox row applied to an order: the audit trail of intake, one row each.

    `outcome` says what the row did: `created` the order, `updated` it with a newer
    version, or was `stale` (older than the stored version, kept for the record).
    """

    __tablename__ = "order_events"
    __table_args__ = (
        Index("ix_order_events_inbox", "inbox_event_id"),
        Index("ix_order_events_order", "shop", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inbox_event_id: Mapped[int] = mapped_column(Integer)
    shop: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StorefrontTransactionRecord(Base):
    """One storefront transaction of an order, found by the processor ids it names.

    Rows come from `order_transactions/create` webhooks and from the transactions of
    stored orders; both write the same row, unique on (shop, transaction id).
    `authorization` and `payment_reference` are indexed: a processor payment is
    linked to its order by looking its charge and intent ids up here.
    """

    __tablename__ = "storefront_transactions"
    __table_args__ = (
        UniqueConstraint("shop", "external_id", name="uq_storefront_transactions"),
        Index("ix_storefront_transactions_authorization", "authorization"),
        Index("ix_storefront_transactions_payment_reference", "payment_reference"),
        Index("ix_storefront_transactions_order", "shop", "order_external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(255))  # OrderTransaction GID
    order_external_id: Mapped[str] = mapped_column(String(255))  # Order GID
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(Text)
    gateway: Mapped[str] = mapped_column(Text)
    # The processor's ids; None when absent or longer than any processor id.
    authorization: Mapped[str | None] = mapped_column(String(255))
    payment_reference: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[str] = mapped_column(String(40))  # Decimal as text
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the storefront's
    data: Mapped[str] = mapped_column(Text)  # the StorefrontTransaction as JSON
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the hub wrote it


class Lease(Base):
    """Who works on a key, until when. An expired lease may be taken by anyone."""

    __tablename__ = "leases"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PollCursor(Base):
    """Where polling of one stream (a shop's orders, Stripe's events) got to."""

    __tablename__ = "poll_cursors"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class CommandStatus:
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"

    ALL = (PENDING, DONE, DEAD)


class Command(Base):
    """A pipeline decision waiting to be carried out in an external system (outbox)."""

    __tablename__ = "commands"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_commands_idempotency_key"),
        Index("ix_commands_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(
        String(255)
    )  # the serialized work key it belongs to
    kind: Mapped[str] = mapped_column(
        String(64)
    )  # CreateInvoice, CreateCreditNote, ...
    idempotency_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(16), default=CommandStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON: ids in the external system
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
