"""What the invoice builder needs from the mappings, as a protocol.

The builder never talks to the ERP. It asks a `Resolver` for the ERP records that
correspond to parts of an order: the product of a line, the taxes of a storefront
tax line, the products used for shipping, duties, tips, gift cards and discounts, the
account for rounding adjustments and refund discrepancies, and the customer's
partner. The `mapping/` package implements it against the configured tables and the
ERP; tests use an in-memory one.

References are opaque strings to the domain (an Odoo id as text, an external id):
only the connector that writes the invoice interprets them. Every method raises
`o2c.errors.MappingError(kind, key)` when the mapping has no entry, so the record
is parked until an administrator adds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from o2c.orders import Order, OrderLine, ShippingLine
from o2c.taxes import TaxDefinition

TaxSubject = Literal["line", "shipping", "duty"]


@dataclass(frozen=True, slots=True)
class TaxQuery:
    """One storefront tax line to translate into ERP taxes.

    `rate` is a fraction (0.2 for 20%), as the storefront reports it; `country_code`
    is where the goods go (shipping address, else billing address); `price_include`
    says whether the order's prices include tax; `subject` what the tax is charged on.
    """

    title: str
    rate: Decimal
    country_code: str | None
    price_include: bool
    subject: TaxSubject = "line"

    @property
    def key(self) -> str:
        """A readable key for error messages and mapping tables."""
        included = "incl" if self.price_include else "excl"
        country = self.country_code or "*"
        return f"{self.title}|{self.rate}|{country}|{included}|{self.subject}"


class Resolver(Protocol):
    """The ERP records an order maps to; each method raises MappingError if unmapped."""

    def product_for_line(self, line: OrderLine) -> str:
        """Return the product reference for an order line (usually by SKU)."""
        ...

    def taxes_for(self, query: TaxQuery) -> tuple[TaxDefinition, ...]:
        """Return the ERP taxes that a storefront tax line stands for.

        An empty tuple means the storefront tax needs no ERP tax (a zero rate that
        the ERP does not record); it is a mapping decision, not a missing entry.
        A missing entry raises `MappingError("tax", query.key)`.
        """
        ...

    def shipping_product(self, line: ShippingLine) -> str:
        """Return the product reference for a shipping line (by title or code)."""
        ...

    def duty_product(self) -> str:
        """Return the product reference for import duties."""
        ...

    def gift_card_product(self) -> str:
        """Return the product for gift card sales (a liability, not revenue)."""
        ...

    def tip_product(self) -> str:
        """Return the product for tips taken as revenue."""
        ...

    def discount_product(self) -> str:
        """Return the product for discount lines."""
        ...

    def rounding_account(self) -> str:
        """Return the account reference for rounding adjustment lines."""
        ...

    def refund_adjustment_account(self) -> str:
        """Return the account for refund amounts that are not lines or shipping."""
        ...

    def partner_for(self, order: Order) -> str:
        """Return the partner reference for the order's customer (or B2B company)."""
        ...


def destination_country(order: Order) -> str | None:
    """Return the country the taxes are due for: shipping address, else billing."""
    for address in (order.shipping_address, order.billing_address):
        if address is not None and address.country_code:
            return address.country_code.upper()
    return None
