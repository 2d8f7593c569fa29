"""Canonical money in: payments, refunds, disputes, payouts, balance lines, fees.

These records are what a payment processor's connector (Stripe first) produces. They
hold `Money`, never floats; the connector converts the processor's integer minor units.

A payout is the processor moving its balance to the bank. When the processor can say
which balance transactions a payout carried (Stripe: automatic payouts whose
reconciliation is completed), the payout holds them and their nets sum to its amount;
otherwise it holds only its amount and `breakdown_note` says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from o2c.money import Money
from o2c.orders import Order, Transaction


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fee(_Record):
    """What the processor kept (positive) or gave back (negative) on one balance line.

    `kind` is the grouping key of the fee postings: the processor's fee type
    (`stripe_fee`, `application_fee`, `tax`, ...) or `dispute_fee` for a dispute's fee.
    """

    kind: str
    amount: Money
    description: str | None = None


class BalanceCategory(StrEnum):
    """What a balance line means to the books."""

    RECEIPT = "receipt"  # a charge or payment: gross money in
    REFUND = "refund"  # money given back (and refund failures coming back)
    DISPUTE = "dispute"  # funds withdrawn for a dispute, or reinstated after it
    FEE = "fee"  # a fee billed on its own line (Radar, billing, tax on fees)
    PAYOUT = "payout"  # the payout itself, its cancellation or failure
    OTHER = "other"  # anything the rules do not know; posted to suspense


_CATEGORY_BY_REPORTING = {
    "charge": BalanceCategory.RECEIPT,
    "refund": BalanceCategory.REFUND,
    "refund_failure": BalanceCategory.REFUND,
    "partial_capture_reversal": BalanceCategory.REFUND,
    "dispute": BalanceCategory.DISPUTE,
    "dispute_reversal": BalanceCategory.DISPUTE,
    "fee": BalanceCategory.FEE,
    "payout": BalanceCategory.PAYOUT,
    "payout_reversal": BalanceCategory.PAYOUT,
}
_CATEGORY_BY_TYPE = {
    "charge": BalanceCategory.RECEIPT,
    "payment": BalanceCategory.RECEIPT,
    "refund": BalanceCategory.REFUND,
    "payment_refund": BalanceCategory.REFUND,
    "refund_failure": BalanceCategory.REFUND,
    "payment_failure_refund": BalanceCategory.REFUND,
    "stripe_fee": BalanceCategory.FEE,
    "tax": BalanceCategory.FEE,
    "payout": BalanceCategory.PAYOUT,
    "payout_cancel": BalanceCategory.PAYOUT,
    "payout_failure": BalanceCategory.PAYOUT,
}


class BalanceTransaction(_Record):
    """One movement of the processor balance: gross `amount` - `fee` = `net`."""

    external_id: str
    type: str  # the processor's type: charge, refund, adjustment, payout, ...
    reporting_category: str | None = None  # charge, refund, dispute, fee, payout, ...
    amount: Money
    fee: Money
    net: Money
    fees: tuple[Fee, ...] = ()
    source_id: str | None = None  # ch_..., re_..., dp_..., po_...
    payment_id: str | None = None  # the charge the line goes back to, when known
    created: datetime
    available_on: datetime | None = None
    status: str | None = None  # available | pending
    description: str | None = None

    @model_validator(mode="after")
    def _nets(self) -> BalanceTransaction:
        if self.amount - self.fee != self.net:
            raise ValueError(
                f"balance transaction {self.external_id}: amount {self.amount} - "
                f"fee {self.fee} is not net {self.net}"
            )
        if self.fees and Money.total(
            (f.amount for f in self.fees), self.fee.currency
        ) != (self.fee):
            raise ValueError(
                f"balance transaction {self.external_id}: fee details do not sum "
                f"to the fee {self.fee}"
            )
        return self

    @property
    def category(self) -> BalanceCategory:
        """The line's meaning: by reporting category, else by type and source."""
        if self.reporting_category in _CATEGORY_BY_REPORTING:
            return _CATEGORY_BY_REPORTING[self.reporting_category]
        if self.type == "adjustment" and (self.source_id or "").startswith("dp_"):
            return BalanceCategory.DISPUTE
        return _CATEGORY_BY_TYPE.get(self.type, BalanceCategory.OTHER)


class LinkKind(StrEnum):
    ORDER = "order"  # a storefront order (number like "#1001", or its global id)
    INVOICE = "invoice"  # an ERP invoice number


class LinkSource(StrEnum):
    METADATA = "metadata"
    DESCRIPTION = "description"
    STOREFRONT_TRANSACTION = "storefront_transaction"


class PaymentLink(_Record):
    """A clue that a payment is for one order or invoice, and where it came from."""

    kind: LinkKind
    value: str
    via: LinkSource


class Payment(_Record):
    """Money received through one processor charge (`amount` is the captured gross)."""

    source: str = "stripe"
    external_id: str  # ch_...
    payment_intent_id: str | None = None  # pi_...
    amount: Money
    amount_refunded: Money
    status: str  # succeeded | pending | failed
    created: datetime
    description: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = {}
    balance_transaction_id: str | None = None
    disputed: bool = False
    links: tuple[PaymentLink, ...] = ()

    @property
    def references(self) -> tuple[str, ...]:
        """The ids a storefront may have recorded for this payment (charge, intent)."""
        ids = (self.external_id, self.payment_intent_id)
        return tuple(i for i in ids if i)

    @property
    def kept(self) -> Money:
        """The amount received less what was refunded."""
        return self.amount - self.amount_refunded


class PaymentRefund(_Record):
    """Money given back on a payment (named apart from an order's `Refund`)."""

    external_id: str  # re_...
    payment_id: str | None = None  # ch_...
    payment_intent_id: str | None = None
    amount: Money
    status: str  # pending | requires_action | succeeded | failed | canceled
    reason: str | None = None
    created: datetime
    balance_transaction_id: str | None = None
    metadata: dict[str, str] = {}


class Dispute(_Record):
    """A chargeback on a payment, with the balance lines it moved.

    Withdrawals are the negative lines (funds taken back with the dispute fee),
    reinstatements the positive ones (funds returned when the dispute is won).
    """

    external_id: str  # dp_...
    payment_id: str | None = None
    payment_intent_id: str | None = None
    amount: Money
    reason: str | None = None
    status: str
    created: datetime
    balance_transactions: tuple[BalanceTransaction, ...] = ()

    @property
    def withdrawn(self) -> Money:
        """The funds taken from the balance, as a positive amount (fees excluded)."""
        taken = (-t.amount for t in self.balance_transactions if t.amount.amount < 0)
        return Money.total(taken, self.amount.currency)

    @property
    def reinstated(self) -> Money:
        """The funds given back to the balance (fees excluded)."""
        back = (t.amount for t in self.balance_transactions if t.amount.amount > 0)
        return Money.total(back, self.amount.currency)

    @property
    def fees(self) -> Money:
        """The net dispute fee (a refunded fee counts negative)."""
        return Money.total(
            (t.fee for t in self.balance_transactions), self.amount.currency
        )


class BreakdownStatus(StrEnum):
    COMPLETE = "complete"  # `transactions` lists what the payout carried
    PENDING = "pending"  # the processor has not finished reconciling it; ask again
    NOT_AVAILABLE = "not_available"  # a manual payout: it carries no particular lines


class Payout(_Record):
    """The processor moving its balance to the bank (`amount` positive, as sent)."""

    source: str = "stripe"
    external_id: str  # po_...
    amount: Money
    status: str  # pending | in_transit | paid | failed | canceled
    automatic: bool
    method: str | None = None  # standard | instant
    created: datetime
    arrival_date: datetime
    reconciliation_status: str | None = None  # not_applicable | in_progress | completed
    balance_transaction_id: str | None = None
    destination: str | None = None
    description: str | None = None
    failure_code: str | None = None
    breakdown: BreakdownStatus = BreakdownStatus.PENDING
    breakdown_note: str | None = None
    transactions: tuple[BalanceTransaction, ...] = ()

    @property
    def lines(self) -> tuple[BalanceTransaction, ...]:
        """The balance lines the payout carried, without the payout's own line.

        The returned funds of an earlier payout that failed (its `payout_failure`
        line) are carried like any other money in the balance, so they stay.
        """
        return tuple(t for t in self.transactions if not self._is_own_line(t))

    def _is_own_line(self, line: BalanceTransaction) -> bool:
        if line.category != BalanceCategory.PAYOUT:
            return False
        if line.external_id == self.balance_transaction_id:
            return True
        return line.source_id in (None, self.external_id)

    @property
    def lines_net(self) -> Money:
        """The sum of the carried lines' nets; equals `amount` when complete."""
        return Money.total((t.net for t in self.lines), self.amount.currency)


def payout_problems(payout: Payout) -> list[str]:
    """Every reason the payout's breakdown does not add up; empty when it does."""
    if payout.breakdown != BreakdownStatus.COMPLETE:
        return []
    problems: list[str] = []
    currency = payout.amount.currency
    foreign = sorted({t.net.currency for t in payout.transactions} - {currency})
    if foreign:
        return [f"payout {payout.external_id} in {currency} holds lines in {foreign}"]
    seen: set[str] = set()
    for line in payout.transactions:
        if line.external_id in seen:
            problems.append(f"balance transaction {line.external_id} listed twice")
        seen.add(line.external_id)
    if payout.lines_net != payout.amount:
        problems.append(
            f"payout {payout.external_id}: lines net to {payout.lines_net}, "
            f"the payout is {payout.amount}"
        )
    return problems


def fees_by_kind(lines: Iterable[BalanceTransaction]) -> dict[str, Money]:
    """Sum the fees of the lines per fee kind, in order of first appearance.

    A line of category FEE (a fee billed on its own line) counts its net, negated,
    under its type. Raises CurrencyMismatchError when lines mix currencies.
    """
    totals: dict[str, Money] = {}
    for line in lines:
        if line.category == BalanceCategory.FEE:
            parts = [(line.type, -line.net)]
        else:
            parts = [(fee.kind, fee.amount) for fee in line.fees]
        for kind, amount in parts:
            totals[kind] = totals[kind] + amount if kind in totals else amount
    return totals


# -- links between payments and orders or invoices -----------------------------

_ORDER_KEYS = ("order_id", "order_number", "order_name", "order", "shopify_order_id")
_INVOICE_KEYS = ("invoice_number", "invoice_name", "invoice_ref", "erp_invoice")
_ORDER_IN_TEXT = re.compile(r"(?i)\border\s*(?:no\.?|number)?\s*(#?[A-Z0-9][\w-]*)")
_INVOICE_IN_TEXT = re.compile(r"(?i)\binvoice\s*(?:no\.?|number)?\s*([A-Z0-9][\w/-]*)")


def links_from_text(
    metadata: Mapping[str, str], description: str | None
) -> tuple[PaymentLink, ...]:
    """Return the order and invoice clues in a payment's metadata and description.

    Metadata keys are read first (`order_id`, `order_number`, `invoice_number`, ...);
    the description is searched for "Order #1001" and "Invoice INV/2024/0001".
    """
    links: list[PaymentLink] = []
    for keys, kind in (
        (_ORDER_KEYS, LinkKind.ORDER),
        (_INVOICE_KEYS, LinkKind.INVOICE),
    ):
        for key in keys:
            value = str(metadata.get(key) or "").strip()
            if value:
                links.append(
                    PaymentLink(kind=kind, value=value, via=LinkSource.METADATA)
                )
    text = description or ""
    for pattern, kind in (
        (_ORDER_IN_TEXT, LinkKind.ORDER),
        (_INVOICE_IN_TEXT, LinkKind.INVOICE),
    ):
        for match in pattern.finditer(text):
            link = PaymentLink(kind=kind, value=match[1], via=LinkSource.DESCRIPTION)
            if link not in links:
                links.append(link)
    return tuple(links)


class StorefrontTransaction(_Record):
    """A storefront's record of money moved for one of its orders.

    Shopify writes the processor's charge or intent id into the transaction's
    `authorization` or `payment_reference`, which is how a processor payment is
    traced back to the order it paid.
    """

    source: str  # the shop
    order_external_id: str  # the order's global id
    transaction: Transaction

    @property
    def references(self) -> tuple[str, ...]:
        """The processor ids the storefront recorded (authorization, payment id)."""
        found = (self.transaction.authorization, self.transaction.payment_reference)
        return tuple(dict.fromkeys(ref for ref in found if ref))


def links_from_transactions(
    payment: Payment, transactions: Iterable[StorefrontTransaction]
) -> tuple[PaymentLink, ...]:
    """Return one link per order whose storefront transaction names this payment.

    The links are sorted by order id, so the same transactions give the same links
    whatever order they were read in.
    """
    wanted = set(payment.references)
    orders = {t.order_external_id for t in transactions if wanted & set(t.references)}
    return tuple(
        PaymentLink(
            kind=LinkKind.ORDER, value=order, via=LinkSource.STOREFRONT_TRANSACTION
        )
        for order in sorted(orders)
    )


def links_from_orders(
    payment: Payment, orders: Iterable[Order]
) -> tuple[PaymentLink, ...]:
    """Return a link to each order whose storefront transaction names this payment.

    Shopify records the processor's charge or intent id in a transaction's
    `authorization` or `payment_reference`; a match there is the strongest clue.
    """
    return links_from_transactions(
        payment,
        (
            StorefrontTransaction(
                source=order.source,
                order_external_id=order.external_id,
                transaction=transaction,
            )
            for order in orders
            for transaction in order.transactions
        ),
    )


def with_links(payment: Payment, links: Iterable[PaymentLink]) -> Payment:
    """Return the payment with `links` added to its own, each link once.

    Links read from the payment itself keep their order; storefront links follow,
    sorted, so that a payment linked in any order of arrival is stored alike.
    """
    merged = dict.fromkeys((*payment.links, *links))
    own = [link for link in merged if link.via != LinkSource.STOREFRONT_TRANSACTION]
    storefront = sorted(
        (link for link in merged if link.via == LinkSource.STOREFRONT_TRANSACTION),
        key=lambda link: (link.kind, link.value),
    )
    combined = (*own, *storefront)
    if combined == payment.links:
        return payment
    return payment.model_copy(update={"links": combined})
