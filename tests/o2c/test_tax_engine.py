"""The tax engine against every worked example of the Odoo tax reference."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.taxes import (
    DocumentLine,
    RoundingConfig,
    TaxDefinition,
    flatten_legacy,
    flatten_modern,
    legacy_line_taxes,
    modern_line_taxes,
    predict_document,
    round_to,
)
from o2c.taxes.modern import batches

D = Decimal
MODERN = RoundingConfig(engine="modern", rounding="round_per_line")
MODERN_GLOBAL = RoundingConfig(engine="modern", rounding="round_globally")
LEGACY = RoundingConfig(engine="legacy", rounding="round_per_line")
LEGACY_GLOBAL = RoundingConfig(engine="legacy", rounding="round_globally")


def percent(tax_id: int, amount: str, **fields: object) -> TaxDefinition:
    return TaxDefinition(id=tax_id, name=f"{amount}%", amount=D(amount), **fields)


def fixed(tax_id: int, amount: str, **fields: object) -> TaxDefinition:
    return TaxDefinition(
        id=tax_id,
        name=f"fixed {amount}",
        amount_type="fixed",
        amount=D(amount),
        **fields,
    )


def one_line(
    price: str,
    taxes: tuple[TaxDefinition, ...],
    config: RoundingConfig,
    digits: int = 2,
) -> tuple[Decimal, Decimal, Decimal]:
    line = DocumentLine(quantity=D(1), price_unit=D(price), taxes=taxes)
    totals = predict_document([line], config, digits)
    return totals.untaxed, totals.tax, totals.total


# -- single lines ------------------------------------------------------------


@pytest.mark.parametrize("config", [MODERN, MODERN_GLOBAL, LEGACY, LEGACY_GLOBAL])
def test_excluded_15_and_included_5_5_on_2300_gives_2180_09_base(
    config: RoundingConfig,
) -> None:
    taxes = (
        percent(1, "15", sequence=1),
        percent(2, "5.5", price_include=True, sequence=2),
    )

    untaxed, tax, total = one_line("2300", taxes, config)

    assert (untaxed, tax, total) == (D("2180.09"), D("446.92"), D("2627.01"))


@pytest.mark.parametrize("config", [MODERN, MODERN_GLOBAL])
def test_included_5_5_on_2300_then_15_on_the_remaining_base(
    config: RoundingConfig,
) -> None:
    taxes = (
        percent(1, "15", sequence=1),
        percent(2, "5.5", price_include=True, sequence=2),
    )

    result = modern_line_taxes(
        taxes, price_unit=D(2300), quantity=D(1), digits=2, per_line=True
    )

    assert [item.amount for item in result.taxes] == [D("327.01"), D("119.91")]
    assert [item.base for item in result.taxes] == [D("2180.09"), D("2180.09")]


def test_negative_2300_gives_negative_totals() -> None:
    taxes = (
        percent(1, "15", sequence=1),
        percent(2, "5.5", price_include=True, sequence=2),
    )

    untaxed, tax, total = one_line("-2300", taxes, MODERN)

    assert (untaxed, tax, total) == (D("-2180.09"), D("-446.92"), D("-2627.01"))


def test_modern_rounds_the_included_tax_first_52_50_at_12() -> None:
    untaxed, tax, total = one_line(
        "52.50", (percent(1, "12", price_include=True),), MODERN
    )

    assert (untaxed, tax, total) == (D("46.87"), D("5.63"), D("52.50"))


def test_legacy_rounds_the_base_first_52_50_at_12() -> None:
    untaxed, tax, total = one_line(
        "52.50", (percent(1, "12", price_include=True),), LEGACY
    )

    assert (untaxed, tax, total) == (D("46.88"), D("5.62"), D("52.50"))


def test_included_6_with_base_inclusion_stays_in_the_base_of_excluded_3() -> None:
    taxes = (
        percent(1, "6", price_include=True, include_base_amount=True, sequence=1),
        percent(2, "3", sequence=2),
    )

    result = modern_line_taxes(
        taxes, price_unit=D(112), quantity=D(1), digits=2, per_line=True
    )

    assert [item.amount for item in result.taxes] == [D("6.34"), D("3.36")]
    assert result.taxes[1].base == D(112)


def test_fixed_with_base_inclusion_then_21_included_then_fixed_2_on_120() -> None:
    taxes = (
        fixed(1, "1", include_base_amount=True, sequence=1),
        percent(2, "21", price_include=True, sequence=2),
        fixed(3, "2", sequence=3),
    )

    result = modern_line_taxes(
        taxes, price_unit=D(120), quantity=D(1), digits=2, per_line=True
    )

    assert [item.amount for item in result.taxes] == [D(1), D(21), D(2)]
    assert [item.base for item in result.taxes] == [D(99), D(100), D(100)]
    assert (result.total_excluded, result.total_included) == (D(99), D(123))


def test_included_fixed_on_a_free_product_gives_negative_untaxed() -> None:
    tax = fixed(1, "0.05", price_include=True, include_base_amount=True)

    untaxed, tax_amount, total = one_line("0", (tax,), MODERN)

    assert (untaxed, tax_amount, total) == (D("-0.05"), D("0.05"), D("0.00"))


def test_fixed_tax_is_quantity_times_amount() -> None:
    line = DocumentLine(quantity=D(3), price_unit=D(10), taxes=(fixed(1, "0.50"),))

    for config in (MODERN, LEGACY):
        totals = predict_document([line], config, 2)
        assert (totals.untaxed, totals.tax) == (D(30), D("1.50"))


def test_negative_withholding_percent_reduces_the_total() -> None:
    untaxed, tax, total = one_line("100", (percent(1, "-20"),), MODERN)

    assert (untaxed, tax, total) == (D(100), D(-20), D(80))


@pytest.mark.parametrize("config", [MODERN, LEGACY])
def test_group_of_minus_47_and_10_gives_minus_37(config: RoundingConfig) -> None:
    group = TaxDefinition(
        id=10,
        name="group",
        amount_type="group",
        children=(percent(1, "-47"), percent(2, "10", sequence=2)),
    )

    untaxed, tax, total = one_line("100", (group,), config)

    assert (untaxed, tax, total) == (D(100), D(-37), D(63))


def test_division_tax_excluded_divides_the_base() -> None:
    tax = TaxDefinition(id=1, name="div 10", amount_type="division", amount=D(10))

    # 180 / (1 - 10%) = 200: the tax is 20.
    assert one_line("180", (tax,), MODERN)[1] == D(20)
    assert one_line("180", (tax,), LEGACY)[1] == D(20)


def test_division_tax_included_is_a_share_of_the_price() -> None:
    tax = TaxDefinition(
        id=1, name="div 10", amount_type="division", amount=D(10), price_include=True
    )

    assert one_line("200", (tax,), MODERN) == (D(180), D(20), D(200))
    assert one_line("200", (tax,), LEGACY) == (D(180), D(20), D(200))


def test_two_included_percents_share_one_divisor() -> None:
    taxes = (
        percent(1, "10", price_include=True),
        percent(2, "10", price_include=True, sequence=2),
    )

    untaxed, tax, total = one_line("100", taxes, MODERN)

    # 100 / 1.2 * 0.1 = 8.333.. each; the base is what remains.
    assert (untaxed, tax, total) == (D("83.34"), D("16.66"), D(100))


def test_rounding_per_line_rounds_the_base_before_the_tax() -> None:
    line = DocumentLine(
        quantity=D("0.1"), price_unit=D("0.05"), taxes=(percent(1, "10"),)
    )

    per_line = predict_document([line], MODERN, 2)

    assert (per_line.untaxed, per_line.tax) == (D("0.01"), D("0.00"))


# -- ordering ----------------------------------------------------------------


def test_modern_orders_by_sequence_then_id_and_drops_duplicates() -> None:
    a, b, c = percent(3, "1", sequence=5), percent(1, "2", sequence=5), percent(2, "3")
    group = TaxDefinition(
        id=9, name="g", amount_type="group", sequence=4, children=(c, b)
    )

    assert [t.id for t in flatten_modern([a, group, b])] == [2, 1, 3]


def test_legacy_orders_by_sequence_then_id_and_keeps_duplicates() -> None:
    a, b, c = percent(3, "1", sequence=5), percent(1, "2", sequence=5), percent(2, "3")
    group = TaxDefinition(
        id=9, name="g", amount_type="group", sequence=4, children=(c, b)
    )

    assert [t.id for t in flatten_legacy([a, group, b])] == [2, 1, 1, 3]


def test_batches_join_like_taxes_and_split_on_base_inclusion() -> None:
    taxes = [
        percent(1, "10", price_include=True),
        percent(2, "5", price_include=True, sequence=2),
        percent(3, "7", sequence=3),
    ]

    assert batches(taxes) == [(0, 1), (0, 1), (2,)]


# -- whole documents ---------------------------------------------------------


MX_PRICES = ["1199", "1999", "1699", "11999", "11999", "11999", "10999"]


@pytest.mark.parametrize(
    ("config", "untaxed", "tax"),
    [
        (MODERN, "44735.37", "7157.63"),
        (MODERN_GLOBAL, "44735.34", "7157.66"),
    ],
)
def test_mexican_document_at_16_included_per_line_and_globally(
    config: RoundingConfig, untaxed: str, tax: str
) -> None:
    tax_16 = percent(1, "16", price_include=True)
    lines = [
        DocumentLine(quantity=D(1), price_unit=D(p), taxes=(tax_16,)) for p in MX_PRICES
    ]

    totals = predict_document(lines, config, 2)

    assert (totals.untaxed, totals.tax, totals.total) == (
        D(untaxed),
        D(tax),
        D("51893"),
    )


def test_global_rounding_rounds_tax_once_per_tax_21_53_twice() -> None:
    tax_21 = percent(1, "21", price_include=True)
    lines = [DocumentLine(quantity=D(1), price_unit=D("21.53"), taxes=(tax_21,))] * 2

    per_line = predict_document(lines, MODERN, 2)
    globally = predict_document(lines, MODERN_GLOBAL, 2)

    assert (per_line.untaxed, per_line.tax) == (D("35.58"), D("7.48"))
    assert (globally.untaxed, globally.tax, globally.total) == (
        D("35.59"),
        D("7.47"),
        D("43.06"),
    )


def test_global_rounding_of_excluded_bases_12_12_squared_twice() -> None:
    tax_23 = percent(1, "23")
    lines = [
        DocumentLine(quantity=D("12.12"), price_unit=D("12.12"), taxes=(tax_23,))
    ] * 2

    per_line = predict_document(lines, MODERN, 2)
    globally = predict_document(lines, MODERN_GLOBAL, 2)

    # Per line the base is rounded first: 146.89 x 23% = 33.78 on each line.
    assert (per_line.untaxed, per_line.tax) == (D("293.78"), D("67.56"))
    assert (globally.untaxed, globally.tax) == (D("293.79"), D("67.57"))


@pytest.mark.parametrize("version", [18, 19])
def test_two_rates_on_12_12_squared_round_untaxed_globally(version: int) -> None:
    config = RoundingConfig.for_odoo(version, rounding="round_globally")
    lines = [
        DocumentLine(
            quantity=D("12.12"), price_unit=D("12.12"), taxes=(percent(1, "13"),)
        ),
        DocumentLine(
            quantity=D("12.12"), price_unit=D("12.12"), taxes=(percent(2, "23"),)
        ),
    ]

    totals = predict_document(lines, config, 2)

    assert (totals.untaxed, totals.tax, totals.total) == (
        D("293.79"),
        D("52.89"),
        D("346.68"),
    )


def test_portugal_rule_rounds_the_total_whole() -> None:
    config = RoundingConfig.for_odoo(18, rounding="round_globally", fiscal_country="PT")
    lines = [
        DocumentLine(
            quantity=D("12.12"), price_unit=D("12.12"), taxes=(percent(1, "13"),)
        ),
        DocumentLine(
            quantity=D("12.12"), price_unit=D("12.12"), taxes=(percent(2, "23"),)
        ),
    ]

    totals = predict_document(lines, config, 2)

    # Raw total 293.7888 + 19.096272 + 33.785712 = 346.670784 -> 346.67; the tax
    # stays rounded per tax (19.10 + 33.79) and the untaxed amount takes the rest.
    assert (totals.untaxed, totals.tax, totals.total) == (
        D("293.78"),
        D("52.89"),
        D("346.67"),
    )


def test_legacy_global_rounds_untaxed_per_line_27000_at_19_with_no_decimals() -> None:
    tax_19 = percent(1, "19", price_include=True)
    lines = [
        DocumentLine(quantity=D(1), price_unit=D(27000), taxes=(tax_19,)),
        DocumentLine(quantity=D(1), price_unit=D(10920), taxes=(tax_19,)),
    ]

    first = legacy_line_taxes(
        (tax_19,), price_unit=D(27000), quantity=D(1), digits=0, per_line=False
    )
    totals = predict_document(lines, LEGACY_GLOBAL, 0)

    assert (first.total_excluded, first.tax_total) == (D(22689), D(4311))
    assert (totals.untaxed, totals.tax, totals.total) == (D(31865), D(6055), D(37920))


def test_three_decimal_currency_rounds_to_the_mil() -> None:
    config = RoundingConfig(price_digits=3)

    untaxed, tax, total = one_line("1.235", (percent(1, "5"),), config, digits=3)

    assert (untaxed, tax, total) == (D("1.235"), D("0.062"), D("1.297"))


def test_zero_decimal_currency_rounds_to_the_unit() -> None:
    untaxed, tax, total = one_line(
        "1050", (percent(1, "10", price_include=True),), MODERN, 0
    )

    assert (untaxed, tax, total) == (D(955), D(95), D(1050))


def test_mixed_mode_keeps_the_included_total_whole_in_odoo_19() -> None:
    config = RoundingConfig.for_odoo(19, rounding="round_globally")
    taxes = (
        percent(1, "10", price_include=True),
        percent(2, "10", price_include=True, sequence=2),
    )
    lines = [DocumentLine(quantity=D(1), price_unit=D(100), taxes=taxes)]

    totals = predict_document(lines, config, 2)

    # Raw tax 8.333.. per tax rounds to 8.33 twice; the untaxed amount is what
    # keeps the total at 100.
    assert (totals.untaxed, totals.tax, totals.total) == (
        D("83.34"),
        D("16.66"),
        D(100),
    )


def test_excluded_mode_rounds_untaxed_alone_in_odoo_18() -> None:
    config = RoundingConfig.for_odoo(18, rounding="round_globally")
    taxes = (
        percent(1, "10", price_include=True),
        percent(2, "10", price_include=True, sequence=2),
    )
    lines = [DocumentLine(quantity=D(1), price_unit=D(100), taxes=taxes)]

    totals = predict_document(lines, config, 2)

    assert (totals.untaxed, totals.tax, totals.total) == (
        D("83.33"),
        D("16.66"),
        D("99.99"),
    )


def test_discount_percentage_applies_to_the_stored_price_before_tax() -> None:
    line = DocumentLine(
        quantity=D(1),
        price_unit=D("11178.65"),
        discount=D(10),
        taxes=(percent(1, "21"),),
    )

    totals = predict_document([line], MODERN_GLOBAL, 2)

    assert totals.untaxed == D("10060.79")


def test_price_unit_is_stored_with_product_price_digits() -> None:
    line = DocumentLine(quantity=D(10), price_unit=D("1.234"))

    assert predict_document([line], MODERN, 2).untaxed == D("12.30")


def test_for_odoo_picks_the_engine_by_version() -> None:
    assert RoundingConfig.for_odoo(16).engine == "legacy"
    assert RoundingConfig.for_odoo(17).engine == "legacy"
    assert RoundingConfig.for_odoo(18).engine == "modern"
    assert RoundingConfig.for_odoo(19).global_untaxed == "mixed"
    with pytest.raises(ValueError, match="not supported"):
        RoundingConfig.for_odoo(15)


def test_group_without_children_is_refused() -> None:
    with pytest.raises(ValueError, match="group needs children"):
        TaxDefinition(id=1, name="empty", amount_type="group")


@pytest.mark.parametrize("config", [MODERN, LEGACY])
def test_included_base_amount_tax_feeds_the_next_tax_in_both_engines(
    config: RoundingConfig,
) -> None:
    taxes = (
        percent(1, "6", price_include=True, include_base_amount=True, sequence=1),
        percent(2, "3", sequence=2),
    )

    untaxed, tax, total = one_line("112", taxes, config)

    assert (untaxed, tax, total) == (D("105.66"), D("9.70"), D("115.36"))


def test_legacy_excluded_base_amount_tax_raises_the_base_of_the_next() -> None:
    taxes = (
        percent(1, "10", include_base_amount=True, sequence=1),
        percent(2, "10", sequence=2),
    )

    result = legacy_line_taxes(
        taxes, price_unit=D(100), quantity=D(1), digits=2, per_line=True
    )

    assert [item.amount for item in result.taxes] == [D(10), D(11)]
    assert result.total_included == D(121)


# -- invariants ---------------------------------------------------------------------

MODERN_GLOBAL_19 = RoundingConfig.for_odoo(19, rounding="round_globally")
CONFIGS = [MODERN, MODERN_GLOBAL, MODERN_GLOBAL_19, LEGACY, LEGACY_GLOBAL]


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(-(10**7), 10**7),
    quantity=st.integers(1, 50),
    rate=st.sampled_from(["5", "5.5", "7", "10", "19", "20", "21", "25"]),
    digits=st.sampled_from([0, 2, 3]),
    config=st.sampled_from(CONFIGS),
)
def test_single_tax_invariants_hold_for_every_engine_and_currency(
    units: int, quantity: int, rate: str, digits: int, config: RoundingConfig
) -> None:
    price = D(units).scaleb(-digits)
    config = config.model_copy(update={"price_digits": max(digits, 2)})
    gross = round_to(price * quantity, digits)
    excluded = DocumentLine(
        quantity=D(quantity), price_unit=price, taxes=(percent(1, rate),)
    )
    included = DocumentLine(
        quantity=D(quantity),
        price_unit=price,
        taxes=(percent(2, rate, price_include=True),),
    )

    out = predict_document([excluded], config, digits)
    inside = predict_document([included], config, digits)

    # Price-excluded: the base is the rounded line, the tax its rounded share.
    assert out.untaxed == gross
    assert out.tax == round_to(gross * D(rate) / 100, digits)
    # Price-included: one line's untaxed and tax add up to the price paid, except
    # in Odoo 18's global rounding, which rounds both apart (2.5 + 0.5 -> 3 + 1).
    odoo_18_global = (
        config.engine == "modern"
        and not config.per_line
        and config.global_untaxed == "excluded"
    )
    if odoo_18_global:
        assert abs(inside.total - gross) <= D(1).scaleb(-digits)
    else:
        assert inside.total == gross
    assert abs(inside.untaxed - gross * 100 / (100 + D(rate))) <= D(1).scaleb(-digits)


@settings(max_examples=100, deadline=None)
@given(
    prices=st.lists(st.integers(1, 10**6), min_size=1, max_size=8),
    rate=st.sampled_from(["7", "16", "19", "21"]),
)
def test_global_rounding_tax_is_the_rounded_sum_of_raw_line_taxes(
    prices: list[int], rate: str
) -> None:
    tax = percent(1, rate)
    lines = [
        DocumentLine(quantity=D(1), price_unit=D(p).scaleb(-2), taxes=(tax,))
        for p in prices
    ]
    raw = sum(D(p).scaleb(-2) for p in prices)

    totals = predict_document(lines, MODERN_GLOBAL, 2)
    per_line = predict_document(lines, MODERN, 2)

    assert totals.tax == round_to(raw * D(rate) / 100, 2)
    assert abs(totals.tax - per_line.tax) <= D("0.01") * len(prices)


def test_legacy_16_and_17_differ_when_the_next_tax_refuses_base_changes() -> None:
    taxes = (
        percent(1, "5.5", price_include=True, include_base_amount=True),
        percent(2, "12", price_include=True, is_base_affected=False, sequence=2),
    )

    def run(version: int) -> tuple[Decimal, Decimal]:
        line = legacy_line_taxes(
            taxes,
            price_unit=D("0.30"),
            quantity=D(1),
            digits=2,
            per_line=True,
            version=version,
        )
        return line.total_excluded, line.total_included

    # 16 strips 12% first, then 5.5%; 17 strips both in one run (divisor 1.175).
    assert run(16) == (D("0.25"), D("0.30"))
    assert run(17) == (D("0.26"), D("0.29"))


def test_legacy_16_adds_included_fixed_taxes_where_17_keeps_the_last() -> None:
    taxes = (
        fixed(1, "1", price_include=True),
        fixed(2, "2", price_include=True, sequence=2),
    )

    def untaxed(version: int) -> Decimal:
        return legacy_line_taxes(
            taxes,
            price_unit=D(10),
            quantity=D(1),
            digits=2,
            per_line=True,
            version=version,
        ).total_excluded

    assert untaxed(16) == D(7)
    assert untaxed(17) == D(9)
