"""The sandbox's own tax engines against the reference examples and invariants."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sandbox.odoo.floats import float_round
from connectors.sandbox.odoo.taxes import Tax, compute_line
from connectors.sandbox.odoo.taxes_legacy import compute_all

CENT = D("0.01")


def _pct(tax_id: int, rate: str, **kw: object) -> Tax:
    return Tax(tax_id, "percent", D(rate), **kw)  # type: ignore[arg-type]


def test_included_tax_reduces_the_base_of_an_earlier_excluded_tax() -> None:
    result = compute_line(
        [_pct(1, "15"), _pct(2, "5.5", price_include=True)],
        price_unit=D(2300),
        quantity=D(1),
        rounding=CENT,
    )
    assert [(t.base, t.amount) for t in result.taxes] == [
        (D("2180.09"), D("327.01")),
        (D("2180.09"), D("119.91")),
    ]
    assert result.total_included == D("2627.01")


def test_modern_and_legacy_split_an_included_price_differently() -> None:
    tax = [_pct(1, "12", price_include=True)]
    modern = compute_line(tax, price_unit=D("52.50"), quantity=D(1), rounding=CENT)
    legacy = compute_all(tax, price_unit=D("52.50"), quantity=D(1), rounding=CENT)
    assert (modern.total_excluded, modern.taxes[0].amount) == (D("46.87"), D("5.63"))
    assert (legacy.total_excluded, legacy.taxes[0].amount) == (D("46.88"), D("5.62"))


def test_fixed_taxes_and_include_base_amount_shift_bases() -> None:
    taxes = [
        Tax(1, "fixed", D(1), include_base_amount=True, sequence=1),
        _pct(2, "21", price_include=True, sequence=2),
        Tax(3, "fixed", D(2), sequence=3),
    ]
    result = compute_line(taxes, price_unit=D(120), quantity=D(1), rounding=CENT)
    assert [t.base for t in result.taxes] == [D(99), D(100), D(100)]
    assert result.taxes[1].amount == D(21)


def test_included_tax_affecting_base_stays_in_a_later_tax_base() -> None:
    taxes = [
        _pct(1, "6", price_include=True, include_base_amount=True, sequence=1),
        _pct(2, "3", sequence=2),
    ]
    result = compute_line(taxes, price_unit=D(112), quantity=D(1), rounding=CENT)
    assert result.taxes[1].base == D(112) and result.taxes[1].amount == D("3.36")


def test_legacy_global_rounding_still_rounds_the_base() -> None:
    result = compute_all(
        [_pct(1, "19", price_include=True)],
        price_unit=D(27000),
        quantity=D(1),
        rounding=D(1),
        round_globally=True,
    )
    assert result.total_excluded == D(22689) and result.taxes[0].amount == D(4311)


def test_free_product_with_included_fixed_tax_has_negative_untaxed() -> None:
    tax = [Tax(1, "fixed", D("0.05"), price_include=True, include_base_amount=True)]
    result = compute_line(tax, price_unit=D(0), quantity=D(1), rounding=CENT)
    assert (result.total_excluded, result.total_included) == (D("-0.05"), D("0.00"))


def test_group_of_taxes_expands_into_its_children() -> None:
    group = Tax(9, "group", D(0), children=(_pct(1, "-47"), _pct(2, "10")))
    result = compute_line([group], price_unit=D(100), quantity=D(1), rounding=CENT)
    assert sum(t.amount for t in result.taxes) == D(-37)


def test_float_round_is_half_up_on_binary_ties() -> None:
    assert float_round(D("2.675"), CENT) == D("2.68")
    assert float_round(D("-0.005"), CENT) == D("-0.01")
    assert float_round(D("1234.5"), D("1.0")) == D("1235")
    assert float_round(D("0.2415"), D("0.001")) == D("0.242")


prices = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
quantities = st.integers(min_value=1, max_value=20).map(D)
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
    price: D, quantity: D, rate: str, included: bool, legacy: bool
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
