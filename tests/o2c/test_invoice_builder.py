"""The invoice builder: lines, exact representation, predicted totals, adjustments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.errors import MappingError
from o2c.invoices import (
    InvoiceOptions,
    TotalMismatchError,
    build_invoice,
    hub_key,
    invoice_key,
)
from o2c.money import Money
from o2c.taxes import RoundingConfig
from tests.o2c.order_factory import LineSpec, ShippingSpec, make_order
from tests.o2c.resolution_memory import MemoryResolver

D = Decimal
DAY = date(2026, 3, 2)
PRODUCTS = {"MUG": "product:mug", "TEE": "product:tee", "CARD": "product:card"}


def resolver(**fields: object) -> MemoryResolver:
    return MemoryResolver(products=dict(PRODUCTS), **fields)  # type: ignore[arg-type]


def build(order, options: InvoiceOptions | None = None, res=None):  # type: ignore[no-untyped-def]
    return build_invoice(
        order, res or resolver(), options or InvoiceOptions(), invoice_date=DAY
    )


def test_plain_order_gives_product_and_shipping_lines_with_matching_total() -> None:
    order = make_order(
        lines=[LineSpec("MUG", 2, "12.50"), LineSpec("TEE", 1, "20.00")],
        shipping=[ShippingSpec("4.90")],
    )

    draft = build(order)

    assert [
        (ln.kind, ln.product_ref, ln.quantity, ln.price_unit) for ln in draft.lines
    ] == [
        ("product", "product:mug", D(2), D("12.5")),
        ("product", "product:tee", D(1), D(20)),
        ("shipping", "product:shipping", D(1), D("4.9")),
    ]
    assert draft.expected_untaxed == Money.of("49.90", "EUR")
    assert draft.expected_tax == Money.of("9.98", "EUR")
    assert draft.expected_total == draft.storefront_total == Money.of("59.88", "EUR")
    assert draft.adjustment == Money.of("0", "EUR")
    assert draft.hold_reason is None


def test_idempotency_key_uses_source_and_order_number() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10")], number="#1001")

    assert build(order).idempotency_key == "o2c_hub.invoice.myshop.1001"
    assert invoice_key(order) == hub_key("invoice", "myshop", "1001")


def test_discount_divisible_by_quantity_becomes_a_net_unit_price() -> None:
    order = make_order(lines=[LineSpec("MUG", 4, "10.00", discount="2.00")])

    draft = build(order)

    assert [(ln.kind, ln.quantity, ln.price_unit) for ln in draft.lines] == [
        ("product", D(4), D("9.5"))
    ]
    assert draft.expected_total == Money.of("45.60", "EUR")


def test_indivisible_discount_becomes_one_discount_line_per_tax_set() -> None:
    order = make_order(
        lines=[
            LineSpec("MUG", 3, "10.00", discount="1.00"),
            LineSpec("TEE", 3, "7.00", discount="2.00"),
            LineSpec("CARD", 3, "5.00", discount="1.00", rates=("0.055",)),
        ]
    )

    draft = build(order)

    discounts = [
        (ln.price_unit, [t.name for t in ln.taxes])
        for ln in draft.lines
        if ln.kind == "discount"
    ]
    assert discounts == [(D(-3), ["20% excl"]), (D(-1), ["5.5% excl"])]
    assert [ln.price_unit for ln in draft.lines if ln.kind == "product"] == [
        D(10),
        D(7),
        D(5),
    ]
    assert draft.expected_total == draft.storefront_total
    assert all(
        ln.product_ref == "product:discount"
        for ln in draft.lines
        if ln.kind == "discount"
    )


@pytest.mark.parametrize(
    "config",
    [
        RoundingConfig.for_odoo(16),
        RoundingConfig.for_odoo(17, rounding="round_globally"),
        RoundingConfig.for_odoo(18),
        RoundingConfig.for_odoo(19, rounding="round_globally"),
    ],
)
def test_tax_included_order_total_is_kept_in_every_engine(
    config: RoundingConfig,
) -> None:
    order = make_order(
        lines=[
            LineSpec("MUG", 1, "52.50", rates=("0.12",)),
            LineSpec("TEE", 3, "19.99"),
        ],
        shipping=[ShippingSpec("5.90")],
        taxes_included=True,
    )

    draft = build(order, InvoiceOptions(rounding=config))

    assert draft.expected_total == draft.storefront_total == Money.of("118.37", "EUR")
    assert all(t.price_include for ln in draft.lines for t in ln.taxes)


def test_small_rounding_gap_gets_an_adjustment_line_on_the_rounding_account() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00")], total_offset="0.01")

    draft = build(order)

    adjustment = draft.lines[-1]
    assert (adjustment.kind, adjustment.account_ref, adjustment.price_unit) == (
        "adjustment",
        "account:rounding",
        D("0.01"),
    )
    assert adjustment.taxes == ()
    assert draft.adjustment == Money.of("0.01", "EUR")
    assert draft.expected_total == draft.storefront_total == Money.of("12.01", "EUR")
    draft.ensure_postable()


def test_gap_beyond_the_bound_holds_with_total_mismatch_and_no_adjustment() -> None:
    order = make_order(
        lines=[LineSpec("MUG", 1, "10.00"), LineSpec("TEE", 1, "5.00")],
        total_offset="-0.03",
    )

    draft = build(order)

    assert draft.hold_reason == "total_mismatch"
    assert draft.adjustment_bound == Money.of("0.02", "EUR")
    assert draft.mismatch == Money.of("0.03", "EUR")
    assert not any(ln.kind == "adjustment" for ln in draft.lines)
    with pytest.raises(TotalMismatchError, match=r"bound 0\.02 EUR"):
        draft.ensure_postable()


def test_bound_is_configurable_and_zero_allows_no_adjustment() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00")], total_offset="0.01")

    strict = build(order, InvoiceOptions(adjustment_units_per_line=0))
    loose = build(
        make_order(lines=[LineSpec("MUG", 1, "10.00")], total_offset="0.05"),
        InvoiceOptions(adjustment_units_per_line=5),
    )

    assert strict.hold_reason == "total_mismatch"
    assert loose.hold_reason is None and loose.adjustment == Money.of("0.05", "EUR")


def test_gift_card_sale_is_an_untaxed_line_on_the_gift_card_product() -> None:
    order = make_order(
        lines=[
            LineSpec("MUG", 1, "10.00"),
            LineSpec("GIFT", 1, "50.00", gift_card=True),
        ]
    )

    draft = build(order)

    gift = [ln for ln in draft.lines if ln.kind == "gift_card"]
    assert [(ln.product_ref, ln.price_unit, ln.taxes) for ln in gift] == [
        ("product:gift-card", D(50), ())
    ]
    assert draft.expected_total == Money.of("62.00", "EUR")


def test_tip_as_revenue_is_an_untaxed_tip_line() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00")], tip="3.00")

    draft = build(order, InvoiceOptions(tips="revenue"))

    assert [(ln.kind, ln.product_ref, ln.price_unit) for ln in draft.lines][-1] == (
        "tip",
        "product:tip",
        D(3),
    )
    assert draft.expected_total == Money.of("15.00", "EUR")


def test_excluded_tip_leaves_the_invoice_and_the_compared_total() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00")], tip="3.00")

    draft = build(order, InvoiceOptions(tips="exclude"))

    assert not any(ln.kind == "tip" for ln in draft.lines)
    assert draft.storefront_total == draft.expected_total == Money.of("12.00", "EUR")


def test_duties_become_a_duty_line() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00")], duties=["4.20"])

    draft = build(order)

    assert [(ln.kind, ln.product_ref, ln.price_unit) for ln in draft.lines][-1] == (
        "duty",
        "product:duty",
        D("4.2"),
    )
    assert draft.hold_reason is None


def test_invoice_currency_follows_the_policy_side() -> None:
    order = make_order(
        lines=[LineSpec("MUG", 2, "10.00")], currency="EUR", presentment="USD", fx="1.1"
    )

    in_presentment = build(order, InvoiceOptions(currency_side="presentment"))
    in_shop = build(order, InvoiceOptions(currency_side="shop"))

    assert in_presentment.expected_total == Money.of("26.40", "USD")
    assert in_shop.expected_total == Money.of("24.00", "EUR")


def test_three_decimal_price_is_kept_exact_by_scaling_the_quantity() -> None:
    order = make_order(
        lines=[LineSpec("MUG", 3, "1.234", rates=("0.05",))], currency="KWD"
    )

    draft = build(order)

    assert [(ln.quantity, ln.price_unit) for ln in draft.lines] == [
        (D("0.3"), D("12.34"))
    ]
    assert draft.expected_untaxed == Money.of("3.702", "KWD")
    assert draft.expected_total == draft.storefront_total


def test_zero_decimal_currency_order() -> None:
    order = make_order(
        lines=[LineSpec("MUG", 3, "1050", discount="100", rates=("0.1",))],
        currency="JPY",
        taxes_included=True,
    )

    draft = build(order)

    assert draft.expected_total == draft.storefront_total == Money.of("3050", "JPY")


def test_unmapped_sku_raises_mapping_error_naming_the_sku() -> None:
    order = make_order(lines=[LineSpec("NOPE", 1, "10.00")])

    with pytest.raises(MappingError) as caught:
        build(order)

    assert (caught.value.kind, caught.value.key) == ("product", "NOPE")


def test_unmapped_tax_raises_mapping_error_with_the_tax_key() -> None:
    order = make_order(lines=[LineSpec("MUG", 1, "10.00", rates=("0.07",))])

    with pytest.raises(MappingError) as caught:
        build(order, res=resolver(auto_taxes=False))

    assert caught.value.kind == "tax"
    assert caught.value.key == "VAT 7%|0.07|FR|excl|line"


def test_discount_product_is_only_asked_for_when_a_discount_line_exists() -> None:
    order = make_order(lines=[LineSpec("MUG", 2, "10.00")])

    draft = build(order, res=resolver(discount=None))

    assert draft.hold_reason is None
