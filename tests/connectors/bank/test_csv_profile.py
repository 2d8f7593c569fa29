"""CSV exports read through configured profiles."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import CsvProfile
from connectors.bank import parse_statement_file
from o2c.errors import ConfigurationError, PayloadError
from o2c.money import Money
from tests.connectors.bank.builders import write

GERMAN = CsvProfile(
    name="sparkasse",
    delimiter=";",
    encoding="cp1252",
    date_column="Buchungstag",
    date_format="%d.%m.%Y",
    amount_column="Betrag",
    decimal_separator=",",
    thousands_separator=".",
    description_column="Verwendungszweck",
    counterparty_column="Beguenstigter",
    iban_column="IBAN",
    currency="EUR",
    account="DE89370400440532013000",
)
SPLIT = CsvProfile(
    name="split",
    date_column="date",
    debit_column="debit",
    credit_column="credit",
    reference_column="reference",
    id_column="id",
    currency="USD",
    account="ACC-1",
)


def test_signed_amount_profile_with_german_separators(tmp_path: Path) -> None:
    text = (
        "Buchungstag;Betrag;Verwendungszweck;Beguenstigter;IBAN\n"
        "02.05.2024;1.234,56;Rechnung Nr. 17 Größe;Müller KG;DE89370400440532013000\n"
        "03.05.2024;-9,90;Gebühr;;\n"
    )
    path = write(tmp_path, "umsatz.csv", text, encoding="cp1252")

    (statement,) = parse_statement_file(path, csv_profiles=[GERMAN])

    assert [line.amount for line in statement.lines] == [
        Money.of("1234.56", "EUR"),
        Money.of("-9.90", "EUR"),
    ]
    assert statement.lines[0].counterparty_name == "Müller KG"
    assert statement.lines[0].counterparty_iban_valid is True
    assert statement.source_format == "csv:sparkasse"


def test_debit_and_credit_columns_and_bank_ids(tmp_path: Path) -> None:
    text = (
        "date,debit,credit,reference,id\n"
        "2024-05-02,,100.00,RF18 5390 0754 7034,T1\n"
        "2024-05-03,25.50,,,T2\n"
    )
    path = write(tmp_path, "split.csv", text)

    (statement,) = parse_statement_file(path, csv_profiles=[GERMAN, SPLIT])

    assert [line.amount.amount for line in statement.lines] == [
        Decimal("100.00"),
        Decimal("-25.50"),
    ]
    assert [line.import_id for line in statement.lines] == ["b:T1", "b:T2"]
    reference = statement.lines[0].structured_reference
    assert reference is not None and reference.valid is True


def test_bad_row_names_its_line(tmp_path: Path) -> None:
    text = "date,debit,credit,reference,id\n2024-05-02,,1.00,,A\n2024-13-40,,2,,B\n"
    path = write(tmp_path, "bad.csv", text)

    with pytest.raises(PayloadError) as caught:
        parse_statement_file(path, csv_profiles=[SPLIT])

    assert caught.value.where == "bad.csv: line 3"


def test_no_matching_profile_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "other.csv", "a,b\n1,2\n")

    with pytest.raises(PayloadError, match="no CSV profile matches"):
        parse_statement_file(path, csv_profiles=[GERMAN, SPLIT])


def test_profile_without_amount_columns_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    profile = CsvProfile(name="x", date_column="d", currency="EUR", account="A")
    path = write(tmp_path, "x.csv", "d\n2024-01-01\n")

    with pytest.raises(ConfigurationError):
        parse_statement_file(path, csv_profiles=[profile])
