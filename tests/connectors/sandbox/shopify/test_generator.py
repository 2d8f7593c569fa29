"""The sandbox order generator: exact money in two currencies, variety, versions."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.sandbox.shopify import (
    SandboxOrder,
    as_of,
    generate_orders,
    render_rest,
    versions,
)
from o2c.money import minor_units

SIDES = ("shop_money", "presentment_money")


def _amount(bag: dict[str, Any], side: str) -> Decimal:
    money = bag[side]
    return Decimal(money["amount"])


def _sum(bags: list[dict[str, Any]], side: str) -> Decimal:
    return sum((_amount(b, side) for b in bags), Decimal(0))


def _check_rest_arithmetic(body: dict[str, Any]) -> None:
    """Every total of a REST body adds up from its parts, per currency side."""
    lines = body["line_items"]
    shipping = body["shipping_lines"]
    for side in SIDES:
        gross = sum(
            (_amount(li["price_set"], side) * li["quantity"] for li in lines),
            Decimal(0),
        )
        discounts = _sum(
            [a["amount_set"] for li in lines for a in li["discount_allocations"]], side
        )
        line_tax = _sum([t["price_set"] for li in lines for t in li["tax_lines"]], side)
        ship_tax = _sum(
            [t["price_set"] for s in shipping for t in s["tax_lines"]], side
        )
        ship = _sum([s["price_set"] for s in shipping], side)
        subtotal = gross - discounts
        tax = line_tax + ship_tax
        total = subtotal + ship + (0 if body["taxes_included"] else tax)

        assert _amount(body["total_line_items_price_set"], side) == gross
        assert _amount(body["total_discounts_set"], side) == discounts
        assert _amount(body["subtotal_price_set"], side) == subtotal
        assert _amount(body["total_shipping_price_set"], side) == ship
        assert _amount(body["total_tax_set"], side) == tax
        assert _sum([t["price_set"] for t in body["tax_lines"]], side) == tax
        assert _amount(body["total_price_set"], side) == total


def _check_refund_arithmetic(body: dict[str, Any]) -> None:
    """A refund's transaction is what its lines, taxes and shipping add up to."""
    for refund in body["refunds"]:
        side = "presentment_money"
        lines = _sum([r["subtotal_set"] for r in refund["refund_line_items"]], side)
        taxes = _sum([r["total_tax_set"] for r in refund["refund_line_items"]], side)
        parts = refund["refund_shipping_lines"]
        shipping = _sum([s["subtotal_amount_set"] for s in parts], side)
        taxes += _sum([s["tax_amount_set"] for s in parts], side)
        expected = lines + shipping + (0 if body["taxes_included"] else taxes)
        paid_back = sum(Decimal(t["amount"]) for t in refund["transactions"])
        assert paid_back == expected


def _check_minor_units(value: Any) -> None:
    """Every money amount string has exactly its currency's decimals."""
    if isinstance(value, dict):
        if "amount" in value and "currency_code" in value:
            digits = minor_units(value["currency_code"])
            fraction = value["amount"].partition(".")[2]
            assert len(fraction) == digits, value
        for item in value.values():
            _check_minor_units(item)
    elif isinstance(value, list):
        for item in value:
            _check_minor_units(item)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD", "GBP", "CAD"]),
)
def test_generated_totals_add_up_to_the_minor_unit_in_both_currencies(
    seed: int, currency: str
) -> None:
    for order in generate_orders(
        8, seed=seed, shop_domain="h.example", currency=currency
    ):
        for _, version in versions(order):
            body = json.loads(json.dumps(render_rest(version)))
            _check_rest_arithmetic(body)
            _check_refund_arithmetic(body)
            _check_minor_units(body)


def test_same_seed_gives_the_same_orders_and_another_seed_does_not() -> None:
    first = generate_orders(20, seed=5, shop_domain="s.example")
    again = generate_orders(20, seed=5, shop_domain="s.example")
    other = generate_orders(20, seed=6, shop_domain="s.example")

    assert first == again
    assert [render_rest(o) for o in first] == [render_rest(o) for o in again]
    assert first != other


def test_generated_orders_cover_the_variety_the_hub_must_handle(
    orders: list[SandboxOrder],
) -> None:
    bodies = [render_rest(o) for o in orders]
    kinds = Counter(a["type"] for b in bodies for a in b["discount_applications"])
    statuses = Counter(b["financial_status"] for b in bodies)

    assert {True, False} == {o.taxes_included for o in orders}
    assert {"EUR", "JPY", "KWD", "USD"} <= {o.presentment_currency for o in orders}
    assert kinds["discount_code"] > 0 and kinds["automatic"] > 0
    assert any(len(li.tax_lines) == 2 for o in orders for li in o.lines)
    assert len({t.rate for o in orders for li in o.lines for t in li.tax_lines}) >= 5
    assert any(o.payment_terms and o.payment_terms.kind == "NET" for o in orders)
    assert any(o.company is not None for o in orders)
    assert {"paid", "partially_refunded", "refunded", "voided", "pending"} <= set(
        statuses
    )
    assert any(o.cancelled_at for o in orders)
    assert any(len(o.fulfillments) == 2 for o in orders)
    assert any(r.shipping for o in orders for r in o.refunds)
    assert {"LOW", "MEDIUM", "HIGH"} == {o.risk_level for o in orders}


def test_foreign_presentment_amounts_are_converted_at_the_order_rate(
    orders: list[SandboxOrder],
) -> None:
    foreign = [o for o in orders if o.presentment_currency != o.currency]

    assert foreign
    for order in foreign:
        for line in order.lines:
            exact = line.price.presentment / order.exchange_rate
            gap = abs(exact - line.price.shop)
            assert gap <= Decimal("0.5") * Decimal(1).scaleb(
                -minor_units(order.currency)
            )


def test_included_taxes_are_carved_out_of_the_discounted_line_price(
    orders: list[SandboxOrder],
) -> None:
    included = [
        o for o in orders if o.taxes_included and o.currency == o.presentment_currency
    ]

    for order in included:
        for line in order.lines:
            combined = sum((t.rate for t in line.tax_lines), Decimal(0))
            for tax in line.tax_lines:
                exact = line.discounted.shop * tax.rate / (1 + combined)
                assert abs(exact - tax.amount.shop) <= Decimal("0.005")


def test_earlier_versions_lack_later_changes_and_versions_only_grow(
    orders: list[SandboxOrder],
) -> None:
    for order in orders[:80]:
        created = as_of(order, order.created_at)
        stamps = [version.updated_at for _, version in versions(order)]

        assert created.fulfillments == () and created.refunds == ()
        assert created.updated_at == order.created_at
        assert stamps == sorted(stamps)
        assert stamps[-1] == order.updated_at
