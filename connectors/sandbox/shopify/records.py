"""Sandbox order records: one Shopify order at one version, with its own arithmetic.

These are the sandbox's internal records, not the hub's canonical `o2c.orders.Order`:
they hold exactly what the renderers need to write Shopify's REST and GraphQL shapes.
Every amount is an `Amount` (shop and presentment side, both exact Decimals already
rounded to their currency's minor unit); every total is derived from the parts, so
the totals add up in both currencies by construction.

Assumption (real Shopify unknown): a shop-money amount is the presentment amount
converted at the order's exchange rate and rounded on its own, and shop-money totals
are the sums of the shop-money parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Amount:
    """One amount in the shop's currency and in the buyer's (presentment) currency."""

    shop: Decimal
    presentment: Decimal

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.shop + other.shop, self.presentment + other.presentment)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.shop - other.shop, self.presentment - other.presentment)

    @staticmethod
    def total(items: Iterable[Amount]) -> Amount:
        """Return the sum of the amounts; zero for none."""
        result = Amount(ZERO, ZERO)
        for item in items:
            result = result + item
        return result


@dataclass(frozen=True, slots=True)
class TaxLine:
    title: str
    rate: Decimal  # a fraction: 0.2 for 20 %
    amount: Amount
    channel_liable: bool = False


@dataclass(frozen=True, slots=True)
class DiscountApplication:
    """A discount as the merchant defined it; allocations point at it by index."""

    kind: str  # discount_code | manual | automatic
    title: str
    code: str | None
    value: Decimal  # a percentage (10.0) or an amount in presentment currency
    value_type: str  # percentage | fixed_amount
    allocation_method: str  # across | each
    target_selection: str  # all | entitled | explicit
    target_type: str = "line_item"


@dataclass(frozen=True, slots=True)
class DiscountAllocation:
    application_index: int
    amount: Amount


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    sku: str
    title: str
    variant_title: str | None
    product_id: int
    variant_id: int
    quantity: int
    price: Amount  # unit price before discounts
    grams: int = 0
    taxable: bool = True
    requires_shipping: bool = True
    vendor: str = "Sandbox Supply Co."
    reduced_rate: bool = False  # books and food: the regime's reduced tax rate
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()

    @property
    def name(self) -> str:
        return (
            f"{self.title} - {self.variant_title}" if self.variant_title else self.title
        )

    @property
    def gross(self) -> Amount:
        """Unit price times quantity, before discounts."""
        return Amount(
            self.price.shop * self.quantity, self.price.presentment * self.quantity
        )

    @property
    def total_discount(self) -> Amount:
        return Amount.total(a.amount for a in self.discount_allocations)

    @property
    def discounted(self) -> Amount:
        """What the line costs after its discount allocations."""
        return self.gross - self.total_discount

    @property
    def total_tax(self) -> Amount:
        return Amount.total(t.amount for t in self.tax_lines)


@dataclass(frozen=True, slots=True)
class ShippingLine:
    id: int
    title: str
    code: str
    price: Amount
    source: str = "shopify"
    tax_lines: tuple[TaxLine, ...] = ()

    @property
    def total_tax(self) -> Amount:
        return Amount.total(t.amount for t in self.tax_lines)


@dataclass(frozen=True, slots=True)
class Transaction:
    """Money through a gateway (Shopify reports `amount` in presentment currency)."""

    id: int
    kind: str  # authorization | capture | sale | void | refund
    gateway: str
    status: str
    amount: Amount
    created_at: datetime
    parent_id: int | None = None
    authorization: str | None = None
    payment_id: str | None = None  # the processor's intent id, or Shopify's own


@dataclass(frozen=True, slots=True)
class RefundLine:
    id: int
    line_id: int
    quantity: int
    restock_type: str  # no_restock | cancel | return
    subtotal: (
        Amount  # after discounts; includes tax when the order's taxes are included
    )
    total_tax: Amount


@dataclass(frozen=True, slots=True)
class RefundShipping:
    id: int
    shipping_line_id: int
    subtotal: Amount
    tax: Amount


@dataclass(frozen=True, slots=True)
class Refund:
    id: int
    created_at: datetime
    note: str | None
    lines: tuple[RefundLine, ...]
    shipping: tuple[RefundShipping, ...]
    transactions: tuple[Transaction, ...]
    restock: bool = False

    @property
    def total(self) -> Amount:
        """What the buyer gets back, as the refund transactions say."""
        return Amount.total(t.amount for t in self.transactions)


@dataclass(frozen=True, slots=True)
class Fulfillment:
    id: int
    status: str
    created_at: datetime
    tracking_company: str
    tracking_numbers: tuple[str, ...]
    lines: tuple[tuple[int, int], ...]  # (line id, quantity)


@dataclass(frozen=True, slots=True)
class Address:
    first_name: str
    last_name: str
    address1: str
    city: str
    zip: str
    country: str
    country_code: str
    province: str | None = None
    province_code: str | None = None
    company: str | None = None
    phone: str | None = None
    address2: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Company:
    """A B2B buyer. `contact_id` is the company contact who placed the order."""

    id: int
    name: str
    location_id: int
    location_name: str
    contact_id: int
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    id: int
    name: str  # "Net 30"
    kind: str  # NET | FIXED | RECEIPT | FULFILLMENT
    due_in_days: int | None
    issued_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Milestone:
    """A moment in the order's life that changed it (and produced webhooks)."""

    # orders/create, orders/paid, refunds/create, order_transactions/create ...
    topic: str
    at: datetime
    # The transaction an `order_transactions/create` milestone announces.
    transaction_id: int | None = None


@dataclass(frozen=True, slots=True)
class SandboxOrder:
    """One order at one version; derived totals follow Shopify's REST field meanings."""

    id: int
    shop_domain: str
    number: int
    created_at: datetime
    updated_at: datetime
    currency: str
    presentment_currency: str
    exchange_rate: Decimal  # presentment units per shop unit
    taxes_included: bool
    email: str
    customer: Customer | None
    company: Company | None
    billing_address: Address | None
    shipping_address: Address | None
    lines: tuple[Line, ...]
    shipping_lines: tuple[ShippingLine, ...]
    discount_applications: tuple[DiscountApplication, ...]
    discount_codes: tuple[str, ...]
    transactions: tuple[Transaction, ...]
    refunds: tuple[Refund, ...]
    fulfillments: tuple[Fulfillment, ...]
    payment_terms: PaymentTerms | None
    risk_level: str  # LOW | MEDIUM | HIGH
    cancelled_at: datetime | None
    cancel_reason: str | None
    source_name: str
    tags: tuple[str, ...]
    utc_offset_minutes: int  # the shop's time zone, used by the REST renderer
    milestones: tuple[Milestone, ...] = field(default=())
    test: bool = False

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.id}"

    @property
    def name(self) -> str:
        return f"#{self.number}"

    # -- totals as Shopify names them -----------------------------------------

    @property
    def total_line_items_price(self) -> Amount:
        return Amount.total(line.gross for line in self.lines)

    @property
    def total_discounts(self) -> Amount:
        return Amount.total(line.total_discount for line in self.lines)

    @property
    def subtotal_price(self) -> Amount:
        """Lines after discounts, before shipping (taxes inside when included)."""
        return self.total_line_items_price - self.total_discounts

    @property
    def total_shipping(self) -> Amount:
        return Amount.total(s.price for s in self.shipping_lines)

    @property
    def total_tax(self) -> Amount:
        lines = Amount.total(line.total_tax for line in self.lines)
        return lines + Amount.total(s.total_tax for s in self.shipping_lines)

    @property
    def total_price(self) -> Amount:
        total = self.subtotal_price + self.total_shipping
        return total if self.taxes_included else total + self.total_tax

    @property
    def total_refunded(self) -> Amount:
        return Amount.total(r.total for r in self.refunds)

    def tax_lines(self) -> tuple[TaxLine, ...]:
        """The order's tax lines: every line's and shipping line's taxes summed by title
        and rate, in first-seen order."""
        sums: dict[tuple[str, Decimal], Amount] = {}
        every = [t for line in self.lines for t in line.tax_lines]
        every += [t for s in self.shipping_lines for t in s.tax_lines]
        for tax in every:
            key = (tax.title, tax.rate)
            sums[key] = sums.get(key, Amount(ZERO, ZERO)) + tax.amount
        return tuple(
            TaxLine(title, rate, amount) for (title, rate), amount in sums.items()
        )
