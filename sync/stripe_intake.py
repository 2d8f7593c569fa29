"""Stripe intake: webhook deliveries and catch-up into the inbox, then jobs per object.

An event is only a trigger. Stripe does not keep delivery order, so the job re-reads
the object the event names and stores the newest canonical record; two events about
one object, in any order, converge on the same row. Each object is one unit of work
(`stripe:<account>:<kind>:<id>`), serialized by a lease. A paid payout is broken down
and its journal entries go to the command outbox, each under its idempotency key, so a
second pass (or a dispute entry built from the dispute itself) adds nothing.

Catch-up lists events since the cursor (Stripe keeps 30 days of them) with an overlap,
files them in the inbox (duplicates are absorbed by the event id) and moves the cursor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from config.settings import StripeSettings
from connectors.stripe.client import StripeConnector
from connectors.stripe.webhooks import (
    load_event,
    parse_event,
    verify_signature,
)
from o2c.errors import (
    ConfigurationError,
    PayloadError,
    PermanentError,
    RetryableError,
)
from o2c.ledger import JournalEntry, ProcessorAccounts, dispute_entries, payout_entries
from o2c.payments import (
    BreakdownStatus,
    Dispute,
    Payment,
    PaymentRefund,
    Payout,
    payout_problems,
)
from sync import leases
from sync.inbox import Delivery, insert_deliveries, store_delivery, utcnow
from sync.intake import IntakePolicy, retry_delay
from sync.outbox import put_command
from sync.store.db import dialect_insert
from sync.store.models import (
    InboxEvent,
    InboxStatus,
    PollCursor,
)
from sync.store.models_stripe import StripeKind, StripeObjectRecord

logger = logging.getLogger(__name__)

SOURCE = "stripe"
DEFAULT_ACCOUNT = "default"
EVENTS_STREAM = "events"
EVENT_RETENTION = timedelta(days=30)
CATCH_UP_OVERLAP = timedelta(minutes=5)
POST_JOURNAL_ENTRY = "PostJournalEntry"

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

Clock = Callable[[], datetime]


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


# -- the jobs -------------------------------------------------------------------


@dataclass(frozen=True)
class StripeJobs:
    """What processing needs: the store, the connector, the ledger accounts."""

    engine: Engine
    connector: StripeConnector
    accounts: ProcessorAccounts | None = None  # None: store records, post nothing
    owner: str = "stripe-worker"
    policy: IntakePolicy = field(default_factory=IntakePolicy)
    clock: Clock = utcnow


def resolve_accounts(
    accounts: ProcessorAccounts, find: Callable[[list[str]], dict[str, int]]
) -> ProcessorAccounts:
    """Return the accounts with each code replaced by its ERP record id.

    `find` is the gateway's `find_accounts`. The mapping names accounts by the
    codes an administrator sees; the ERP writes postings on record ids. Raises
    ConfigurationError naming every code the ERP does not have.
    """
    codes = sorted(
        {
            accounts.clearing,
            accounts.bank,
            accounts.fee_default,
            accounts.refunds,
            accounts.disputes,
            accounts.suspense,
            *accounts.fees.values(),
        }
    )
    found = find(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        raise ConfigurationError(
            "mapping [defaults.stripe]: account code(s) not in the ERP: "
            + ", ".join(missing)
        )

    def record(code: str) -> str:
        return str(found[code])

    return accounts.model_copy(
        update={
            "clearing": record(accounts.clearing),
            "bank": record(accounts.bank),
            "fee_default": record(accounts.fee_default),
            "fees": {kind: record(code) for kind, code in accounts.fees.items()},
            "refunds": record(accounts.refunds),
            "disputes": record(accounts.disputes),
            "suspense": record(accounts.suspense),
        }
    )


@dataclass
class KeyResult:
    key: str
    done: int = 0
    parked: int = 0
    retried: int = 0
    dead: int = 0
    entries: int = 0  # journal entries newly queued
    busy: bool = False


def process_key(jobs: StripeJobs, key: str) -> KeyResult:
    """Process the due inbox rows of one Stripe object under its lease.

    The object is read once for all of them: the newest state serves every event.
    """
    result = KeyResult(key)
    if not leases.acquire(
        jobs.engine, key, jobs.owner, seconds=jobs.policy.lease_seconds
    ):
        result.busy = True
        return result
    try:
        rows = _due_rows(jobs.engine, key, now=jobs.clock())
        if rows:
            _process_rows(jobs, key, rows, result)
    finally:
        leases.release(jobs.engine, key, jobs.owner)
    return result


def process_pending(jobs: StripeJobs, *, limit: int = 1000) -> list[KeyResult]:
    """Process every Stripe key with due rows (the worker's loop, and tests')."""
    query = (
        select(InboxEvent.key)
        .where(
            InboxEvent.source == SOURCE,
            InboxEvent.status == InboxStatus.PENDING,
            InboxEvent.key.is_not(None),
        )
        .group_by(InboxEvent.key)
        .limit(limit)
    )
    with jobs.engine.connect() as conn:
        keys = [k for k in conn.execute(query).scalars() if k]
    return [process_key(jobs, key) for key in keys]


def _due_rows(engine: Engine, key: str, *, now: datetime) -> list[InboxEvent]:
    query = select(InboxEvent).where(
        InboxEvent.key == key,
        InboxEvent.status == InboxStatus.PENDING,
        (InboxEvent.next_attempt_at.is_(None)) | (InboxEvent.next_attempt_at <= now),
    )
    with Session(engine) as session:
        return list(session.execute(query).scalars())


def _process_rows(
    jobs: StripeJobs, key: str, rows: list[InboxEvent], result: KeyResult
) -> None:
    kind, object_id = key.split(":")[2], key.split(":", 3)[3]
    now = jobs.clock()
    try:
        work = _read(jobs, kind, object_id)
    except (PayloadError, PermanentError) as exc:
        logger.warning("stripe %s %s parked: %s", kind, object_id, exc)
        with jobs.engine.begin() as conn:
            _finish(conn, rows, InboxStatus.PARKED, now=now, error=str(exc))
        result.parked += len(rows)
        return
    except RetryableError as exc:
        _retry(jobs, rows, exc, result, now=now)
        return

    # The record, its entries and the rows' new state commit together.
    status = InboxStatus.PARKED if work.problem else InboxStatus.DONE
    with jobs.engine.begin() as conn:
        upsert_object(conn, rows[0].account, work.record, now=now, note=work.problem)
        result.entries += queue_entries(conn, key, work.entries, now=now)
        _finish(conn, rows, status, now=now, error=work.problem)
    if work.problem:
        logger.warning("stripe %s %s parked: %s", kind, object_id, work.problem)
        result.parked += len(rows)
    else:
        result.done += len(rows)


StripeRecord = Payment | PaymentRefund | Dispute | Payout


@dataclass(frozen=True)
class _Work:
    """A fresh read of one object: what to store, what to post, what stops it."""

    record: StripeRecord
    entries: list[JournalEntry] = field(default_factory=list)
    problem: str | None = None  # set: store the record, post nothing, park the rows


def _read(jobs: StripeJobs, kind: str, object_id: str) -> _Work:
    """Re-read the object from Stripe; return it and the entries it calls for."""
    connector, accounts = jobs.connector, jobs.accounts
    if kind == StripeKind.PAYMENT:
        return _Work(connector.payment(object_id))
    if kind == StripeKind.REFUND:
        return _Work(connector.refund(object_id))
    if kind == StripeKind.DISPUTE:
        dispute = connector.dispute(object_id)
        return _Work(dispute, dispute_entries(dispute, accounts) if accounts else [])
    if kind == StripeKind.PAYOUT:
        return _payout_work(connector.payout(object_id), accounts)
    raise PayloadError(f"unknown Stripe work kind {kind!r}", where="key")


def _payout_work(payout: Payout, accounts: ProcessorAccounts | None) -> _Work:
    """A paid payout is posted once its breakdown adds up; until then it waits."""
    problems = payout_problems(payout)
    if problems:
        # Lines that do not net to the payout: the operator looks before anything
        # is posted.
        return _Work(payout, problem="; ".join(problems))
    if accounts is None or payout.status != "paid":
        return _Work(payout)
    if payout.breakdown == BreakdownStatus.PENDING:
        return _Work(payout)  # payout.reconciliation_completed brings it back
    postings = payout_entries(payout, accounts)
    for problem in postings.problems:  # each problem names the payout
        logger.warning("%s", problem)
    return _Work(payout, list(postings.entries))


def upsert_object(
    conn: Connection,
    account: str,
    record: StripeRecord,
    *,
    now: datetime,
    note: str | None = None,
) -> None:
    """Insert or replace the canonical row of one Stripe object.

    `note` is shown to the operator; a payout without one keeps its breakdown note.
    """
    kind, payment_id, own_note = _columns(record)
    note = note or own_note
    values = {
        "account": account,
        "kind": kind,
        "external_id": record.external_id,
        "payment_id": payment_id,
        "amount": str(record.amount.amount),
        "currency": record.amount.currency,
        "status": record.status,
        "note": note,
        "created_at": record.created,
        "data": record.model_dump_json(),
        "updated_at": now,
    }
    stmt = dialect_insert(conn, StripeObjectRecord).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["account", "kind", "external_id"], set_=values
        )
    )


def _columns(record: StripeRecord) -> tuple[str, str | None, str | None]:
    if isinstance(record, Payment):
        return StripeKind.PAYMENT, record.external_id, None
    if isinstance(record, PaymentRefund):
        return StripeKind.REFUND, record.payment_id, None
    if isinstance(record, Dispute):
        return StripeKind.DISPUTE, record.payment_id, None
    return StripeKind.PAYOUT, None, record.breakdown_note


def queue_entries(
    conn: Connection, key: str, entries: list[JournalEntry], *, now: datetime
) -> int:
    """Put journal entries in the command outbox; return how many were new."""
    new = 0
    for entry in entries:
        new += put_command(
            conn,
            key=key,
            kind=POST_JOURNAL_ENTRY,
            idempotency_key=entry.idempotency_key,
            payload=entry.model_dump_json(),
            now=now,
        )
    return new


def _finish(
    conn: Connection,
    rows: list[InboxEvent],
    status: str,
    *,
    now: datetime,
    error: str | None,
) -> None:
    for row in rows:
        conn.execute(
            update(InboxEvent)
            .where(InboxEvent.id == row.id, InboxEvent.status == InboxStatus.PENDING)
            .values(
                status=status,
                attempts=row.attempts + 1,
                processed_at=now,
                last_error=error,
                next_attempt_at=None,
            )
        )


def _retry(
    jobs: StripeJobs,
    rows: list[InboxEvent],
    exc: RetryableError,
    result: KeyResult,
    *,
    now: datetime,
) -> None:
    """Count a failed attempt on each row: later with backoff, or dead at the limit."""
    error = f"{type(exc).__name__}: {exc}"
    with jobs.engine.begin() as conn:
        for row in rows:
            attempts = row.attempts + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": error}
            if attempts >= jobs.policy.max_attempts:
                values["status"] = InboxStatus.DEAD
                result.dead += 1
            else:
                delay = retry_delay(attempts, jobs.policy, exc.retry_after)
                values["next_attempt_at"] = now + timedelta(seconds=delay)
                result.retried += 1
            conn.execute(
                update(InboxEvent).where(InboxEvent.id == row.id).values(**values)
            )
    logger.warning("stripe key %s: %s", rows[0].key, error)
