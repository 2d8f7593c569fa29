"""The sandbox's own tax engines against the reference examples and invariants."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sandbox.odoo.floats import float_round
from connectors.sandbox.odoo.taxes import Tax, compute_line
from connectors.sandbox.odoo.taxes_legacy import compute_all

CENT = Decimal("0.01")


def _pct(tax_id: int, rate: str, **kw: object) -> Tax:
    return Tax(tax_id, "percent", Decimal(rate), **kw)  # type: ignore[arg-type]


def test_included_tax_reduces_the_base_of_an_earlier_excluded_tax() -> None:
    result = compute_line(
        [_pct(1, "15"), _pct(2, "5.5", price_include=True)],
        price_unit=Decimal(2300),
        quantity=Decimal(1),
        rounding=CENT,
    )
    assert [(t.base, t.amount) for t in result.taxes] == [
        (Decimal("2180.09"), Decimal("327.01")),
        (Decimal("2180.09"), Decimal("119.91")),
    ]
    assert result.total_included == Decimal("2627.01")


def test_modern_and_legacy_split_an_included_price_differently() -> None:
    tax = [_pct(1, "12", price_include=True)]
    modern = compute_line(
        tax, price_unit=Decimal("52.50"), quantity=Decimal(1), rounding=CENT
    )
    legacy = compute_all(
        tax, price_unit=Decimal("52.50"), quantity=Decimal(1), rounding=CENT
    )
    assert (modern.total_excluded, modern.taxes[0].amount) == (
        Decimal("46.87"),
        Decimal("5.63"),
    )
    assert (legacy.total_excluded, legacy.taxes[0].amount) == (
        Decimal("46.88"),
        Decimal("5.62"),
    )


def test_fixed_taxes_and_include_base_amount_shift_bases() -> None:
    taxes = [
        Tax(1, "fixed", Decimal(1), include_base_amount=True, sequence=1),
        _pct(2, "21", price_include=True, sequence=2),
        Tax(3, "fixed", Decimal(2), sequence=3),
    ]
    result = compute_line(
        taxes, price_unit=Decimal(120), quantity=Decimal(1), rounding=CENT
    )
    assert [t.base for t in result.taxes] == [Decimal(99), Decimal(100), Decimal(100)]
    assert result.taxes[1].amount == Decimal(21)


def test_included_tax_affecting_base_stays_in_a_later_tax_base() -> None:
    taxes = [
        _pct(1, "6", price_include=True, include_base_amount=True, sequence=1),
        _pct(2, "3", sequence=2),
    ]
    result = compute_line(
        taxes, price_unit=Decimal(112), quantity=Decimal(1), rounding=CENT
    )
    assert result.taxes[1].base == Decimal(112) and result.taxes[1].amount == Decimal(
        "3.36"
    )


def test_legacy_global_rounding_still_rounds_the_base() -> None:
    result = compute_all(
        [_pct(1, "19", price_include=True)],
        price_unit=Decimal(27000),
        quantity=Decimal(1),
        rounding=Decimal(1),
        round_globally=True,
    )
    assert result.total_excluded == Decimal(22689) and result.taxes[
        0
    ].amount == Decimal(4311)


def test_free_product_with_included_fixed_tax_has_negative_untaxed() -> None:
    tax = [
        Tax(1, "fixed", Decimal("0.05"), price_include=True, include_base_amount=True)
    ]
    result = compute_line(
        tax, price_unit=Decimal(0), quantity=Decimal(1), rounding=CENT
    )
    assert (result.total_excluded, result.total_included) == (
        Decimal("-0.05"),
        Decimal("0.00"),
    )


def test_group_of_taxes_expands_into_its_children() -> None:
    group = Tax(9, "group", Decimal(0), children=(_pct(1, "-47"), _pct(2, "10")))
    result = compute_line(
        [group], price_unit=Decimal(100), quantity=Decimal(1), rounding=CENT
    )
    assert sum(t.amount for t in result.taxes) == Decimal(-37)


def test_float_round_is_half_up_on_binary_ties() -> None:
    assert float_round(Decimal("2.675"), CENT) == Decimal("2.68")
    assert float_round(Decimal("-0.005"), CENT) == Decimal("-0.01")
    assert float_round(Decimal("1234.5"), Decimal("1.0")) == Decimal("1235")
    assert float_round(Decimal("0.2415"), Decimal("0.001")) == Decimal("0.242")


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
quantities = st.integers(min_value=1, max_value=20).map(Decimal)
rates = st.sampled_from(["0", "5", "7", "10", "19", "20", "21"])


@settings(max_examples=200, deadline=None)
@given(
    price=prices,
    quantity=quantities,
    rate=rates,
    included=st.booleans(),
    legacy=st.booleans(),
)
def test_line_totals_add_up_to_the_cent(
    price: Decimal, quantity: Decimal, rate: str, included: bool, legacy: bool
) -> None:
    tax = [_pct(1, rate, price_include=included)]
    if legacy:
        result = compute_all(tax, price_unit=price, quantity=quantity, rounding=CENT)
    else:
        result = compute_line(tax, price_unit=price, quantity=quantity, rounding=CENT)
    taxes = sum(t.amount for t in result.taxes)
    assert result.total_included == result.total_excluded + taxes
    if included:
        assert result.total_included == float_round(price * quantity, CENT)
    else:
        assert result.total_excluded == float_round(price * quantity, CENT)
