"""Sandbox Shopify order life: payment, fulfillment, refunds, cancellation, versions.

`build_life` gives a freshly priced order its history; `as_of` rebuilds the order as it
was at any moment of that history (its version), and `versions` lists every version
with the webhook topic that announced it.

Where real Shopify is unknown, the sandbox assumes:
- a B2B order cancelled before any payment reports `financial_status` "voided";
- a refunded line's subtotal and taxes are the line's own amounts scaled by the refunded
  quantity and rounded per currency side (exact when the whole line is refunded);
- the refund transaction is what the refund lines, their taxes (when not included) and
  the refunded shipping add up to;
- transactions through Shopify Payments or Stripe name the Stripe PaymentIntent
  (`payment_id`) and Charge (`authorization`) on every transaction of that payment;
  other gateways keep their own code and a `#1001.1`-style payment id.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from connectors.sandbox.shopify import catalog
from connectors.sandbox.shopify.pricing import round_to
from connectors.sandbox.shopify.records import (
    ZERO,
    Amount,
    Fulfillment,
    Line,
    Milestone,
    Refund,
    RefundLine,
    RefundShipping,
    SandboxOrder,
    Transaction,
)

NextId = Callable[[], int]

# Gateways whose transactions name a Stripe PaymentIntent and Charge.
STRIPE_GATEWAYS = ("shopify_payments", "stripe")


def build_life(
    order: SandboxOrder, *, rng: random.Random, next_id: NextId
) -> SandboxOrder:
    """Return the order at its latest version, with the history it went through."""
    life = _Life(order, rng, next_id)
    life.pay_at_checkout()
    if rng.random() < (0.5 if order.risk_level == "HIGH" else 0.07):
        life.cancel()
    else:
        life.fulfill_and_collect()
        if life.collected and life.fulfillments and rng.random() < 0.2:
            life.refund_part()
    return life.result()


class _Life:
    """The mutable history of one order while it is being written."""

    def __init__(self, order: SandboxOrder, rng: random.Random, next_id: NextId):
        self.order = order
        self.rng = rng
        self.next_id = next_id
        self.gateway = "manual" if order.payment_terms else rng.choice(catalog.GATEWAYS)
        self.transactions: list[Transaction] = []
        self.fulfillments: list[Fulfillment] = []
        self.refunds: list[Refund] = []
        self.milestones = [Milestone("orders/create", order.created_at)]
        self.cancelled: tuple[datetime, str] | None = None
        self.authorization: Transaction | None = None
        self.collected: Transaction | None = None

    def _transaction(
        self,
        kind: str,
        amount: Amount,
        at: datetime,
        *,
        parent_id: int | None = None,
        authorization: str | None = None,
    ) -> Transaction:
        number = self.next_id()
        parent = next((t for t in self.transactions if t.id == parent_id), None)
        payment_id: str | None = f"{self.order.name}.{len(self.transactions) + 1}"
        if self.gateway in STRIPE_GATEWAYS:
            # Card payments carry Stripe's ids: the PaymentIntent and its Charge
            # (uncaptured until the capture), shared by the payment's later
            # transactions (capture, void, refund).
            payment_id = parent.payment_id if parent else _stripe_id("pi", number)
            authorization = parent.authorization if parent else _stripe_id("ch", number)
        transaction = Transaction(
            id=number,
            kind=kind,
            gateway=self.gateway,
            status="success",
            amount=amount,
            created_at=at,
            parent_id=parent_id,
            authorization=authorization,
            payment_id=payment_id,
        )
        self.transactions.append(transaction)
        self.milestones.append(Milestone("order_transactions/create", at, number))
        return transaction

    def pay_at_checkout(self) -> None:
        """Card buyers authorize or pay at checkout; B2B buyers pay on terms later."""
        if self.order.payment_terms is not None:
            return
        at = self.order.created_at
        code = f"AUTH{self.rng.randint(100_000, 999_999)}"
        if self.rng.random() < 0.5:
            self.collected = self._transaction(
                "sale", self.order.total_price, at, authorization=code
            )
            self.milestones.append(Milestone("orders/paid", at))
        else:
            self.authorization = self._transaction(
                "authorization", self.order.total_price, at, authorization=code
            )

    def cancel(self) -> None:
        """Cancel before fulfillment: void an authorization or refund what was paid."""
        at = self.order.created_at + timedelta(minutes=self.rng.randint(10, 360))
        reason = (
            "fraud"
            if self.order.risk_level == "HIGH"
            else self.rng.choice(catalog.CANCEL_REASONS)
        )
        self.cancelled = (at, reason)
        if self.authorization is not None:
            self._transaction(
                "void", self.order.total_price, at, parent_id=self.authorization.id
            )
        elif self.collected is not None:
            whole = [(line, line.quantity) for line in self.order.lines]
            self._refund(
                at, whole, shipping=True, restock_type="cancel", note="Order cancelled"
            )
        self.milestones.append(Milestone("orders/cancelled", at))

    def fulfill_and_collect(self) -> None:
        """Ship in one or two parts; capture an authorization just before shipping."""
        order = self.order
        if self.rng.random() < 0.15:
            self._collect_later(
                order.created_at + timedelta(hours=self.rng.randint(1, 30))
            )
            return
        first_at = order.created_at + timedelta(hours=self.rng.randint(2, 72))
        self._collect_later(first_at - timedelta(minutes=1))
        units = [(line.id, line.quantity) for line in order.lines]
        if len(units) > 1 and self.rng.random() < 0.3:
            self._fulfill(first_at, units[:1])
            self.milestones.append(Milestone("orders/partially_fulfilled", first_at))
            second_at = first_at + timedelta(days=self.rng.randint(1, 3))
            self._fulfill(second_at, units[1:])
            self.milestones.append(Milestone("orders/fulfilled", second_at))
        else:
            self._fulfill(first_at, units)
            self.milestones.append(Milestone("orders/fulfilled", first_at))

    def _collect_later(self, at: datetime) -> None:
        total = self.order.total_price
        if self.authorization is not None and self.collected is None:
            self.collected = self._transaction(
                "capture", total, at, parent_id=self.authorization.id
            )
            self.milestones.append(Milestone("orders/paid", at))
        elif self.order.payment_terms is not None and self.rng.random() < 0.7:
            due = timedelta(
                days=self.rng.randint(3, self.order.payment_terms.due_in_days or 30)
            )
            self.collected = self._transaction(
                "sale", total, self.order.created_at + due
            )
            self.milestones.append(Milestone("orders/paid", self.collected.created_at))

    def _fulfill(self, at: datetime, units: list[tuple[int, int]]) -> None:
        carrier = self.rng.choice(catalog.CARRIERS)
        tracking = f"1Z{self.rng.randint(10**9, 10**10 - 1)}"
        self.fulfillments.append(
            Fulfillment(
                self.next_id(), "success", at, carrier, (tracking,), tuple(units)
            )
        )

    def refund_part(self) -> None:
        """A return after delivery: some units of one line, sometimes the shipping."""
        last = max(f.created_at for f in self.fulfillments)
        at = max(last, self.collected.created_at if self.collected else last)
        at += timedelta(days=self.rng.randint(2, 20))
        line = self.rng.choice(self.order.lines)
        quantity = self.rng.randint(1, line.quantity)
        restock = "return" if self.rng.random() < 0.8 else "no_restock"
        shipping = self.rng.random() < 0.3
        self._refund(
            at, [(line, quantity)], shipping=shipping, restock_type=restock, note=None
        )

    def _refund(
        self,
        at: datetime,
        units: list[tuple[Line, int]],
        *,
        shipping: bool,
        restock_type: str,
        note: str | None,
    ) -> None:
        order = self.order
        lines = tuple(
            _refund_line(order, line, qty, restock_type, self.next_id())
            for line, qty in units
        )
        refunded_shipping = tuple(
            RefundShipping(self.next_id(), s.id, s.price, s.total_tax)
            for s in (order.shipping_lines if shipping else ())
        )
        money = Amount.total(r.subtotal for r in lines) + Amount.total(
            s.subtotal for s in refunded_shipping
        )
        if not order.taxes_included:
            money += Amount.total(r.total_tax for r in lines)
            money += Amount.total(s.tax for s in refunded_shipping)
        parent = self.collected.id if self.collected else None
        transaction = self._transaction("refund", money, at, parent_id=parent)
        refund = Refund(
            id=self.next_id(),
            created_at=at,
            note=note,
            lines=lines,
            shipping=refunded_shipping,
            transactions=(transaction,),
            restock=restock_type != "no_restock",
        )
        self.refunds.append(refund)
        self.milestones.append(Milestone("refunds/create", at))

    def result(self) -> SandboxOrder:
        final = replace(
            self.order,
            transactions=tuple(self.transactions),
            fulfillments=tuple(self.fulfillments),
            refunds=tuple(self.refunds),
            cancelled_at=self.cancelled[0] if self.cancelled else None,
            cancel_reason=self.cancelled[1] if self.cancelled else None,
            milestones=tuple(sorted(self.milestones, key=lambda m: m.at)),
        )
        return replace(final, updated_at=final.milestones[-1].at)


def _stripe_id(prefix: str, number: int) -> str:
    """A Stripe-shaped id (`pi_...`, `ch_...`) derived from a sandbox id, so that
    the same seed gives the same ids without drawing from the generator."""
    digest = hashlib.blake2b(f"{prefix}{number}".encode(), digest_size=12).hexdigest()
    return f"{prefix}_3{digest}"


def _scaled(amount: Amount, part: int, whole: int, order: SandboxOrder) -> Amount:
    if part == whole:
        return amount
    shop = round_to(amount.shop * part / whole, order.currency)
    presentment = round_to(
        amount.presentment * part / whole, order.presentment_currency
    )
    return Amount(shop, presentment)


def _refund_line(
    order: SandboxOrder,
    line: Line,
    quantity: int,
    restock_type: str,
    refund_line_id: int,
) -> RefundLine:
    tax = Amount.total(
        _scaled(t.amount, quantity, line.quantity, order) for t in line.tax_lines
    )
    return RefundLine(
        id=refund_line_id,
        line_id=line.id,
        quantity=quantity,
        restock_type=restock_type,
        subtotal=_scaled(line.discounted, quantity, line.quantity, order),
        total_tax=tax,
    )


# -- versions ------------------------------------------------------------------


def as_of(order: SandboxOrder, at: datetime) -> SandboxOrder:
    """Return the order as it was at `at`: later transactions, fulfillments, refunds and
    a later cancellation removed, `updated_at` set to the last change up to `at`.

    Raises ValueError when `at` is before the order was created.
    """
    if at < order.created_at:
        raise ValueError(f"order {order.name} did not exist at {at.isoformat()}")
    cancelled = order.cancelled_at is not None and order.cancelled_at <= at
    changes = [m.at for m in order.milestones if m.at <= at] or [order.created_at]
    return replace(
        order,
        updated_at=max(changes),
        transactions=tuple(t for t in order.transactions if t.created_at <= at),
        fulfillments=tuple(f for f in order.fulfillments if f.created_at <= at),
        refunds=tuple(r for r in order.refunds if r.created_at <= at),
        cancelled_at=order.cancelled_at if cancelled else None,
        cancel_reason=order.cancel_reason if cancelled else None,
    )


def versions(order: SandboxOrder) -> list[tuple[Milestone, SandboxOrder]]:
    """Return every milestone of the order with the order as it was right after it."""
    return [(milestone, as_of(order, milestone.at)) for milestone in order.milestones]


# -- statuses as Shopify reports them --------------------------------------------


def financial_status(order: SandboxOrder) -> str:
    """Return the REST `financial_status` (pending, authorized, paid, ..., voided)."""
    ok = [t for t in order.transactions if t.status == "success"]
    collected = sum(
        (t.amount.presentment for t in ok if t.kind in ("sale", "capture")), ZERO
    )
    refunded = sum((t.amount.presentment for t in ok if t.kind == "refund"), ZERO)
    if collected == 0:
        if order.cancelled_at is not None or any(t.kind == "void" for t in ok):
            return "voided"
        return "authorized" if any(t.kind == "authorization" for t in ok) else "pending"
    if refunded >= collected:
        return "refunded"
    if refunded > 0:
        return "partially_refunded"
    return "paid" if collected >= order.total_price.presentment else "partially_paid"


def fulfillment_status(order: SandboxOrder) -> str | None:
    """Return the REST `fulfillment_status`: None, "partial" or "fulfilled"."""
    shipped = sum(qty for f in order.fulfillments for _, qty in f.lines)
    if shipped == 0:
        return None
    ordered = sum(line.quantity for line in order.lines)
    return "fulfilled" if shipped >= ordered else "partial"


def fulfilled_quantity(order: SandboxOrder, line_id: int) -> int:
    """Return how many units of the line have shipped."""
    return sum(
        qty for f in order.fulfillments for lid, qty in f.lines if lid == line_id
    )


def refunded_quantity(order: SandboxOrder, line_id: int) -> int:
    """Return how many units of the line have been refunded."""
    return sum(
        r.quantity for ref in order.refunds for r in ref.lines if r.line_id == line_id
    )


def current_total(order: SandboxOrder) -> Amount:
    """Return the total less everything refunded so far (Shopify's current total)."""
    return order.total_price - order.total_refunded
