"""OFX through ofxparse, leniently: spec-breaking files still import every line."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.bank import parse_statement_file
from o2c.errors import PayloadError
from o2c.money import Money
from tests.connectors.bank.builders import local_fixture, write


def test_ten_digit_bankid_file_parses_with_exact_amounts() -> None:
    (statement,) = parse_statement_file(
        local_fixture("ofx102_checking_long_bankid.ofx")
    )

    assert statement.currency == "USD"
    assert [line.amount for line in statement.lines] == [
        Money.of("0.01", "USD"),
        Money.of("-34.51", "USD"),
        Money.of("-25.00", "USD"),
    ]
    assert statement.closing_balance == Money.of("100.99", "USD")
    assert [line.import_id for line in statement.lines] == [
        "b:0000486",
        "b:0000487",
        "b:0000488",
    ]


def test_empty_tags_entry_discarded_by_ofxparse_is_recovered() -> None:
    (statement,) = parse_statement_file(
        local_fixture("ofx102_empty_tags_blank_header.ofx")
    )

    (line,) = statement.lines
    # CURDEF is empty: the currency comes from the line's own CURRENCY/CURSYM.
    assert line.amount == Money.of("12.34", "AUD")
    assert line.remittance == "CBA:Transfer"
    assert str(line.booking_date) == "2018-05-07"
    assert line.import_id.startswith("h:")  # empty FITID: a hashed id


def test_discarded_entry_without_amount_fails_the_file(tmp_path: Path) -> None:
    text = local_fixture("ofx102_empty_tags_blank_header.ofx").read_text()
    path = write(tmp_path, "noamount.ofx", text.replace("<TRNAMT>12.34</TRNAMT>", ""))

    with pytest.raises(PayloadError):
        parse_statement_file(path)
