"""The inbox: every raw delivery (webhook body, polled record) stored once, before work.

A delivery is unique on its sender's event id: `store_delivery` inserts with
`ON CONFLICT DO NOTHING`, so a duplicate sent five times is absorbed by the database
itself, whatever the timing. Each row names the key of the serialized work it feeds
(`order_key`), so that a job can process everything about one order in order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from sync.store.db import dialect_insert, reading
from sync.store.models import InboxEvent, InboxStatus

logger = logging.getLogger(__name__)

SHOPIFY = "shopify"
# Topics of records the hub fetched itself rather than received as webhooks.
POLL_TOPIC = "poll/orders"
BULK_TOPIC = "bulk/orders"


@dataclass
class Delivery:
    """One raw record as received, with what the inbox needs to file it."""

    source: str  # shopify | stripe | bank
    account: str  # the configured shop name, the Stripe account, ...
    topic: str  # orders/create, poll/orders, ...
    event_id: str  # the sender's id of this delivery (unique per source and account)
    key: str | None  # the unit of serialized work; None: one key per event
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    version: datetime | None = None  # the record's updated_at, when known
    status: str = InboxStatus.PENDING
    error: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        """Return the inbox row's column values for this delivery."""
        if self.status not in InboxStatus.ALL:
            raise ValueError(f"unknown inbox status {self.status!r}")
        return {
            "source": self.source,
            "account": self.account,
            "topic": self.topic,
            "event_id": self.event_id,
            "key": self.key or f"{self.source}:{self.account}:event:{self.event_id}",
            "version": self.version,
            "received_at": now,
            "headers": dict(self.headers),
            "body": bytes(self.body),
            "status": self.status,
            "attempts": 0,
            "last_error": self.error,
        }


def order_key(shop: str, order_gid: str) -> str:
    """Return the work key of one shop order, e.g. `shopify:acme:gid://shopify/Order/1`."""
    return f"{SHOPIFY}:{shop}:{order_gid}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def next_retry(engine: Engine, key: str) -> datetime | None:
    """Return when the earliest pending row of `key` is due again, if any waits."""
    query = select(func.min(InboxEvent.next_attempt_at)).where(
        InboxEvent.key == key, InboxEvent.status == InboxStatus.PENDING
    )
    with reading(engine) as conn:
        value: datetime | None = conn.execute(query).scalar()
    return value


def store_delivery(
    engine: Engine, delivery: Delivery, *, now: datetime | None = None
) -> bool:
    """Store one delivery; return True if it is new, False if it was a duplicate."""
    with engine.begin() as conn:
        return insert_deliveries(conn, [delivery], now=now or utcnow()) == 1


def store_deliveries(
    engine: Engine, deliveries: Iterable[Delivery], *, now: datetime | None = None
) -> int:
    """Store many deliveries in one transaction; return how many were new."""
    with engine.begin() as conn:
        return insert_deliveries(conn, list(deliveries), now=now or utcnow())


def insert_deliveries(
    conn: Connection, deliveries: list[Delivery], *, now: datetime
) -> int:
    """Insert deliveries on an open connection, absorbing duplicates; count new."""
    if not deliveries:
        return 0
    stmt = dialect_insert(conn, InboxEvent).on_conflict_do_nothing(
        index_elements=["source", "account", "event_id"]
    )
    new = 0
    for delivery in deliveries:
        # One statement per row: rowcount then says exactly which rows were new.
        new += conn.execute(stmt, delivery.row(now)).rowcount
    logger.debug("inbox: %d of %d deliveries new", new, len(deliveries))
    return new


def parse_timestamp(value: object) -> datetime | None:
    """Return an ISO 8601 timestamp as an aware UTC datetime, None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def json_bytes(record: dict[str, Any]) -> bytes:
    """Serialize a record parsed with `parse_float=Decimal` without losing digits.

    Decimals are written as JSON numbers with their exact text, so that reading the
    bytes back with `parse_float=Decimal` gives the same values.
    """
    marker = "\u0000dec:"

    def _default(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{marker}{value}"
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(f"cannot serialize {type(value).__name__}")

    text = json.dumps(record, default=_default, separators=(",", ":"))
    escaped = '"' + json.dumps(marker)[1:-1]
    if escaped not in text:
        return text.encode()
    parts = text.split(escaped)
    out = [parts[0]]
    for part in parts[1:]:
        number, _, rest = part.partition('"')
        out.append(number + rest)
    return "".join(out).encode()
