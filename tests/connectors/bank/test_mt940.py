"""MT940 through mt-940 with Options.all(): the public samples and their quirks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import mt940
import pytest

from connectors.bank import collect, parse_statement_file
from connectors.bank.swift_mt940 import read_mt940
from o2c.errors import PayloadError
from o2c.money import Money
from tests.connectors.bank.builders import local_fixture, write


def test_german_sepa_file_has_26_statements_that_all_reconcile() -> None:
    statements = parse_statement_file(
        local_fixture("mt940_de_sepa_multi_statement.sta")
    )

    assert len(statements) == 26
    assert sum(len(s.lines) for s in statements) == 97
    assert [s.check_balance() for s in statements] == [[]] * 26


def test_german_sepa_file_breaks_with_mt940_defaults() -> None:
    """The quirk itself: the library's default signs RC positive."""
    path = local_fixture("mt940_de_sepa_multi_statement.sta")
    failing = 0
    for block in mt940.parse_statements(str(path)):
        opening = block.data.get("final_opening_balance")
        closing = block.data.get("final_closing_balance")
        if opening is None or closing is None:
            continue
        total = opening.amount.amount + sum(t.data["amount"].amount for t in block)
        failing += total != closing.amount.amount

    assert failing == 2


def test_reversal_of_credit_is_negative_and_flagged() -> None:
    statements = parse_statement_file(
        local_fixture("mt940_de_sepa_multi_statement.sta")
    )

    reversal = statements[0].lines[5]
    assert reversal.reversal is True
    assert reversal.amount == Money.of("-204.88", "EUR")
    assert reversal.bank_transaction_code == "NRTI/079"


def test_german_subfields_give_eref_name_iban_bic_and_purpose() -> None:
    statements = parse_statement_file(
        local_fixture("mt940_de_sepa_multi_statement.sta")
    )

    line = statements[1].lines[0]
    assert line.amount == Money.of("15000.05", "EUR")
    assert line.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert line.counterparty_iban == "DE42100100100043921105"
    assert line.counterparty_iban_valid is True
    assert line.counterparty_bic == "PBNKDEFF100"
    assert line.counterparty_name == (
        "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    )
    assert line.remittance is not None
    assert line.remittance.startswith("TO 13 TFNr 20004 Eingangskanal Mint")
    assert line.bank_reference == "0724710290621954"
    assert line.import_id == "b:0724710290621954"


def test_rabobank_structured_fields_and_wrapped_name() -> None:
    first, second = parse_statement_file(
        local_fixture("mt940_nl_rabobank_structured86.sta")
    )

    line = first.lines[0]
    assert line.end_to_end_id == "01-01-2013 12:00 0030000987654321"
    assert line.counterparty_name == "CONTRA ACCOUNT HOLDER"  # wrapped mid-word
    assert line.counterparty_iban == "NL70ABNA0987654321"  # from the :61: line
    assert first.lines[1].remittance == "Reference 201301234"
    assert first.check_balance() == [] and second.check_balance() == []


def test_triodos_gt_subfields_read_like_german_ones() -> None:
    (statement,) = parse_statement_file(
        local_fixture("mt940_nl_triodos_gt_subfields.sta")
    )

    assert statement.lines[0].remittance == (
        "ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010 TOT EN MET 31-12-2010"
    )
    assert statement.lines[0].counterparty_iban == "0390123456"
    assert statement.lines[0].counterparty_iban_valid is None  # not an IBAN
    assert statement.lines[1].remittance == "HUUR KANTOOR - FEB 2010"


def test_abn_amro_free_text_gives_giro_party_and_payment_reference() -> None:
    statements = parse_statement_file(local_fixture("mt940_nl_abnamro_freetext86.sta"))

    assert len(statements) == 2
    line = statements[0].lines[0]
    assert line.counterparty_name == "KPN - DIGITENNE"
    assert line.counterparty_iban == "428428"
    assert line.structured_reference is not None
    assert line.structured_reference.text == "000000042188659"
    assert line.remittance is not None and "BETREFT FACTUUR" in line.remittance
    assert statements[0].lines[6].amount == Money.of("-107.00", "EUR")


def test_asn_long_customer_reference_parses_with_asnb_tag() -> None:
    path = local_fixture("mt940_nl_asn_long_custref.txt")
    with pytest.raises(RuntimeError):
        mt940.parse(str(path), options=mt940.Options.all())  # the quirk

    statements = parse_statement_file(path)

    lines = [line for s in statements for line in s.lines]
    assert len(lines) == 8
    assert lines[0].counterparty_iban == "NL47INGB9999999999"
    assert lines[0].counterparty_name == "hr gjlm paulissen"
    assert lines[0].remittance == "Betaling sieraden"
    assert all(s.check_balance() == [] for s in statements)


def test_amounts_are_exact_decimals() -> None:
    statements = parse_statement_file(
        local_fixture("mt940_de_sepa_multi_statement.sta")
    )

    amounts = [line.amount.amount for s in statements for line in s.lines]
    assert all(type(amount) is Decimal for amount in amounts)
    assert Decimal("915311.55") in amounts


def test_statement_that_does_not_parse_names_its_line(tmp_path: Path) -> None:
    good = (
        ":20:REF1\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C240501EUR100,00\n"
        ":61:2405010501C10,00NTRFNONREF\n:86:fine\n:62F:C240501EUR110,00\n-\n"
    )
    bad = good.replace("REF1", "REF2").replace(":61:2405010501C10,00", ":61:XX")
    path = write(tmp_path, "two.sta", good + bad)

    with pytest.raises(PayloadError) as caught:
        collect(read_mt940(path))

    assert caught.value.where == "two.sta: line 9"


def test_file_without_statement_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.sta", "nothing here\n")

    with pytest.raises(PayloadError, match="no :20:"):
        collect(read_mt940(path))


def test_lines_without_any_balance_fail_rather_than_vanish(tmp_path: Path) -> None:
    text = ":20:REF1\n:25:DE89370400440532013000\n:61:2405010501C10,00NTRFNONREF\n"
    path = write(tmp_path, "nobalance.sta", text)

    with pytest.raises(PayloadError, match="no balance"):
        collect(read_mt940(path))
