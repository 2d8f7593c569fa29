"""The canonical statement: lines, balance check, exact amounts, stable ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from o2c.money import Money
from o2c.statements import (
    Statement,
    StatementLine,
    balance_problems,
    exact_money,
    hashed_import_id,
)


def line(amount: str, currency: str = "EUR", **fields: object) -> StatementLine:
    values: dict[str, object] = {
        "account": "DE89370400440532013000",
        "booking_date": date(2024, 5, 2),
        "amount": Money.of(amount, currency),
        "import_id": f"b:{amount}",
    }
    values.update(fields)
    return StatementLine.model_validate(values)


def statement(
    opening: str | None, closing: str | None, *amounts: str, currency: str = "EUR"
) -> Statement:
    return Statement(
        account="DE89370400440532013000",
        currency="EUR",
        source_format="test",
        opening_balance=Money.of(opening, currency) if opening else None,
        closing_balance=Money.of(closing, currency) if closing else None,
        lines=tuple(line(amount) for amount in amounts),
    )


def test_statement_whose_lines_explain_the_balance_has_no_problem() -> None:
    #            opening   closing   credit   debit    reversal
    assert (
        statement("100.00", "150.25", "75.25", "-30.00", "5.00").check_balance() == []
    )


def test_one_cent_off_is_reported_with_the_difference() -> None:
    problems = statement("100.00", "150.26", "50.25").check_balance()

    assert problems == [
        "opening 100.00 EUR + lines 50.25 EUR = 150.25 EUR, but the closing balance "
        "is 150.26 EUR (difference 0.01 EUR)"
    ]


def test_missing_balances_leave_nothing_to_check() -> None:
    assert statement(None, None, "1.00").check_balance() == []
    assert statement("1.00", None, "1.00").check_balance() == []


def test_balance_in_another_currency_is_a_problem_not_an_exception() -> None:
    problems = statement("1.00", "2.00", "1.00", currency="SEK").check_balance()

    assert problems == [
        "opening balance is in SEK, the statement in EUR",
        "closing balance is in SEK, the statement in EUR",
    ]


def test_line_in_another_currency_is_reported_with_its_position() -> None:
    mixed = statement("1.00", "2.00").model_copy(
        update={"lines": (line("1.00"), line("1.00", "USD"))}
    )

    assert mixed.check_balance() == ["line 2 (b:1.00) is in USD, the statement in EUR"]


def test_line_is_immutable_and_refuses_unknown_fields() -> None:
    booked = line("1.00")

    with pytest.raises(ValidationError):
        booked.amount = Money.of("2.00", "EUR")  # type: ignore[misc]
    with pytest.raises(ValidationError):
        line("1.00", colour="blue")


def test_exact_money_pads_to_the_minor_unit_and_keeps_extra_digits() -> None:
    assert str(exact_money(Decimal("905.3"), "CHF")) == "905.30 CHF"
    assert str(exact_money(Decimal("38"), "CHF")) == "38.00 CHF"
    assert str(exact_money(Decimal("1000"), "JPY")) == "1000 JPY"
    assert str(exact_money(Decimal("1.2345"), "EUR")) == "1.2345 EUR"


def test_hashed_import_id_is_stable_and_position_sensitive() -> None:
    first = hashed_import_id("mt940", "S1", 1, date(2024, 5, 2), Decimal("1.00"))
    again = hashed_import_id("mt940", "S1", 1, date(2024, 5, 2), Decimal("1.00"))
    other = hashed_import_id("mt940", "S1", 2, date(2024, 5, 2), Decimal("1.00"))

    assert first == again != other
    assert first.startswith("h:") and len(first) == 34


def test_hashed_import_id_separates_its_parts() -> None:
    assert hashed_import_id("ab", "c") != hashed_import_id("a", "bc")


cents = st.integers(min_value=-10_000_000, max_value=10_000_000)


@given(opening=cents, movements=st.lists(cents, max_size=40))
def test_opening_plus_lines_equals_closing_to_the_cent(
    opening: int, movements: list[int]
) -> None:
    open_money = Money.from_minor(opening, "EUR")
    lines = [Money.from_minor(units, "EUR") for units in movements]
    movement = Money.total(lines, "EUR")
    balanced = Statement(
        account="A",
        currency="EUR",
        source_format="test",
        opening_balance=open_money,
        closing_balance=open_money + movement,
    )
    off_by_one = balanced.model_copy(
        update={"closing_balance": open_money + movement + Money.from_minor(1, "EUR")}
    )

    assert balance_problems(balanced, movement) == []
    assert len(balance_problems(off_by_one, movement)) == 1


@given(units=st.lists(cents, min_size=1, max_size=30))
def test_sum_of_exact_lines_never_drifts(units: list[int]) -> None:
    lines = [exact_money(Decimal(u).scaleb(-2), "EUR") for u in units]

    total = Money.total(lines, "EUR")

    assert total.to_minor() == sum(units)
