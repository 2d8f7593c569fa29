"""The canonical order: what the customer bought, as the storefront reports it.

Every storefront connector parses its own wire shapes into these records. They are
immutable; a newer version of an order is a new `Order` with a later `version`.
Monetary fields are `MoneyBag`s (shop currency and presentment currency side by side)
wherever the storefront reports both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from o2c.money import Money, MoneyBag


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Record):
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Company(_Record):
    """A B2B buyer: the company and the location that placed the order.

    Shopify's order bodies name only the company and location ids; `name` and
    `vat_id` stay None until someone looks the company up.
    """

    external_id: str | None = None
    name: str | None = None
    location_id: str | None = None
    location_name: str | None = None
    vat_id: str | None = None


class Customer(_Record):
    """The person who bought; `company` is set for B2B orders."""

    external_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: Company | None = None


class TaxLine(_Record):
    """One tax charged on a line, shipping line or duty. `rate` is a fraction (0.2)."""

    title: str
    rate: Decimal
    amount: MoneyBag
    channel_liable: bool = False


class DiscountAllocation(_Record):
    """The part of a discount application that falls on one line.

    `application_index` points into `Order.discount_applications`.
    """

    amount: MoneyBag
    application_index: int | None = None


class DiscountApplication(_Record):
    """A discount as the merchant defined it: a code, a manual or automatic one."""

    kind: str  # discount_code | manual | automatic | script
    title: str | None = None
    code: str | None = None
    value: Decimal
    value_type: str  # percentage | fixed_amount
    allocation_method: str  # across | each | one
    target_selection: str  # all | entitled | explicit
    target_type: str  # line_item | shipping_line


class OrderLine(_Record):
    """One line item. `unit_price` is before discounts; see `Order.taxes_included`."""

    external_id: str
    sku: str | None = None
    title: str
    variant_title: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    quantity: int
    unit_price: MoneyBag
    taxable: bool = True
    requires_shipping: bool = True
    gift_card: bool = False
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()


class ShippingLine(_Record):
    external_id: str | None = None
    title: str
    code: str | None = None
    price: MoneyBag
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()


class Duty(_Record):
    """An import duty charged on one line item."""

    external_id: str | None = None
    line_external_id: str | None = None
    amount: MoneyBag
    tax_lines: tuple[TaxLine, ...] = ()


class TransactionKind(StrEnum):
    AUTHORIZATION = "authorization"
    CAPTURE = "capture"
    SALE = "sale"
    VOID = "void"
    REFUND = "refund"
    CHANGE = "change"
    EMV_AUTHORIZATION = "emv_authorization"
    SUGGESTED_REFUND = "suggested_refund"


class Transaction(_Record):
    """Money moved through a gateway for this order (`amount`: presentment)."""

    external_id: str
    gateway: str
    kind: TransactionKind
    status: str  # success | pending | failure | error
    amount: Money
    created_at: datetime | None = None
    parent_id: str | None = None
    authorization: str | None = None
    payment_reference: str | None = None


class RefundLine(_Record):
    line_external_id: str
    quantity: int
    subtotal: MoneyBag
    total_tax: MoneyBag
    restock_type: str | None = None


class OrderAdjustment(_Record):
    """An order-level refund amount that is not a line (shipping, a discrepancy)."""

    kind: str  # shipping_refund | refund_discrepancy
    amount: MoneyBag
    tax_amount: MoneyBag
    reason: str | None = None


class Refund(_Record):
    external_id: str
    created_at: datetime
    note: str | None = None
    lines: tuple[RefundLine, ...] = ()
    shipping: MoneyBag | None = None
    adjustments: tuple[OrderAdjustment, ...] = ()
    transactions: tuple[Transaction, ...] = ()


class FulfillmentLine(_Record):
    line_external_id: str
    quantity: int


class Fulfillment(_Record):
    external_id: str
    status: str  # pending | open | success | cancelled | error | failure
    created_at: datetime | None = None
    tracking_numbers: tuple[str, ...] = ()
    lines: tuple[FulfillmentLine, ...] = ()


class PaymentTerms(_Record):
    """B2B terms: net N days, due on a fixed date, or on fulfillment/receipt."""

    name: str
    kind: str  # NET | FIXED | RECEIPT | FULFILLMENT
    due_in_days: int | None = None
    due_at: datetime | None = None


class Cancellation(_Record):
    cancelled_at: datetime
    reason: str | None = None


class Totals(_Record):
    """The storefront's own totals, kept to check our arithmetic against."""

    subtotal: (
        MoneyBag  # lines after line discounts, before shipping and order tax rules
    )
    discounts: MoneyBag
    shipping: MoneyBag
    tax: MoneyBag
    duties: MoneyBag | None = None
    tip: MoneyBag | None = None
    total: MoneyBag  # what the customer was charged in the order


class Order(_Record):
    """An order as one storefront reports it at one version."""

    source: str  # the configured shop name
    external_id: str  # the storefront's global id (Shopify GID)
    number: str  # the merchant-facing name, e.g. "#1001"
    version: datetime  # the storefront's updated_at, timezone-aware
    created_at: datetime
    currency: str  # the shop's currency
    presentment_currency: str  # the buyer's currency
    taxes_included: bool
    customer: Customer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = ()
    shipping_lines: tuple[ShippingLine, ...] = ()
    discount_applications: tuple[DiscountApplication, ...] = ()
    duties: tuple[Duty, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    refunds: tuple[Refund, ...] = ()
    fulfillments: tuple[Fulfillment, ...] = ()
    payment_terms: PaymentTerms | None = None
    totals: Totals
    financial_status: str | None = None
    fulfillment_status: str | None = None
    risk_level: str | None = None  # LOW | MEDIUM | HIGH, when known
    cancellation: Cancellation | None = None
    source_name: str | None = None  # the sales channel (web, pos, ...)
    tags: tuple[str, ...] = Field(default=())

    @property
    def total(self) -> MoneyBag:
        return self.totals.total

    @property
    def is_cancelled(self) -> bool:
        return self.cancellation is not None

    def is_newer_than(self, other: Order) -> bool:
        """True when this version should replace `other` (same order, later update)."""
        return self.version > other.version


_FINAL_STATUSES = frozenset({"success", "failure", "error"})


def with_transactions(order: Order, known: Iterable[Transaction]) -> Order:
    """Return `order` with the transactions known from elsewhere added to its own.

    Shopify's order webhooks carry no transactions; they arrive one by one
    (`order_transactions/create`) or with the order read over GraphQL. Joining the
    two makes an order version the same whichever way it came. A transaction the
    order already has keeps the order's copy, unless that copy is still pending
    and the known one has a final status. Added transactions follow the order's
    own, by time and then by id. Returns `order` itself when nothing changes.
    """
    own = {t.external_id: t for t in order.transactions}
    added: list[Transaction] = []
    replaced: dict[str, Transaction] = {}
    for transaction in known:
        mine = own.get(transaction.external_id)
        if mine is None:
            if all(t.external_id != transaction.external_id for t in added):
                added.append(transaction)
        elif mine.status not in _FINAL_STATUSES and (
            transaction.status in _FINAL_STATUSES
        ):
            replaced[mine.external_id] = transaction
    if not added and not replaced:
        return order
    added.sort(key=_transaction_order)
    merged = tuple(replaced.get(t.external_id, t) for t in order.transactions)
    return order.model_copy(update={"transactions": merged + tuple(added)})


def _transaction_order(transaction: Transaction) -> tuple[datetime, int, str]:
    """Time, then the number at the end of the GID, then the GID itself."""
    tail = transaction.external_id.rsplit("/", 1)[-1]
    return (
        transaction.created_at or datetime.min.replace(tzinfo=UTC),
        int(tail) if tail.isdigit() else 0,
        transaction.external_id,
    )
