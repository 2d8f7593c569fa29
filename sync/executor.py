"""The outbox executor: pending commands carried out in the ERP, exactly once.

`run_pending` takes the outbox's lease (one executor at a time), reads due
commands in batches and runs them through the ERP gateway:

- `CreateInvoice` / `CreateCreditNote`: partners the hub must create first, then
  one batched, idempotent create (the gateway looks every key up before creating
  and again after an ambiguous failure), one post, one read-back of the totals.
  A read-back total that differs from the expected one marks the command dead
  (`total_mismatch`) and holds the order; nothing is posted twice.
- `PostJournalEntry` (the Stripe clearing entries, and the pipeline's own): one
  batched create of balanced entries.
- `PlaceHold`, `ReleaseHold`, `HandOffFulfillment`: the hub's own bookkeeping,
  done at once (the order's stage already says it).

Each command ends `done` with the ERP ids in `result`, or: a retryable error
waits with exponential backoff (the server's hint first) and dies after
`max_attempts`; a mapping error, an expired key, a locked period or a refusal
marks it `dead` at once with the error (retryable from the CLI once the cause is
fixed). The ERP write and the local commit cannot be one transaction: if the
process dies between them, the next run finds the documents by their keys and
only records them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, or_, select, update

from connectors.odoo.gateway import ErpGateway
from connectors.odoo.records import (
    CreatedDocument,
    PartnerData,
    PaymentRequest,
    RegisteredPayment,
)
from mapping.catalog import PartnerQuery
from mapping.resolver import NEW_PARTNER, partner_query
from o2c.commands import (
    PostJournalEntry,
    RegisterPayment,
    command_from_json,
)
from o2c.errors import (
    AuthenticationError,
    HubError,
    MappingError,
    PermanentError,
    RetryableError,
)
from o2c.invoices import ReceivableDraft
from o2c.ledger import JournalEntry, Posting
from sync import leases
from sync.erp_catalog import find_or_create_partners, partner_data
from sync.inbox import utcnow
from sync.invoicing import hold_for_mismatch
from sync.orders_repo import get_order
from sync.store.models import Command, CommandStatus

logger = logging.getLogger(__name__)

OUTBOX_LEASE = "executor:outbox"
DEFAULT_MATCH = ("external_id", "vat", "email")
DOCUMENT_KINDS = ("CreateInvoice", "CreateCreditNote")
LOCAL_KINDS = ("PlaceHold", "ReleaseHold", "HandOffFulfillment")
JOURNAL_KINDS = ("PostJournalEntry",)
PAYMENT_KINDS = ("RegisterPayment",)


@dataclass(frozen=True)
class ExecutorPolicy:
    """Batch size, retries and the lease of one executor run."""

    batch_size: int = 100
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 3600.0
    lease_seconds: float = 300.0


@dataclass
class ExecutorResult:
    """What one run did, by outcome."""

    done: int = 0
    retried: int = 0
    dead: int = 0
    mismatched: int = 0
    busy: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: ExecutorResult) -> None:
        """Add another batch's counts to these."""
        self.done += other.done
        self.retried += other.retried
        self.dead += other.dead
        self.mismatched += other.mismatched
        self.errors += other.errors


@dataclass
class _Job:
    """One outbox row being carried out."""

    id: int
    kind: str
    key: str
    idempotency_key: str
    attempts: int
    payload: str
    command: Any = None


Clock = Callable[[], datetime]


@dataclass
class Executor:
    """Carries out the outbox through the ERP gateway.

    `resolver` gives the journal of journal entries (`accounts.entry_journal`
    of the mapping defaults); without it, entries wait as dead commands.
    """

    engine: Engine
    gateway: ErpGateway
    owner: str
    policy: ExecutorPolicy = field(default_factory=ExecutorPolicy)
    clock: Clock = utcnow
    entry_journal: Callable[[], str] | None = None
    payment_journal: Callable[[str, str, str], str] | None = None
    partner_match: Callable[[str], Sequence[str]] | None = None

    def run_pending(self, max_batches: int = 1000) -> ExecutorResult:
        """Run due commands in batches until none is left; return the counts.

        Returns with `busy` set when another executor holds the outbox.
        """
        total = ExecutorResult()
        for _ in range(max_batches):
            if not self._hold():
                total.busy = True
                break
            try:
                jobs = self._due()
                if not jobs:
                    break
                total.add(self._run_batch(jobs))
            finally:
                leases.release(self.engine, OUTBOX_LEASE, self.owner)
        if total.done or total.dead or total.retried:
            logger.info(
                "executor: %d done, %d retried, %d dead (%d total mismatches)",
                total.done,
                total.retried,
                total.dead,
                total.mismatched,
            )
        return total

    def _hold(self) -> bool:
        """Take or renew the outbox lease for another `lease_seconds`."""
        return leases.acquire(
            self.engine,
            OUTBOX_LEASE,
            self.owner,
            seconds=self.policy.lease_seconds,
            now=self.clock(),
        )

    def _due(self) -> list[_Job]:
        now = self.clock()
        query = (
            select(
                Command.id,
                Command.kind,
                Command.key,
                Command.idempotency_key,
                Command.attempts,
                Command.payload,
            )
            .where(
                Command.status == CommandStatus.PENDING,
                or_(Command.next_attempt_at.is_(None), Command.next_attempt_at <= now),
            )
            .order_by(Command.id)
            .limit(self.policy.batch_size)
        )
        with self.engine.connect() as conn:
            return [_Job(*row) for row in conn.execute(query)]

    def _run_batch(self, jobs: list[_Job]) -> ExecutorResult:
        result = ExecutorResult()
        runnable = [job for job in jobs if self._parse(job, result)]
        for job in (j for j in runnable if j.kind in LOCAL_KINDS):
            self._finish(job, result, outcome={"local": True})
        # Invoices before credit notes: a credit note names the invoice it reverses.
        steps: list[tuple[str, Callable[[list[_Job], ExecutorResult], None]]] = [
            ("CreateInvoice", self._run_documents),
            ("CreateCreditNote", self._run_documents),
            ("PostJournalEntry", self._run_entries),
            ("RegisterPayment", self._run_payments),
        ]
        for kind, step in steps:
            batch = [job for job in runnable if job.kind == kind]
            # A long batch renews the lease before each step; losing it means
            # another executor took over, and the rest is left to it.
            if batch and self._hold():
                self._guarded(batch, result, step)
        known = (*LOCAL_KINDS, *DOCUMENT_KINDS, *JOURNAL_KINDS, *PAYMENT_KINDS)
        for job in (j for j in runnable if j.kind not in known):
            error = HubError(f"no executor for {job.kind} yet")
            self._fail(job, result, error, dead=True)
        return result

    def _parse(self, job: _Job, result: ExecutorResult) -> bool:
        """Read the command; a payload that cannot be read is dead at once."""
        try:
            if job.kind == "PostJournalEntry" and '"kind"' not in job.payload:
                # The Stripe intake queues the ledger's own entries.
                job.command = JournalEntry.model_validate_json(job.payload)
            else:
                job.command = command_from_json(job.payload)
        except ValidationError as exc:
            self._fail(job, result, HubError(f"unreadable command: {exc}"), dead=True)
            return False
        return True

    def _guarded(
        self,
        jobs: list[_Job],
        result: ExecutorResult,
        step: Callable[[list[_Job], ExecutorResult], None],
    ) -> None:
        """Run a batch; a permanent error is isolated by running its jobs singly."""
        try:
            step(jobs, result)
        except RetryableError as exc:
            for job in jobs:
                self._fail(job, result, exc)
        except AuthenticationError as exc:
            # Every call fails alike until the key is replaced: no one-by-one.
            for job in jobs:
                self._fail(job, result, exc, dead=True)
        except (PermanentError, MappingError) as exc:
            if len(jobs) == 1:
                self._fail(jobs[0], result, exc, dead=True)
                return
            for job in jobs:
                self._guarded([job], result, step)

    # -- invoices and credit notes ---------------------------------------------

    def _run_documents(self, jobs: list[_Job], result: ExecutorResult) -> None:
        drafts = self._with_partners(jobs)
        if jobs[0].kind == "CreateInvoice":
            created = self.gateway.create_invoices(drafts)  # type: ignore[arg-type]
        else:
            created = self.gateway.create_credit_notes(drafts)  # type: ignore[arg-type]
        by_key = {doc.key: doc for doc in created}
        for job, draft in zip(jobs, drafts, strict=True):
            self._record_document(job, draft, by_key.get(draft.idempotency_key), result)

    def _record_document(
        self,
        job: _Job,
        draft: ReceivableDraft,
        doc: CreatedDocument | None,
        result: ExecutorResult,
    ) -> None:
        error = _document_error(doc)
        if error is not None:
            permanent = isinstance(error, PermanentError | MappingError | HubError)
            retry = isinstance(error, RetryableError)
            self._fail(job, result, error, dead=permanent and not retry)
            return
        assert doc is not None and doc.id is not None
        outcome = {"id": doc.id, "name": doc.name, "created": doc.created}
        outcome["amount_total"] = str(_amount(doc.amount_total))
        expected = draft.expected_total.amount
        if doc.finding is not None or _amount(doc.amount_total) != expected:
            self._mismatch(job, draft, doc, result, outcome=outcome)
            return
        self._finish(job, result, outcome=outcome)

    def _with_partners(self, jobs: list[_Job]) -> list[ReceivableDraft]:
        """The drafts, `new:` partners replaced by partners found or created.

        All of a batch's customers are looked up in one call and the missing ones
        created in one more (once per key). Raises MappingError for an order
        whose customer cannot be known.
        """
        drafts: list[ReceivableDraft] = [job.command.draft for job in jobs]
        wanted: dict[str, dict[str, tuple[PartnerQuery, PartnerData]]] = {}
        for draft in drafts:
            if draft.partner_ref.startswith(NEW_PARTNER):
                by_ref = wanted.setdefault(draft.source, {})
                by_ref[draft.partner_ref] = self._customer(draft)
        refs: dict[str, str] = {}
        for source, partners in wanted.items():
            match = self.partner_match(source) if self.partner_match else DEFAULT_MATCH
            ids = find_or_create_partners(self.gateway, partners, match=match)
            refs.update({ref: str(pid) for ref, pid in ids.items()})
        return [
            d.model_copy(update={"partner_ref": refs[d.partner_ref]})
            if d.partner_ref in refs
            else d
            for d in drafts
        ]

    def _customer(self, draft: ReceivableDraft) -> tuple[PartnerQuery, PartnerData]:
        found = get_order(self.engine, draft.order_external_id, shop=draft.source)
        query = partner_query(found[1]) if found else None
        if found is None or query is None:
            raise MappingError("customer", draft.order_number)
        return query, partner_data(found[1], query)

    def _mismatch(
        self,
        job: _Job,
        draft: ReceivableDraft,
        doc: CreatedDocument,
        result: ExecutorResult,
        *,
        outcome: dict[str, Any],
    ) -> None:
        detail = (
            f"total_mismatch: {draft.idempotency_key} has amount_total "
            f"{_amount(doc.amount_total)} in the ERP, expected {draft.expected_total}"
        )
        logger.error("%s", detail)
        now = self.clock()
        with self.engine.begin() as conn:
            _mark_on(
                conn, job, CommandStatus.DEAD, error=detail, outcome=outcome, now=now
            )
            hold_for_mismatch(
                conn, draft.source, draft.order_external_id, detail=detail, now=now
            )
        result.dead += 1
        result.mismatched += 1

    # -- journal entries ---------------------------------------------------------

    def _run_entries(self, jobs: list[_Job], result: ExecutorResult) -> None:
        if self.entry_journal is None:
            raise MappingError("journal", "entries", "no entry journal is configured")
        journal = self.entry_journal()
        entries = [_as_entry(job.command) for job in jobs]
        created = self.gateway.create_journal_entries(entries, journal_ref=journal)
        by_key = {doc.key: doc for doc in created}
        for job in jobs:
            doc = by_key.get(job.idempotency_key)
            error = _document_error(doc)
            if error is not None:
                retry = isinstance(error, RetryableError)
                self._fail(job, result, error, dead=not retry)
                continue
            assert doc is not None
            self._finish(job, result, outcome={"id": doc.id, "name": doc.name})

    # -- payments ------------------------------------------------------------------

    def _run_payments(self, jobs: list[_Job], result: ExecutorResult) -> None:
        if self.payment_journal is None:
            raise MappingError("journal", "payments", "no payment journals configured")
        requests: list[PaymentRequest] = []
        runnable: list[_Job] = []
        for job in jobs:
            command: RegisterPayment = job.command
            try:
                journal = self.payment_journal(
                    command.source, command.gateway, command.amount.currency
                )
            except MappingError as exc:
                self._fail(job, result, exc, dead=True)
                continue
            runnable.append(job)
            requests.append(_payment_request(command, journal))
        if not requests:
            return
        registered = self.gateway.register_payments(requests)
        by_key = {payment.key: payment for payment in registered}
        for job in runnable:
            payment = by_key.get(job.idempotency_key)
            error = _document_error(payment)
            if error is not None:
                retry = isinstance(error, RetryableError)
                self._fail(job, result, error, dead=not retry)
                continue
            assert payment is not None
            outcome = {"id": payment.id, "name": payment.name}
            self._finish(job, result, outcome=outcome)

    # -- bookkeeping -------------------------------------------------------------

    def _finish(
        self, job: _Job, result: ExecutorResult, *, outcome: dict[str, Any]
    ) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            _mark_on(
                conn, job, CommandStatus.DONE, error=None, outcome=outcome, now=now
            )
        result.done += 1

    def _fail(
        self,
        job: _Job,
        result: ExecutorResult,
        exc: Exception,
        *,
        dead: bool = False,
    ) -> None:
        """Count a failed attempt: later with backoff, or dead."""
        _fail(
            self.engine,
            job,
            result,
            exc,
            policy=self.policy,
            now=self.clock(),
            dead=dead,
        )


def _payment_request(command: RegisterPayment, journal: str) -> PaymentRequest:
    return PaymentRequest(
        key=command.idempotency_key,
        invoice_key=command.invoice_key,
        amount=command.amount,
        payment_date=command.payment_date,
        journal_ref=journal,
    )


def _document_error(
    doc: CreatedDocument | RegisteredPayment | None,
) -> Exception | None:
    """The failure of one document of a batch, if it failed."""
    if doc is None:
        return HubError("the gateway returned no document for the key")
    if doc.error is not None:
        return doc.error
    if doc.id is None:
        return HubError("the gateway returned the document without an id")
    return None


def _amount(value: Any) -> Decimal:
    amount = getattr(value, "amount", value)
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def _as_entry(command: Any) -> JournalEntry:
    """The ledger's entry; the pipeline's `PostJournalEntry` translated into one."""
    if isinstance(command, JournalEntry):
        return command
    assert isinstance(command, PostJournalEntry)
    postings = tuple(
        Posting(account=p.account_ref, debit=p.debit, credit=p.credit, label=p.label)
        for p in command.postings
    )
    return JournalEntry(
        idempotency_key=command.idempotency_key,
        date=command.entry_date,
        reference=command.reference,
        currency=postings[0].debit.currency,
        postings=postings,
    )


# -- bookkeeping ---------------------------------------------------------------------


def _fail(
    engine: Engine,
    job: _Job,
    result: ExecutorResult,
    exc: Exception,
    *,
    policy: ExecutorPolicy,
    now: datetime,
    dead: bool = False,
) -> None:
    """Count a failed attempt: later with backoff, or dead (at once if permanent)."""
    error = f"{type(exc).__name__}: {exc}"
    attempts = job.attempts + 1
    result.errors.append(f"{job.idempotency_key}: {error}")
    if dead or attempts >= policy.max_attempts:
        logger.error("command %s dead: %s", job.idempotency_key, error)
        with engine.begin() as conn:
            _mark_on(
                conn,
                job,
                CommandStatus.DEAD,
                error=error,
                outcome=None,
                now=now,
                attempts=attempts,
            )
        result.dead += 1
        return
    hint = exc.retry_after if isinstance(exc, RetryableError) else None
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** (attempts - 1))
    delay = max(delay, hint or 0.0)
    logger.warning(
        "command %s failed (attempt %d), retry in %.0f s: %s",
        job.idempotency_key,
        attempts,
        delay,
        error,
    )
    with engine.begin() as conn:
        conn.execute(
            update(Command)
            .where(Command.id == job.id, Command.status == CommandStatus.PENDING)
            .values(
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + timedelta(seconds=delay),
                updated_at=now,
            )
        )
    result.retried += 1


def _mark_on(
    conn: Any,
    job: _Job,
    status: str,
    *,
    error: str | None,
    outcome: dict[str, Any] | None,
    now: datetime,
    attempts: int | None = None,
) -> None:
    conn.execute(
        update(Command)
        .where(Command.id == job.id, Command.status == CommandStatus.PENDING)
        .values(
            status=status,
            attempts=attempts if attempts is not None else job.attempts + 1,
            last_error=error,
            result=json.dumps(outcome) if outcome is not None else None,
            next_attempt_at=None,
            updated_at=now,
        )
    )
