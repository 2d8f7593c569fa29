"""The order-to-cash pipeline as a pure decision: order + state + policy + facts in,
next state + commands out.

    received -> approved -> released -> fulfilled -> invoiced -> paid -> closed
          \\-> on_hold (risk, credit, overdue, unmapped, total_mismatch) -> approved
    any state before invoiced -> cancelled; after invoiced, a cancellation or a
    refund -> credit note

`decide` reads no clock, database or network: everything it needs is in its four
arguments (the resolver in `Facts` answers from a mapping snapshot). `sync` stores
the returned state and commands in one transaction and executes the commands later.
Calling `decide` again with the same inputs gives the same commands with the same
idempotency keys, so a retried decision cannot write anything twice.

When invoicing happens is policy: on order (right after approval, before the
fulfillment hand-off), on fulfillment (every line that ships has shipped) or on
payment (the order is paid). Risk, credit and overdue holds stop an order before it
is released; an operator's release lifts them for good. Mapping gaps and total
mismatches hold the document that cannot be built and clear by themselves once it
builds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands import (
    AnyCommand,
    CreateCreditNote,
    CreateInvoice,
    HandOffFulfillment,
    PlaceHold,
    RegisterPayment,
    ReleaseHold,
    fulfillment_key,
    hold_key,
    payment_key,
    release_key,
)
from o2c.credit_notes import (
    build_cancellation_credit_note,
    build_credit_note,
    cancellation_key,
    credit_note_key,
)
from o2c.errors import MappingError
from o2c.invoices import (
    CurrencySide,
    InvoiceOptions,
    ReceivableDraft,
    TipPolicy,
    build_invoice,
)
from o2c.money import Money
from o2c.orders import Order, Transaction, TransactionKind
from o2c.resolution import Resolver
from o2c.taxes import RoundingConfig

logger = logging.getLogger(__name__)

# Holds placed by policy; an operator lifts them.
POLICY_HOLDS = ("risk", "credit", "overdue")
# Holds placed when a document cannot be built; they clear once it builds.
DOCUMENT_HOLDS = ("unmapped", "total_mismatch")
_PAID_STATUSES = ("paid", "partially_refunded", "refunded")


class Stage(StrEnum):
    RECEIVED = "received"
    APPROVED = "approved"
    RELEASED = "released"
    FULFILLED = "fulfilled"
    INVOICED = "invoiced"
    PAID = "paid"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


class PipelineState(BaseModel):
    """Where an order stands, and what has already been asked of the shell."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Stage = Stage.RECEIVED
    holds: tuple[str, ...] = ()
    released_holds: tuple[str, ...] = ()
    handed_off: bool = False
    fulfilled: bool = False
    invoice_key: str | None = None
    invoice_total: Money | None = None
    credited: tuple[str, ...] = ()
    payments: tuple[str, ...] = ()
    paid: bool = False


class PipelinePolicy(BaseModel):
    """The configured rules; field names match `config.settings.PolicySettings`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    invoice_on: Literal["order", "fulfillment", "payment"] = "order"
    invoice_currency: CurrencySide = "presentment"
    hold_risk_levels: tuple[str, ...] = ("HIGH",)
    tips: TipPolicy = "revenue"
    adjustment_units_per_line: int = Field(1, ge=0)


@dataclass(frozen=True)
class Facts:
    """What the shell knows beside the order: time, mappings, ERP setup, operator acts.

    `releases` are the hold reasons an operator released since the last decision;
    `credit_exceeded` and `overdue` come from the credit check against the ERP.
    """

    now: datetime
    resolver: Resolver
    rounding: RoundingConfig = field(default_factory=RoundingConfig)
    releases: tuple[str, ...] = ()
    credit_exceeded: bool = False
    overdue: bool = False


class Decision(BaseModel):
    """The next state and the commands to carry out, in order."""

    model_config = ConfigDict(frozen=True)

    next_state: PipelineState
    commands: tuple[AnyCommand, ...] = ()


@dataclass
class _Run:
    """The working copy of one decision."""

    order: Order
    policy: PipelinePolicy
    facts: Facts
    state: PipelineState
    holds: set[str]
    commands: list[AnyCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def options(self) -> InvoiceOptions:
        return InvoiceOptions(
            currency_side=self.policy.invoice_currency,
            tips=self.policy.tips,
            rounding=self.facts.rounding,
            adjustment_units_per_line=self.policy.adjustment_units_per_line,
        )

    def update(self, **changes: object) -> None:
        self.state = self.state.model_copy(update=changes)

    def hold(self, reason: str, detail: str) -> None:
        self.holds.add(reason)
        self.problems.append(detail)
        logger.warning("order %s held: %s", self.order.number, detail)


def decide(
    order: Order, state: PipelineState, policy: PipelinePolicy, facts: Facts
) -> Decision:
    """Return the order's next state and the commands that get it there.

    Never raises for a business problem: an unmapped record or a total mismatch
    becomes a hold with its reason.
    """
    run = _Run(
        order=order,
        policy=policy,
        facts=facts,
        state=state,
        holds=set(state.holds) - set(facts.releases),
    )
    run.update(released_holds=tuple(sorted({*state.released_holds, *facts.releases})))
    if order.is_cancelled:
        _cancel(run)
    else:
        _advance(run)
    return _finish(run, previous=state)


def _advance(run: _Run) -> None:
    """Move a live order as far as its facts allow."""
    # Policy holds only stop an order that has not been released yet.
    if not run.state.handed_off and run.state.invoice_key is None:
        run.holds |= _policy_holds(run) - set(run.state.released_holds)
    if run.holds - set(DOCUMENT_HOLDS):
        return

    run.holds -= set(DOCUMENT_HOLDS)
    if run.policy.invoice_on == "order":
        _invoice(run)
    if run.holds:
        return
    if not run.state.handed_off:
        run.commands.append(
            HandOffFulfillment(**_base(run.order, fulfillment_key(run.order)))
        )
        run.update(handed_off=True)
    run.update(fulfilled=_is_fulfilled(run.order))
    if _invoice_due(run):
        _invoice(run)
    if run.state.invoice_key is not None:
        _credit_refunds(run)
        _register_payments(run)


def _policy_holds(run: _Run) -> set[str]:
    reasons: set[str] = set()
    risk = (run.order.risk_level or "").upper()
    if risk and risk in {level.upper() for level in run.policy.hold_risk_levels}:
        reasons.add("risk")
    if run.facts.credit_exceeded:
        reasons.add("credit")
    if run.facts.overdue:
        reasons.add("overdue")
    return reasons


def _invoice_due(run: _Run) -> bool:
    if run.state.invoice_key is not None:
        return False
    if run.policy.invoice_on == "fulfillment":
        return run.state.fulfilled
    if run.policy.invoice_on == "payment":
        return _is_paid(run.order)
    return True


def _invoice(run: _Run) -> None:
    """Build the invoice and queue it, or hold the order with the reason."""
    if run.state.invoice_key is not None:
        return
    try:
        draft = build_invoice(
            run.order,
            run.facts.resolver,
            run.options,
            invoice_date=run.facts.now.date(),
        )
    except MappingError as exc:
        run.hold("unmapped", f"invoice: {exc}")
        return
    if _held_for_total(run, draft, "invoice"):
        return
    run.commands.append(
        CreateInvoice(**_base(run.order, draft.idempotency_key), draft=draft)
    )
    run.update(invoice_key=draft.idempotency_key, invoice_total=draft.expected_total)


def _held_for_total(run: _Run, draft: ReceivableDraft, what: str) -> bool:
    if draft.hold_reason is None:
        return False
    run.hold(
        "total_mismatch",
        f"{what} {draft.idempotency_key}: ERP total {draft.expected_total} "
        f"vs storefront {draft.storefront_total}",
    )
    return True


def _credit_refunds(run: _Run) -> None:
    """One credit note per refund not yet credited."""
    for refund in run.order.refunds:
        key = credit_note_key(run.order, refund.external_id)
        if key in run.state.credited:
            continue
        try:
            draft = build_credit_note(
                run.order,
                refund,
                run.facts.resolver,
                run.options,
                credit_date=run.facts.now.date(),
            )
        except MappingError as exc:
            run.hold("unmapped", f"credit note {key}: {exc}")
            continue
        if _held_for_total(run, draft, "credit note"):
            continue
        run.commands.append(CreateCreditNote(**_base(run.order, key), draft=draft))
        run.update(credited=(*run.state.credited, key))


def _register_payments(run: _Run) -> None:
    """Apply every captured storefront payment to the invoice, once each."""
    invoice_key = run.state.invoice_key
    assert invoice_key is not None  # called only once invoiced
    for transaction in _captured(run.order):
        if transaction.external_id in run.state.payments:
            continue
        run.commands.append(
            RegisterPayment(
                **_base(run.order, payment_key(run.order, transaction.external_id)),
                invoice_key=invoice_key,
                transaction_external_id=transaction.external_id,
                gateway=transaction.gateway,
                amount=transaction.amount,
                payment_date=(transaction.created_at or run.facts.now).date(),
                reference=transaction.payment_reference or run.order.number,
            )
        )
        run.update(payments=(*run.state.payments, transaction.external_id))
    run.update(paid=_is_paid(run.order) or _payments_cover(run))


def _payments_cover(run: _Run) -> bool:
    total = run.state.invoice_total
    if total is None:
        return False
    registered = [
        t.amount
        for t in _captured(run.order)
        if t.external_id in run.state.payments and t.amount.currency == total.currency
    ]
    return bool(registered) and Money.total(registered, total.currency) >= total


def _cancel(run: _Run) -> None:
    """Before invoicing a cancellation ends the order; after, it is credited."""
    run.holds.clear()
    if run.state.invoice_key is None:
        return
    _credit_refunds(run)
    key = cancellation_key(run.order)
    if key in run.state.credited or run.holds:
        return
    try:
        draft = build_cancellation_credit_note(
            run.order,
            run.facts.resolver,
            run.options,
            credit_date=run.facts.now.date(),
        )
    except MappingError as exc:
        run.hold("unmapped", f"credit note {key}: {exc}")
        return
    if not draft.lines and not draft.mismatch:
        return  # refunds already credited everything the invoice charged
    if _held_for_total(run, draft, "credit note"):
        return
    run.commands.append(CreateCreditNote(**_base(run.order, key), draft=draft))
    run.update(credited=(*run.state.credited, key))


def _finish(run: _Run, *, previous: PipelineState) -> Decision:
    """Turn hold changes into commands and settle the stage."""
    before, after = set(previous.holds), run.holds
    order = run.order
    if after - before:
        added = tuple(sorted(after - before))
        detail = "; ".join(run.problems) or None
        place = PlaceHold(
            **_base(order, hold_key(order, added)), reasons=added, detail=detail
        )
        run.commands.insert(0, place)
    if before - after:
        lifted = tuple(sorted(before - after))
        release = ReleaseHold(
            **_base(order, release_key(order, lifted)), reasons=lifted
        )
        run.commands.insert(0, release)
    run.update(holds=tuple(sorted(after)))
    run.update(stage=_stage(run))
    return Decision(next_state=run.state, commands=tuple(run.commands))


def _stage(run: _Run) -> Stage:
    state = run.state
    if state.holds:
        return Stage.ON_HOLD
    if run.order.is_cancelled:
        return Stage.CANCELLED
    if state.invoice_key is not None and state.paid:
        return Stage.CLOSED if state.fulfilled and _refunds_done(run) else Stage.PAID
    if state.invoice_key is not None:
        return Stage.INVOICED
    if state.fulfilled:
        return Stage.FULFILLED
    if state.handed_off:
        return Stage.RELEASED
    return Stage.APPROVED


def _refunds_done(run: _Run) -> bool:
    keys = {credit_note_key(run.order, r.external_id) for r in run.order.refunds}
    return keys <= set(run.state.credited)


def _base(order: Order, key: str) -> dict[str, str]:
    return {
        "idempotency_key": key,
        "source": order.source,
        "order_external_id": order.external_id,
    }


def _captured(order: Order) -> list[Transaction]:
    """Successful transactions that moved money in: captures and sales."""
    return [
        t
        for t in order.transactions
        if t.kind in (TransactionKind.CAPTURE, TransactionKind.SALE)
        and t.status == "success"
    ]


def _is_paid(order: Order) -> bool:
    if (order.financial_status or "").lower() in _PAID_STATUSES:
        return True
    captured = [t.amount for t in _captured(order)]
    total = order.total.presentment
    matching = [m for m in captured if m.currency == total.currency]
    return bool(matching) and Money.total(matching, total.currency) >= total


def _is_fulfilled(order: Order) -> bool:
    """True when every line that ships has shipped (successful fulfillments)."""
    if (order.fulfillment_status or "").lower() == "fulfilled":
        return True
    needed = {
        line.external_id: line.quantity
        for line in order.lines
        if line.requires_shipping and line.quantity
    }
    shipped: dict[str, int] = {}
    for fulfillment in order.fulfillments:
        if fulfillment.status != "success":
            continue
        for item in fulfillment.lines:
            key = item.line_external_id
            shipped[key] = shipped.get(key, 0) + item.quantity
    return all(shipped.get(key, 0) >= quantity for key, quantity in needed.items())
