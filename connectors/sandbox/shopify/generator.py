"""Sandbox Shopify order generator: deterministic, varied orders with exact arithmetic.

`generate_orders(count, seed=..., shop_domain=...)` returns each order at its latest
version; `connectors.sandbox.shopify.lifecycle` rebuilds the earlier versions. The same
seed always gives the same orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connectors.sandbox.shopify import catalog
from connectors.sandbox.shopify.lifecycle import build_life
from connectors.sandbox.shopify.pricing import (
    UNITS_PER_USD,
    Converter,
    allocate,
    exchange_rate,
    round_to,
    tax_lines,
)
from connectors.sandbox.shopify.records import (
    Address,
    Company,
    Customer,
    DiscountAllocation,
    DiscountApplication,
    Line,
    PaymentTerms,
    SandboxOrder,
    ShippingLine,
    TaxLine,
)

DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass
class _Ids:
    """Hands out increasing numeric ids, like Shopify's (not contiguous)."""

    rng: random.Random
    last: int

    def next(self) -> int:
        self.last += self.rng.randint(1, 97)
        return self.last


@dataclass(frozen=True)
class _Context:
    rng: random.Random
    ids: _Ids
    shop_domain: str
    currency: str
    utc_offset_minutes: int


def generate_orders(
    count: int,
    *,
    seed: int,
    shop_domain: str,
    currency: str = "EUR",
    start: datetime = DEFAULT_START,
    spacing_seconds: int = 97,
    first_number: int = 1001,
    utc_offset_minutes: int = 60,
) -> list[SandboxOrder]:
    """Return `count` orders of one shop, each at its latest version.

    Orders are created `spacing_seconds` apart (with jitter) from `start`; the same
    arguments always give the same orders. Raises ValueError for an unknown currency.
    """
    return list(
        iter_orders(
            count,
            seed=seed,
            shop_domain=shop_domain,
            currency=currency,
            start=start,
            spacing_seconds=spacing_seconds,
            first_number=first_number,
            utc_offset_minutes=utc_offset_minutes,
        )
    )


def iter_orders(
    count: int,
    *,
    seed: int,
    shop_domain: str,
    currency: str = "EUR",
    start: datetime = DEFAULT_START,
    spacing_seconds: int = 97,
    first_number: int = 1001,
    utc_offset_minutes: int = 60,
) -> Iterator[SandboxOrder]:
    """Yield the orders `generate_orders` returns, one at a time (for large counts)."""
    if currency not in UNITS_PER_USD:
        raise ValueError(f"the sandbox has no exchange rate for {currency!r}")
    rng = random.Random(seed)
    ids = _Ids(rng, rng.randrange(5_000_000_000_000, 6_000_000_000_000))
    context = _Context(rng, ids, shop_domain, currency, utc_offset_minutes)
    for index in range(count):
        jitter = rng.randint(0, spacing_seconds // 2)
        created = start + timedelta(seconds=index * spacing_seconds + jitter)
        yield _order(context, number=first_number + index, created_at=created)


def _order(context: _Context, *, number: int, created_at: datetime) -> SandboxOrder:
    rng = context.rng
    presentment = _presentment_currency(rng, context.currency)
    rate = exchange_rate(context.currency, presentment)
    converter = Converter(context.currency, presentment, rate)
    regime = rng.choice(catalog.TAX_REGIMES)
    taxes_included = rng.random() < (0.8 if regime.prices_include_tax else 0.2)

    # The buyer first, so addresses and the B2B company agree with each other.
    customer, address = _buyer(context, regime, created_at)
    company = _company(context) if rng.random() < 0.18 else None
    if company is not None:
        address = _with_company(address, company.name)

    # Lines, then discounts on them, then taxes on what remains.
    lines = _lines(context, converter)
    applications, lines = _discounts(rng, lines, converter)
    lines = [_taxed_line(line, regime, taxes_included, converter) for line in lines]
    shipping = _shipping(context, regime, taxes_included, converter, lines)

    order = SandboxOrder(
        id=context.ids.next(),
        shop_domain=context.shop_domain,
        number=number,
        created_at=created_at,
        updated_at=created_at,
        currency=context.currency,
        presentment_currency=presentment,
        exchange_rate=rate,
        taxes_included=taxes_included,
        email=customer.email,
        customer=customer,
        company=company,
        billing_address=address,
        shipping_address=address if any(x.requires_shipping for x in lines) else None,
        lines=tuple(lines),
        shipping_lines=shipping,
        discount_applications=applications,
        discount_codes=tuple(a.code for a in applications if a.code),
        transactions=(),
        refunds=(),
        fulfillments=(),
        payment_terms=_terms(context, created_at) if company is not None else None,
        risk_level=rng.choices(("LOW", "MEDIUM", "HIGH"), (85, 10, 5))[0],
        cancelled_at=None,
        cancel_reason=None,
        source_name="web" if company is None else "shopify_draft_order",
        tags=tuple(sorted(rng.sample(("vip", "wholesale", "gift", "repeat"), 2)))
        if rng.random() < 0.3
        else (),
        utc_offset_minutes=context.utc_offset_minutes,
    )
    return build_life(order, rng=rng, next_id=context.ids.next)


def _presentment_currency(rng: random.Random, shop_currency: str) -> str:
    if rng.random() < 0.6:
        return shop_currency
    others = [c for c in sorted(UNITS_PER_USD) if c != shop_currency]
    return rng.choice(others)


def _buyer(
    context: _Context, regime: catalog.TaxRegime, created_at: datetime
) -> tuple[Customer, Address]:
    rng = context.rng
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    customer_id = context.ids.next()
    email = f"{first}.{last}.{customer_id % 10_000}@example.com".lower()
    phone = f"+1555{rng.randint(1_000_000, 9_999_999)}" if rng.random() < 0.5 else None
    customer = Customer(
        id=customer_id,
        email=email,
        first_name=first,
        last_name=last,
        phone=phone,
        created_at=created_at - timedelta(days=rng.randint(0, 900)),
    )
    address = Address(
        first_name=first,
        last_name=last,
        address1=f"{rng.randint(1, 240)} {rng.choice(catalog.STREETS)}",
        city=regime.city,
        zip=regime.zip,
        country=regime.country,
        country_code=regime.country_code,
        province=regime.province,
        province_code=regime.province_code,
        phone=phone,
    )
    return customer, address


def _with_company(address: Address, company: str) -> Address:
    return replace(address, company=company)


def _company(context: _Context) -> Company:
    rng = context.rng
    name = rng.choice(catalog.COMPANIES)
    return Company(
        id=context.ids.next(),
        name=name,
        location_id=context.ids.next(),
        location_name=f"{name} HQ",
        contact_id=context.ids.next(),
        external_id=f"ERP-{rng.randint(10_000, 99_999)}"
        if rng.random() < 0.5
        else None,
    )


def _terms(context: _Context, created_at: datetime) -> PaymentTerms:
    name, days = context.rng.choice(catalog.PAYMENT_TERMS)
    return PaymentTerms(
        id=context.ids.next(),
        name=name,
        kind="NET",
        due_in_days=days,
        issued_at=created_at,
        due_at=created_at + timedelta(days=days),
    )


def _lines(context: _Context, converter: Converter) -> list[Line]:
    rng = context.rng
    products = rng.sample(
        catalog.PRODUCTS, rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0]
    )
    lines = []
    for product in products:
        variant = rng.choice(product.variants) if product.variants else None
        index = product.variants.index(variant) + 1 if variant else 0
        lines.append(
            Line(
                id=context.ids.next(),
                sku=f"{product.sku_stem}-{index:02d}",
                title=product.title,
                variant_title=variant,
                product_id=product.id,
                variant_id=product.id * 100 + index,
                quantity=rng.choices((1, 2, 3, 5), (60, 25, 10, 5))[0],
                price=converter.amount(converter.price_from_usd(product.usd_price)),
                grams=product.grams,
                taxable=product.title != "Gift wrapping" or rng.random() < 0.5,
                requires_shipping=product.requires_shipping,
                reduced_rate=product.reduced_rate,
            )
        )
    return lines


def _discounts(
    rng: random.Random, lines: list[Line], converter: Converter
) -> tuple[tuple[DiscountApplication, ...], list[Line]]:
    """Maybe a line-level automatic discount, then maybe an order-level code."""
    applications: list[DiscountApplication] = []
    allocations: list[list[DiscountAllocation]] = [[] for _ in lines]
    currency = converter.presentment_currency
    remaining = [line.gross.presentment for line in lines]

    # A percentage off one entitled line (a product-specific automatic discount).
    if rng.random() < 0.3:
        target = rng.randrange(len(lines))
        percent = Decimal(rng.choice((10, 15, 20, 25)))
        amount = round_to(remaining[target] * percent / 100, currency)
        applications.append(
            DiscountApplication(
                kind="automatic",
                title=f"{percent}% off {lines[target].title}",
                code=None,
                value=percent,
                value_type="percentage",
                allocation_method="across",
                target_selection="entitled",
            )
        )
        allocations[target].append(DiscountAllocation(0, converter.amount(amount)))
        remaining[target] -= amount

    # An order-level code across all lines: a percentage or a fixed amount.
    if rng.random() < 0.3:
        base = sum(remaining, Decimal(0))
        if rng.random() < 0.5:
            value = Decimal(rng.choice((5, 10, 15)))
            total, value_type, code = (
                round_to(base * value / 100, currency),
                "percentage",
                f"SAVE{value}",
            )
        else:
            value = min(converter.price_from_usd(Decimal(rng.choice((5, 10)))), base)
            total, value_type, code = value, "fixed_amount", f"MINUS{int(value)}"
        index = len(applications)
        applications.append(
            DiscountApplication(
                kind="discount_code",
                title=code,
                code=code,
                value=value,
                value_type=value_type,
                allocation_method="across",
                target_selection="all",
            )
        )
        for position, share in enumerate(allocate(total, remaining, currency)):
            if share:
                allocations[position].append(
                    DiscountAllocation(index, converter.amount(share))
                )

    lines = [
        replace(line, discount_allocations=tuple(a))
        for line, a in zip(lines, allocations, strict=True)
    ]
    return tuple(applications), lines


def _taxed_line(
    line: Line, regime: catalog.TaxRegime, included: bool, converter: Converter
) -> Line:
    if not line.taxable:
        return line
    rates = regime.reduced if line.reduced_rate else regime.standard
    taxes = tax_lines(
        line.discounted.presentment, rates, included=included, converter=converter
    )
    return replace(line, tax_lines=taxes)


def _shipping(
    context: _Context,
    regime: catalog.TaxRegime,
    included: bool,
    converter: Converter,
    lines: list[Line],
) -> tuple[ShippingLine, ...]:
    if not any(line.requires_shipping for line in lines) or context.rng.random() < 0.1:
        return ()
    title, code, usd = context.rng.choice(catalog.SHIPPING_RATES)
    price = converter.amount(converter.price_from_usd(usd))
    taxes: tuple[TaxLine, ...] = ()
    if regime.shipping_taxed and price.presentment:
        taxes = tax_lines(
            price.presentment, regime.standard, included=included, converter=converter
        )
    return (ShippingLine(context.ids.next(), title, code, price, tax_lines=taxes),)
