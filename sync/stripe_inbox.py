"""Stripe events into the inbox: signed webhook deliveries and the catch-up.

An event is only a trigger: each handled one is filed under the work key of the object
it names (`stripe:<account>:<kind>:<id>`), and `sync.stripe_intake` processes the key.
A delivery is verified on its raw bytes before it is stored; a body that is signed
but unusable is kept, parked with the reason.

Catch-up lists events since the cursor (Stripe keeps 30 days of them) with an overlap,
files them in the inbox (duplicates are absorbed by the event id) and moves the cursor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from config.settings import StripeSettings
from connectors.stripe.client import StripeConnector
from connectors.stripe.webhooks import load_event, parse_event, verify_signature
from o2c.errors import PayloadError, PermanentError, RetryableError
from sync.inbox import Delivery, insert_deliveries, store_delivery, utcnow
from sync.store.db import dialect_insert
from sync.store.models import InboxStatus, PollCursor
from sync.store.models_stripe import EVENTS_STREAM, SOURCE, StripeKind

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT = "default"
EVENT_RETENTION = timedelta(days=30)
CATCH_UP_OVERLAP = timedelta(minutes=5)

# The event types the hub acts on, by the kind of object they are about. A payment
# intent's events are left out: its charge's events say the same, and the charge is
# read with the intent's metadata expanded.
HANDLED_TYPES: dict[str, str] = {
    **dict.fromkeys(
        [
            "charge.succeeded",
            "charge.captured",
            "charge.updated",
            "charge.refunded",
        ],
        StripeKind.PAYMENT,
    ),
    **dict.fromkeys(
        ["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"],
        StripeKind.REFUND,
    ),
    **dict.fromkeys(
        [
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
            "charge.dispute.funds_withdrawn",
            "charge.dispute.funds_reinstated",
        ],
        StripeKind.DISPUTE,
    ),
    **dict.fromkeys(
        [
            "payout.created",
            "payout.updated",
            "payout.paid",
            "payout.failed",
            "payout.canceled",
            "payout.reconciliation_completed",
        ],
        StripeKind.PAYOUT,
    ),
}


def object_key(account: str, kind: str, object_id: str) -> str:
    """The work key of one Stripe object: `stripe:<account>:<kind>:<id>`."""
    return f"{SOURCE}:{account}:{kind}:{object_id}"


def is_stripe_key(key: str) -> bool:
    """True for a work key this module processes (the runtime routes on it)."""
    return key.startswith(f"{SOURCE}:")


# -- into the inbox -------------------------------------------------------------


def delivery_for(account: str, body: bytes, headers: dict[str, str]) -> Delivery:
    """The inbox delivery of one event body.

    Unknown types are kept as ignored with the reason; a body that is not a usable
    event is parked with the parse error and its bytes.
    """
    try:
        event = parse_event(load_event(body))
        kind = HANDLED_TYPES.get(event.type)
        if kind is not None and event.object_id is None:
            raise PayloadError(f"{event.type} event {event.id} names no object id")
    except PayloadError as exc:
        return _parked(account, body, headers, exc)
    if kind is None:
        return Delivery(
            source=SOURCE,
            account=account,
            topic=event.type,
            event_id=event.id,
            key=None,
            body=body,
            headers=headers,
            version=event.created,
            status=InboxStatus.IGNORED,
            error=f"event type {event.type!r} is not acted on by the hub",
        )
    return Delivery(
        source=SOURCE,
        account=account,
        topic=event.type,
        event_id=event.id,
        key=object_key(account, kind, event.object_id or ""),
        body=body,
        headers=headers,
        version=event.created,
    )


def _parked(
    account: str, body: bytes, headers: dict[str, str], exc: PayloadError
) -> Delivery:
    """A delivery that cannot be worked on: kept with its bytes and the reason."""
    try:
        data = load_event(body)
        event_id = str(data.get("id") or "")
    except PayloadError:
        event_id = ""
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Delivery(
        source=SOURCE,
        account=account,
        topic="unreadable",
        event_id=event_id or f"unreadable:{digest}",
        key=None,
        body=body,
        headers=headers,
        status=InboxStatus.PARKED,
        error=str(exc),
    )


@dataclass(frozen=True)
class Received:
    """What a webhook delivery became."""

    delivery: Delivery
    new: bool  # False: a duplicate, absorbed by the inbox


def receive_webhook(
    engine: Engine,
    settings: StripeSettings,
    body: bytes,
    signature: str | None,
    *,
    account: str = DEFAULT_ACCOUNT,
    now: datetime | None = None,
) -> Received:
    """Verify a delivery on its raw bytes and store it in the inbox.

    Raises SignatureError (nothing stored) when the signature is missing, wrong or
    outside the tolerance.
    """
    at = now or utcnow()
    verify_signature(
        body,
        signature,
        settings.webhook_secret.get_secret_value(),
        tolerance=settings.signature_tolerance,
        now=at.timestamp(),
    )
    delivery = delivery_for(account, body, {"stripe-signature": signature or ""})
    return Received(delivery, store_delivery(engine, delivery, now=at))


@dataclass
class CatchUpResult:
    fetched: int = 0
    stored: int = 0
    keys: set[str] = field(default_factory=set)
    cursor: int | None = None


def catch_up(
    engine: Engine,
    connector: StripeConnector,
    *,
    account: str = DEFAULT_ACCOUNT,
    now: datetime | None = None,
) -> CatchUpResult:
    """File every event since the cursor (less an overlap) in the inbox.

    The scheduler calls this at start and every `poll_interval`. Raises the
    connector's errors after recording them on the cursor row.
    """
    at = now or utcnow()
    oldest = int((at - EVENT_RETENTION).timestamp())
    cursor = read_cursor(engine, account)
    since = (
        oldest if cursor is None else max(oldest, cursor - _seconds(CATCH_UP_OVERLAP))
    )
    result = CatchUpResult(cursor=cursor)
    try:
        batch: list[Delivery] = []
        for data in connector.events_since(since):
            batch.append(delivery_for(account, _event_bytes(data), {}))
            result.cursor = max(result.cursor or 0, int(data["created"]))
            if len(batch) >= 200:
                _file(engine, batch, result, now=at)
        _file(engine, batch, result, now=at)
    except (RetryableError, PermanentError, PayloadError) as exc:
        _write_cursor(engine, account, now=at, error=str(exc))
        raise
    _write_cursor(engine, account, now=at, cursor=result.cursor)
    logger.info(
        "stripe catch-up: %d event(s) fetched, %d new",
        result.fetched,
        result.stored,
        extra={"account": account, "since": since},
    )
    return result


def _file(
    engine: Engine, batch: list[Delivery], result: CatchUpResult, *, now: datetime
) -> None:
    result.fetched += len(batch)
    with engine.begin() as conn:
        for delivery in batch:
            if insert_deliveries(conn, [delivery], now=now) and delivery.key:
                result.stored += 1
                result.keys.add(delivery.key)
    batch.clear()


def _event_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), default=str).encode()


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def read_cursor(engine: Engine, account: str = DEFAULT_ACCOUNT) -> int | None:
    """The `created` time (Unix seconds) of the newest event filed, or None."""
    with engine.connect() as conn:
        text = conn.execute(
            select(PollCursor.cursor).where(
                PollCursor.source == SOURCE,
                PollCursor.account == account,
                PollCursor.stream == EVENTS_STREAM,
            )
        ).scalar()
    return int(text) if text and text.isdigit() else None


def _write_cursor(
    engine: Engine,
    account: str,
    *,
    now: datetime,
    cursor: int | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"last_run_at": now, "last_error": error}
    if error is None:
        values["last_success_at"] = now
        if cursor is not None:
            values["cursor"] = str(cursor)
    with engine.begin() as conn:
        stmt = dialect_insert(conn, PollCursor).values(
            source=SOURCE, account=account, stream=EVENTS_STREAM, **values
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["source", "account", "stream"], set_=values
            )
        )
