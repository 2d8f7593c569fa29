"""Money: exact amounts, explicit rounding, currencies kept apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.money import CurrencyMismatchError, Money, MoneyBag, minor_units

CURRENCIES = ["EUR", "USD", "JPY", "KWD", "CLF"]


def test_minor_units_follow_iso_4217() -> None:
    assert [minor_units(c) for c in ["EUR", "JPY", "KWD", "CLF", "usd"]] == [
        2,
        0,
        3,
        4,
        2,
    ]


def test_float_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="float"):
        Money.of(0.1, "EUR")


def test_text_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="not a decimal"):
        Money.of("12,50", "EUR")


def test_currency_must_be_an_iso_code() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.of("1", "EURO")


def test_rounding_is_half_away_from_zero_per_currency() -> None:
    assert Money.of("2.675", "EUR").rounded() == Money.of("2.68", "EUR")
    assert Money.of("-2.675", "EUR").rounded() == Money.of("-2.68", "EUR")
    assert Money.of("1234.5", "JPY").rounded() == Money.of("1235", "JPY")
    assert Money.of("1.0005", "KWD").rounded() == Money.of("1.001", "KWD")


def test_adding_two_currencies_fails() -> None:
    with pytest.raises(CurrencyMismatchError):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_to_minor_refuses_extra_digits() -> None:
    with pytest.raises(ValueError, match="more digits"):
        Money.of("1.005", "EUR").to_minor()


def test_json_form_is_decimal_string_and_code() -> None:
    assert Money.of("10.50", "EUR").as_json() == {"amount": "10.50", "currency": "EUR"}
    assert Money.model_validate_json('{"amount":"3.10","currency":"eur"}') == Money.of(
        "3.10", "EUR"
    )


def test_bag_adds_each_side_in_its_own_currency() -> None:
    a = MoneyBag(shop=Money.of("10", "EUR"), presentment=Money.of("11.20", "USD"))
    total = a + a
    assert total.shop == Money.of("20", "EUR")
    assert total.side("presentment") == Money.of("22.40", "USD")


@given(
    units=st.integers(min_value=-(10**12), max_value=10**12),
    currency=st.sampled_from(CURRENCIES),
)
def test_minor_units_round_trip(units: int, currency: str) -> None:
    assert Money.from_minor(units, currency).to_minor() == units


@given(
    amounts=st.lists(
        st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False),
        max_size=20,
    ),
    currency=st.sampled_from(CURRENCIES),
)
def test_total_is_exact_sum(amounts: list[Decimal], currency: str) -> None:
    total = Money.total((Money.of(a, currency) for a in amounts), currency)
    assert total.amount == sum(amounts, Decimal(0))
    assert abs(total.rounded().amount - total.amount) <= Decimal("0.5") * Decimal(
        1
    ).scaleb(-minor_units(currency))


_FINITE = st.decimals(allow_nan=False, allow_infinity=False, places=None)


@given(
    amounts=st.tuples(_FINITE, _FINITE),
    currencies=st.tuples(st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES)),
)
def test_checked_money_and_bags_equal_the_validated_ones_to_the_byte(
    amounts: tuple[Decimal, Decimal], currencies: tuple[str, str]
) -> None:
    shop = Money.checked(amounts[0], currencies[0])
    shown = Money.checked(amounts[1], currencies[1])
    validated = MoneyBag(
        shop=Money(amount=amounts[0], currency=currencies[0]),
        presentment=Money(amount=amounts[1], currency=currencies[1]),
    )

    bag = MoneyBag.checked(shop, shown)

    assert bag == validated
    assert hash(bag) == hash(validated)
    assert repr(bag) == repr(validated)
    assert type(bag.shop.amount) is Decimal
    assert str(bag.shop.amount) == str(validated.shop.amount)
    assert shop.as_json() == validated.shop.as_json()
    with pytest.raises(AttributeError, match="immutable"):
        shop.amount = Decimal(1)
