"""Stripe intake: the jobs that turn a Stripe object's inbox rows into stored records.

An event is only a trigger (`sync.stripe_inbox` files it under its object's key).
Stripe does not keep delivery order, so the job re-reads the object the event names
and stores the newest canonical record; two events about one object, in any order,
converge on the same row. Each object is one unit of work
(`stripe:<account>:<kind>:<id>`), serialized by a lease.

- A payment is stored with a link to each order whose storefront transaction names
  its charge or intent (`sync.payment_links`).
- A paid payout is broken down and its journal entries go to the command outbox,
  each under its idempotency key, so a second pass (or a dispute entry built from the
  dispute itself) adds nothing.
- A payout that fails after its transfer entry was queued (the bank sent the money
  back) gets a reversing entry under a key of its own; its fees and lines stay
  posted (Stripe keeps the fees; the returned money is paid out again with a later
  payout). One that fails before it was posted gets its lines posted, no transfer
  and no reversal: the books end the same either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from connectors.stripe.client import StripeConnector
from o2c.errors import (
    ConfigurationError,
    PayloadError,
    PermanentError,
    RetryableError,
)
from o2c.ledger import (
    JournalEntry,
    ProcessorAccounts,
    dispute_entries,
    failed_payout_entries,
    failed_transfer_entry,
    payout_entries,
    transfer_key,
)
from o2c.payments import (
    BreakdownStatus,
    Dispute,
    Payment,
    PaymentRefund,
    Payout,
    payout_problems,
)
from sync import leases
from sync.inbox import next_retry, utcnow
from sync.intake import IntakePolicy, retry_delay
from sync.outbox import has_command, put_command
from sync.payment_links import with_storefront_links
from sync.store.db import dialect_insert
from sync.store.models import InboxEvent, InboxStatus
from sync.store.models_stripe import (
    EVENTS_STREAM,
    SOURCE,
    StripeKind,
    StripeObjectRecord,
)

# Receipt and catch-up live in `sync.stripe_inbox`; their names stay importable here.
from sync.stripe_inbox import (
    CATCH_UP_OVERLAP,
    DEFAULT_ACCOUNT,
    EVENT_RETENTION,
    HANDLED_TYPES,
    CatchUpResult,
    Received,
    catch_up,
    delivery_for,
    is_stripe_key,
    object_key,
    read_cursor,
    receive_webhook,
)

__all__ = [
    "CATCH_UP_OVERLAP",
    "DEFAULT_ACCOUNT",
    "EVENTS_STREAM",
    "EVENT_RETENTION",
    "HANDLED_TYPES",
    "POST_JOURNAL_ENTRY",
    "SOURCE",
    "CatchUpResult",
    "KeyResult",
    "Received",
    "StripeJobs",
    "catch_up",
    "delivery_for",
    "is_stripe_key",
    "object_key",
    "process_key",
    "process_pending",
    "queue_entries",
    "read_cursor",
    "receive_webhook",
    "resolve_accounts",
    "upsert_object",
]

logger = logging.getLogger(__name__)

POST_JOURNAL_ENTRY = "PostJournalEntry"

Clock = Callable[[], datetime]


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
    next_attempt_at: datetime | None = None  # the earliest retry still waiting


def process_key(jobs: StripeJobs, key: str) -> KeyResult:
    """Process the due inbox rows of one Stripe object under its lease.

    The object is read once for all of them: the newest state serves every event.
    Returns with `busy` set, doing nothing, when another worker holds the key.
    """
    result = KeyResult(key)
    # An event filed while we held the key found it busy and left: look again
    # after letting go, or its row would wait for the sweep.
    for round_ in range(3):
        if not leases.acquire(
            jobs.engine, key, jobs.owner, seconds=jobs.policy.lease_seconds
        ):
            result.busy = round_ == 0
            break
        try:
            rows = _due_rows(jobs.engine, key, now=jobs.clock())
            if rows:
                _process_rows(jobs, key, rows, result)
        finally:
            leases.release(jobs.engine, key, jobs.owner)
        if not _due_rows(jobs.engine, key, now=jobs.clock()):
            break
    result.next_attempt_at = next_retry(jobs.engine, key)
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
        work = _read(jobs, kind, object_id, reported_on=_reported_on(rows, now))
    except (PayloadError, PermanentError) as exc:
        logger.warning("stripe %s %s parked: %s", kind, object_id, exc)
        with jobs.engine.begin() as conn:
            _finish(conn, rows, InboxStatus.PARKED, now=now, error=str(exc))
        result.parked += len(rows)
        return
    except RetryableError as exc:
        _retry(jobs, rows, exc, result, now=now)
        return

    # The record, its links, its entries and the rows' new state commit together.
    status = InboxStatus.PARKED if work.problem else InboxStatus.DONE
    with jobs.engine.begin() as conn:
        record = work.record
        if isinstance(record, Payment):
            record = with_storefront_links(conn, record)
        upsert_object(conn, rows[0].account, record, now=now, note=work.problem)
        result.entries += queue_entries(conn, key, work.entries, now=now)
        result.entries += _queue_reversals(conn, key, work.reversals, now=now)
        _finish(conn, rows, status, now=now, error=work.problem)
    if work.problem:
        logger.warning("stripe %s %s parked: %s", kind, object_id, work.problem)
        result.parked += len(rows)
    else:
        result.done += len(rows)


StripeRecord = Payment | PaymentRefund | Dispute | Payout


@dataclass(frozen=True)
class _Reversal:
    """An entry that undoes another one, wanted only if that one was ever queued."""

    undoes: str  # the idempotency key of the entry it reverses
    entry: JournalEntry


@dataclass(frozen=True)
class _Work:
    """A fresh read of one object: what to store, what to post, what stops it."""

    record: StripeRecord
    entries: list[JournalEntry] = field(default_factory=list)
    reversals: list[_Reversal] = field(default_factory=list)
    problem: str | None = None  # set: store the record, post nothing, park the rows


def _read(jobs: StripeJobs, kind: str, object_id: str, *, reported_on: date) -> _Work:
    """Re-read the object from Stripe; return it and the entries it calls for.

    `reported_on` is the day Stripe reported the change, the date of a reversal.
    """
    connector, accounts = jobs.connector, jobs.accounts
    if kind == StripeKind.PAYMENT:
        return _Work(connector.payment(object_id))
    if kind == StripeKind.REFUND:
        return _Work(connector.refund(object_id))
    if kind == StripeKind.DISPUTE:
        dispute = connector.dispute(object_id)
        return _Work(dispute, dispute_entries(dispute, accounts) if accounts else [])
    if kind == StripeKind.PAYOUT:
        return _payout_work(connector.payout(object_id), accounts, on=reported_on)
    raise PayloadError(f"unknown Stripe work kind {kind!r}", where="key")


def _payout_work(
    payout: Payout, accounts: ProcessorAccounts | None, *, on: date
) -> _Work:
    """A paid payout is posted once its breakdown adds up; until then it waits.

    A failed one posts its lines without a transfer, and undoes the transfer if
    that was queued while the payout was paid (known only inside the store's
    transaction: `_queue_reversals`).
    """
    problems = payout_problems(payout)
    if problems:
        # Lines that do not net to the payout: the operator looks before anything
        # is posted.
        return _Work(payout, problem="; ".join(problems))
    if accounts is None or payout.status not in ("paid", "failed"):
        return _Work(payout)
    reversals = []
    if payout.status == "failed":
        entry = failed_transfer_entry(payout, accounts, on=on)
        reversals.append(_Reversal(transfer_key(payout.external_id), entry))
    if payout.breakdown == BreakdownStatus.PENDING:
        # payout.reconciliation_completed brings it back
        return _Work(payout, reversals=reversals)
    if payout.status == "failed":
        postings = failed_payout_entries(payout, accounts)
    else:
        postings = payout_entries(payout, accounts)
    for problem in postings.problems:  # each problem names the payout
        logger.warning("%s", problem)
    return _Work(payout, list(postings.entries), reversals)


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
    intent = record.payment_intent_id if isinstance(record, Payment) else None
    values = {
        "account": account,
        "kind": kind,
        "external_id": record.external_id,
        "payment_id": payment_id,
        "payment_intent_id": intent,
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


def _queue_reversals(
    conn: Connection, key: str, reversals: list[_Reversal], *, now: datetime
) -> int:
    """Queue each reversal whose original entry is in the outbox; return how many
    were new. The original was queued under this same key, whose lease we hold."""
    new = 0
    for reversal in reversals:
        if not has_command(conn, reversal.undoes):
            continue  # nothing was posted, so there is nothing to undo
        if queue_entries(conn, key, [reversal.entry], now=now):
            new += 1
            logger.info(
                "stripe %s: %s queued to undo %s",
                reversal.entry.reference,
                reversal.entry.idempotency_key,
                reversal.undoes,
                extra={"key": key},
            )
    return new


def _reported_on(rows: list[InboxEvent], now: datetime) -> date:
    """The day of the newest event among the rows (Stripe's `created`), else today."""
    versions = [row.version for row in rows if row.version is not None]
    return max(versions, default=now).date()


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
