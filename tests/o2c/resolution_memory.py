"""An in-memory Resolver for the domain tests: mapping tables as plain dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from o2c.errors import MappingError
from o2c.orders import Order, OrderLine, ShippingLine
from o2c.resolution import TaxQuery
from o2c.taxes import TaxDefinition


def tax_for_rate(
    rate: Decimal, *, included: bool, tax_id: int | None = None
) -> TaxDefinition:
    """The ERP tax for a storefront rate (a fraction): `20% incl` or `20% excl`."""
    percent = (rate * 100).normalize()
    label = "incl" if included else "excl"
    return TaxDefinition(
        id=tax_id if tax_id is not None else int(rate * 100000) * 2 + int(included),
        name=f"{percent:f}% {label}",
        amount=percent,
        price_include=included,
    )


@dataclass
class MemoryResolver:
    """Maps SKUs, tax rates and order parts from dicts; raises MappingError on a miss.

    `taxes` maps (rate, price_include) to ERP taxes; when `auto_taxes` is set, any
    rate without an entry maps to one percent tax of that rate.
    """

    products: dict[str, str] = field(default_factory=dict)
    taxes: dict[tuple[Decimal, bool], tuple[TaxDefinition, ...]] = field(
        default_factory=dict
    )
    auto_taxes: bool = True
    shipping: dict[str, str] = field(default_factory=dict)
    default_shipping: str | None = "product:shipping"
    partners: dict[str, str] = field(default_factory=dict)
    default_partner: str | None = "partner:web-customer"
    duty: str | None = "product:duty"
    gift_card: str | None = "product:gift-card"
    tip: str | None = "product:tip"
    discount: str | None = "product:discount"
    rounding: str | None = "account:rounding"
    refund_adjustment: str | None = "account:refund-adjustment"
    asked: list[str] = field(default_factory=list)

    def product_for_line(self, line: OrderLine) -> str:
        self.asked.append(f"product:{line.sku}")
        if line.sku is None or line.sku not in self.products:
            raise MappingError("product", line.sku or f"line {line.external_id}")
        return self.products[line.sku]

    def taxes_for(self, query: TaxQuery) -> tuple[TaxDefinition, ...]:
        key = (query.rate, query.price_include)
        if key in self.taxes:
            return self.taxes[key]
        if not self.auto_taxes:
            raise MappingError("tax", query.key)
        return (tax_for_rate(query.rate, included=query.price_include),)

    def shipping_product(self, line: ShippingLine) -> str:
        found = self.shipping.get(line.code or line.title, self.default_shipping)
        return _required("shipping", line.title, found)

    def duty_product(self) -> str:
        return _required("duty", "duties", self.duty)

    def gift_card_product(self) -> str:
        return _required("gift_card", "gift cards", self.gift_card)

    def tip_product(self) -> str:
        return _required("tip", "tips", self.tip)

    def discount_product(self) -> str:
        return _required("discount", "discounts", self.discount)

    def rounding_account(self) -> str:
        return _required("account", "rounding", self.rounding)

    def refund_adjustment_account(self) -> str:
        return _required("account", "refund adjustments", self.refund_adjustment)

    def partner_for(self, order: Order) -> str:
        email = order.customer.email if order.customer else None
        found = self.partners.get(email or "", self.default_partner)
        return _required("partner", email or order.number, found)


def _required(kind: str, key: str, value: str | None) -> str:
    if value is None:
        raise MappingError(kind, key)
    return value
