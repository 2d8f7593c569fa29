"""Build canonical orders for the domain tests, with storefront-style tax and totals.

Taxes are computed the way a storefront does: per tax line, on the line's amount
after discounts, rounded to the currency (tax-included: the share of the gross).
Presentment amounts are the shop amounts times `fx`, rounded to that currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from o2c.money import Money, MoneyBag, quantum
from o2c.orders import (
    Address,
    Cancellation,
    Customer,
    DiscountAllocation,
    Duty,
    Fulfillment,
    Order,
    OrderLine,
    Refund,
    ShippingLine,
    TaxLine,
    Totals,
    Transaction,
)

D = Decimal
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class LineSpec:
    sku: str
    quantity: int
    price: str
    discount: str = "0"
    rates: tuple[str, ...] = ("0.2",)
    gift_card: bool = False
    title: str | None = None


@dataclass(frozen=True)
class ShippingSpec:
    price: str
    discount: str = "0"
    rates: tuple[str, ...] = ("0.2",)
    title: str = "Standard"


@dataclass(frozen=True)
class _Sides:
    shop: str
    presentment: str
    fx: Decimal

    def bag(self, amount: Decimal) -> MoneyBag:
        converted = (amount * self.fx).quantize(
            quantum(self.presentment), rounding=ROUND_HALF_UP
        )
        return MoneyBag(
            shop=Money(amount=amount, currency=self.shop),
            presentment=Money(amount=converted, currency=self.presentment),
        )


def storefront_taxes(
    net: MoneyBag, rates: Sequence[str], *, included: bool
) -> tuple[TaxLine, ...]:
    """Tax lines as a storefront computes them on a net amount (both sides)."""
    total_rate = sum((D(rate) for rate in rates), D(0))
    lines = []
    for rate in rates:
        lines.append(
            TaxLine(
                title=f"VAT {(D(rate) * 100).normalize():f}%",
                rate=D(rate),
                amount=MoneyBag(
                    shop=_tax(net.shop, D(rate), total_rate, included),
                    presentment=_tax(net.presentment, D(rate), total_rate, included),
                ),
            )
        )
    return tuple(lines)


def _tax(net: Money, rate: Decimal, total_rate: Decimal, included: bool) -> Money:
    raw = net.amount * rate / (1 + total_rate) if included else net.amount * rate
    return Money(amount=raw, currency=net.currency).rounded()


def make_order(
    *,
    lines: Sequence[LineSpec],
    shipping: Sequence[ShippingSpec] = (),
    currency: str = "EUR",
    presentment: str | None = None,
    fx: str = "1",
    taxes_included: bool = False,
    duties: Sequence[str] = (),
    tip: str | None = None,
    number: str = "#1001",
    source: str = "myshop",
    refunds: Sequence[Refund] = (),
    fulfillments: Sequence[Fulfillment] = (),
    transactions: Sequence[Transaction] = (),
    cancelled: bool = False,
    risk_level: str | None = None,
    financial_status: str | None = None,
    total_offset: str = "0",
    country: str = "FR",
) -> Order:
    """Return an order whose totals add up like the storefront's own."""
    sides = _Sides(currency, presentment or currency, D(fx))
    order_lines = [
        _line(spec, index, sides, taxes_included) for index, spec in enumerate(lines)
    ]
    shipping_lines = [_shipping(spec, sides, taxes_included) for spec in shipping]
    duty_rows = [
        Duty(external_id=f"duty-{i}", amount=sides.bag(D(amount)))
        for i, amount in enumerate(duties)
    ]
    tip_bag = sides.bag(D(tip)) if tip is not None else None
    totals = _totals(
        order_lines,
        shipping_lines,
        duty_rows,
        tip_bag,
        zero=sides.bag(D(0)),
        included=taxes_included,
        offset=sides.bag(D(total_offset)),
    )
    return Order(
        source=source,
        external_id="gid://shopify/Order/820982911946154508",
        number=number,
        version=CREATED,
        created_at=CREATED,
        currency=sides.shop,
        presentment_currency=sides.presentment,
        taxes_included=taxes_included,
        customer=Customer(email="ada@example.com", first_name="Ada"),
        shipping_address=Address(country_code=country),
        lines=tuple(order_lines),
        shipping_lines=tuple(shipping_lines),
        duties=tuple(duty_rows),
        refunds=tuple(refunds),
        fulfillments=tuple(fulfillments),
        transactions=tuple(transactions),
        totals=totals,
        cancellation=Cancellation(cancelled_at=CREATED) if cancelled else None,
        risk_level=risk_level,
        financial_status=financial_status,
    )


def _line(spec: LineSpec, index: int, sides: _Sides, included: bool) -> OrderLine:
    unit = sides.bag(D(spec.price))
    discount = sides.bag(D(spec.discount))
    gross = MoneyBag(
        shop=unit.shop * spec.quantity, presentment=unit.presentment * spec.quantity
    )
    net = gross + (-discount)
    allocations = (DiscountAllocation(amount=discount),) if D(spec.discount) else ()
    return OrderLine(
        external_id=f"gid://shopify/LineItem/{1000 + index}",
        sku=spec.sku,
        title=spec.title or f"Item {spec.sku}",
        quantity=spec.quantity,
        unit_price=unit,
        gift_card=spec.gift_card,
        discount_allocations=allocations,
        tax_lines=()
        if spec.gift_card
        else storefront_taxes(net, spec.rates, included=included),
    )


def _shipping(spec: ShippingSpec, sides: _Sides, included: bool) -> ShippingLine:
    price = sides.bag(D(spec.price))
    discount = sides.bag(D(spec.discount))
    allocations = (DiscountAllocation(amount=discount),) if D(spec.discount) else ()
    return ShippingLine(
        external_id="gid://shopify/ShippingLine/1",
        title=spec.title,
        price=price,
        discount_allocations=allocations,
        tax_lines=storefront_taxes(price + (-discount), spec.rates, included=included),
    )


def line_net(line: OrderLine) -> MoneyBag:
    gross = MoneyBag(
        shop=line.unit_price.shop * line.quantity,
        presentment=line.unit_price.presentment * line.quantity,
    )
    for allocation in line.discount_allocations:
        gross = gross + (-allocation.amount)
    return gross


def _totals(
    lines: Sequence[OrderLine],
    shipping: Sequence[ShippingLine],
    duties: Sequence[Duty],
    tip: MoneyBag | None,
    *,
    zero: MoneyBag,
    included: bool,
    offset: MoneyBag,
) -> Totals:
    subtotal = discounts = shipping_total = tax = duty_total = zero
    for line in lines:
        subtotal = subtotal + line_net(line)
        for allocation in line.discount_allocations:
            discounts = discounts + allocation.amount
        for tax_line in line.tax_lines:
            tax = tax + tax_line.amount
    for row in shipping:
        net = row.price
        for allocation in row.discount_allocations:
            net = net + (-allocation.amount)
            discounts = discounts + allocation.amount
        shipping_total = shipping_total + net
        for tax_line in row.tax_lines:
            tax = tax + tax_line.amount
    for duty in duties:
        duty_total = duty_total + duty.amount
    total = subtotal + shipping_total + duty_total + offset
    if not included:
        total = total + tax
    if tip is not None:
        total = total + tip
    return Totals(
        subtotal=subtotal,
        discounts=discounts,
        shipping=shipping_total,
        tax=tax,
        duties=duty_total if duties else None,
        tip=tip,
        total=total,
    )
