"""CAMT.052/053/054: the public samples with their quirks, and synthetic edge cases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.bank import collect, parse_statement_file
from connectors.bank.camt import read_camt
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import ReferenceKind
from tests.connectors.bank.builders import (
    camt_document,
    camt_entry,
    local_fixture,
    write,
)


def shared(folder: Path, name: str) -> Path:
    path = folder / "bank" / name
    if not path.exists():
        pytest.skip(f"{path} is absent (AGPL/GPL sample read in place)")
    return path


# -- the public samples ------------------------------------------------------


def test_abnamro_v02_plain_status_reversal_and_batch_expanded(
    shared_fixtures: Path,
) -> None:
    (statement,) = parse_statement_file(
        shared(shared_fixtures, "camt053v02_abnamro_nl_oca.xml")
    )

    assert statement.source_format == "camt.053.001.02"
    assert statement.account == "NL77ABNA0574908765"
    amounts = [line.amount.amount for line in statement.lines]
    # 3 entries, 4 TxDtls: the reversed batch of 664.05 became 564.05 + 100.00.
    assert amounts == [
        Decimal("-754.25"),
        Decimal("-564.05"),
        Decimal("-100.00"),
        Decimal("1405.31"),
    ]
    assert [line.reversal for line in statement.lines] == [False, True, True, False]
    first = statement.lines[0]
    assert first.end_to_end_id == "435005714488-ABNO33052620"
    assert first.mandate_id == "1880000341866"
    assert first.counterparty_name == "INSURANCE COMPANY TESTX"
    assert first.counterparty_iban == "NL46ABNA0499998748"
    assert first.counterparty_iban_valid is False  # sample IBAN, bad check digits
    assert first.bank_transaction_code == "PMNT/RDDT/ESDD"
    assert statement.lines[3].counterparty_name == "3rd party Media"


def test_abnamro_v02_trimmed_sample_reports_its_balance_gap(
    shared_fixtures: Path,
) -> None:
    (statement,) = parse_statement_file(
        shared(shared_fixtures, "camt053v02_abnamro_nl_oca.xml")
    )

    problems = statement.check_balance()

    assert len(problems) == 1
    assert "difference -434.16 EUR" in problems[0]


def test_postfinance_v04_batch_split_and_invalid_isr_flagged(
    shared_fixtures: Path,
) -> None:
    (statement,) = parse_statement_file(
        shared(shared_fixtures, "camt053v04_postfinance_batch_oca.xml")
    )

    assert [line.amount for line in statement.lines] == [
        Money.of("2187.00", "CHF"),
        Money.of("1296.00", "CHF"),
    ]
    references = [line.structured_reference for line in statement.lines]
    assert [r.kind for r in references if r] == [ReferenceKind.QRR] * 2
    assert [r.valid for r in references if r] == [False, True]
    assert references[0] and references[0].text == "302388292000011111111111111"
    assert statement.lines[0].counterparty_bic == "POFICHBEXXX"
    assert statement.check_balance() == []
    # Both details carry the same AcctSvcrRef; the ids stay distinct per line.
    assert len({line.import_id for line in statement.lines}) == 2


def test_raiffeisen_without_txdtls_uses_entry_text_and_tz_dates(
    shared_fixtures: Path,
) -> None:
    (statement,) = parse_statement_file(
        shared(shared_fixtures, "camt053v04_raiffeisen_ch_no_txdtls.xml")
    )

    assert len(statement.lines) == 16
    second = statement.lines[1]
    assert second.remittance == (
        "Acquisto MIGROS M ARBEDO-CAST 31.03.2017/13:30 / N. carta Maestro xxxxxxxx"
    )
    assert str(second.booking_date) == "2017-04-01"
    assert statement.lines[0].amount == Money.of("-905.30", "CHF")
    assert statement.lines[2].amount.amount == Decimal("-38.00")
    assert statement.check_balance() == []


def test_v08_status_code_form_and_party_nesting(shared_fixtures: Path) -> None:
    (statement,) = parse_statement_file(
        shared(shared_fixtures, "camt053v08_ch_redacted.xml")
    )

    (line,) = statement.lines
    assert statement.source_format == "camt.053.001.08"
    assert line.amount == Money.of("1284.30", "CHF")
    assert line.counterparty_name == "PAYEE"
    assert line.end_to_end_id == "9502830971"
    assert statement.check_balance() == []


def test_camt054_qrr_with_invalid_check_digit_kept_and_flagged(
    shared_fixtures: Path,
) -> None:
    (notice,) = parse_statement_file(shared(shared_fixtures, "camt054v04_qrr_oca.xml"))

    (line,) = notice.lines
    assert notice.source_format == "camt.054.001.04"
    assert notice.opening_balance is None and notice.closing_balance is None
    assert line.structured_reference is not None
    assert line.structured_reference.text == "000000000000000000000000003"
    assert line.structured_reference.kind is ReferenceKind.QRR
    assert line.structured_reference.valid is False
    assert notice.check_balance() == []


def test_genkgo_v08_othr_account_zero_detail_and_mixed_balances() -> None:
    (statement,) = parse_statement_file(
        local_fixture("camt053v08_synthetic_edgecases_genkgo.xml")
    )

    (line,) = statement.lines
    assert statement.account == "NL26VAYB8060476890"
    # TxDtls says 0 SEK: the entry's 8.85 EUR is what was booked.
    assert line.amount == Money.of("8.85", "EUR")
    assert line.original_amount is None
    assert line.structured_reference is not None
    assert line.structured_reference.kind is ReferenceKind.OGM  # issuer BBA
    assert line.structured_reference.valid is False
    assert statement.check_balance() == [
        "closing balance is in SEK, the statement in EUR"
    ]


# -- synthetic edge cases ----------------------------------------------------


def test_only_booked_entries_are_applied(tmp_path: Path) -> None:
    entries = [
        camt_entry("10.00", reference="A"),
        camt_entry("20.00", status="<Sts>PDNG</Sts>", reference="B"),
        camt_entry("30.00", status="<Sts><Cd>BOOK</Cd></Sts>", reference="C"),
        camt_entry("40.00", status="<Sts><Cd>INFO</Cd></Sts>", reference="D"),
    ]
    path = write(tmp_path, "s.xml", camt_document(entries, closing="140.00"))

    (statement,) = parse_statement_file(path)

    assert [line.import_id for line in statement.lines] == ["b:A", "b:C"]
    assert statement.check_balance() == []


def test_foreign_currency_instructed_amount_rate_and_charges(tmp_path: Path) -> None:
    details = (
        "<TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs>"
        "<AmtDtls><InstdAmt><Amt Ccy='USD'>110.00</Amt>"
        "<CcyXchg><SrcCcy>USD</SrcCcy><TrgtCcy>EUR</TrgtCcy>"
        "<XchgRate>0.9000</XchgRate></CcyXchg></InstdAmt></AmtDtls>"
        "<Chrgs><Rcrd><Amt Ccy='EUR'>1.50</Amt></Rcrd>"
        "<Rcrd><Amt Ccy='EUR'>0.50</Amt></Rcrd></Chrgs>"
        "<RmtInf><Ustrd>Invoice 2024-17 part one</Ustrd><Ustrd>and part two</Ustrd>"
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        "<Ref>RF18 5390 0754 7034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"
    )
    entry = camt_entry("97.00", details=details, reference="FX1")
    path = write(tmp_path, "fx.xml", camt_document([entry], closing="197.00"))

    (statement,) = parse_statement_file(path)

    (line,) = statement.lines
    assert line.amount == Money.of("97.00", "EUR")
    assert line.original_amount == Money.of("110.00", "USD")
    assert line.exchange_rate == Decimal("0.9000")
    assert line.charges == Money.of("2.00", "EUR")
    assert line.remittance == "Invoice 2024-17 part one and part two"
    assert line.structured_reference is not None
    assert line.structured_reference.text == "RF18539007547034"
    assert line.structured_reference.kind is ReferenceKind.RF
    assert line.structured_reference.valid is True


def test_batch_whose_details_do_not_add_up_stays_one_line(tmp_path: Path) -> None:
    details = (
        "<TxDtls><Amt Ccy='EUR'>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>"
        "<TxDtls><Amt Ccy='EUR'>15.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>"
    )
    entry = camt_entry("30.00", details=details, reference="BATCH")
    path = write(tmp_path, "b.xml", camt_document([entry], closing="130.00"))

    (statement,) = parse_statement_file(path)

    assert [line.amount.amount for line in statement.lines] == [Decimal("30.00")]


def test_debit_reversal_entry_is_signed_by_its_indicator(tmp_path: Path) -> None:
    entry = camt_entry(
        "25.00", indicator="DBIT", extra="<RvslInd>true</RvslInd>", reference="R"
    )
    path = write(tmp_path, "r.xml", camt_document([entry], closing="75.00"))

    (statement,) = parse_statement_file(path)

    assert statement.lines[0].amount == Money.of("-25.00", "EUR")
    assert statement.lines[0].reversal is True
    assert statement.check_balance() == []


@pytest.mark.parametrize("version", ["052.001.02", "053.001.06", "054.001.08"])
def test_every_message_kind_and_version_reads_alike(
    tmp_path: Path, version: str
) -> None:
    path = write(
        tmp_path,
        "v.xml",
        camt_document([camt_entry("5.00", reference="X")], version=version),
    )

    (statement,) = parse_statement_file(path)

    assert statement.source_format == f"camt.{version}"
    assert statement.lines[0].amount == Money.of("5.00", "EUR")


def test_file_without_namespace_reads_by_local_name(tmp_path: Path) -> None:
    text = camt_document([camt_entry("5.00", reference="X")]).replace(
        ' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"', ""
    )
    path = write(tmp_path, "plain.xml", text)

    (statement,) = parse_statement_file(path)

    assert statement.source_format == "camt.053"
    assert len(statement.lines) == 1


def test_amounts_are_exact_decimals(tmp_path: Path) -> None:
    entries = [camt_entry("0.10", reference=f"R{n}") for n in range(3)]
    path = write(tmp_path, "d.xml", camt_document(entries, closing="100.30"))

    (statement,) = parse_statement_file(path)

    assert all(type(line.amount.amount) is Decimal for line in statement.lines)
    assert statement.check_balance() == []  # 0.1 * 3 == 0.3 exactly


# -- failures ----------------------------------------------------------------


def test_broken_xml_halfway_names_the_line(tmp_path: Path) -> None:
    text = camt_document([camt_entry("1.00", reference="A")] * 3)
    broken = text.replace("</Ntry><Ntry>", "</Ntry>\n<Ntry>", 2)
    broken = broken[: broken.rindex("<Ntry>")] + "<Ntry><Amt>oops</Stmt>"
    path = write(tmp_path, "broken.xml", broken)

    with pytest.raises(PayloadError) as caught:
        collect(read_camt(path))

    assert caught.value.where is not None and "line" in caught.value.where


def test_unreadable_amount_names_the_entry(tmp_path: Path) -> None:
    entries = [camt_entry("1.00", reference="A"), camt_entry("1,0x", reference="B")]
    path = write(tmp_path, "amount.xml", camt_document(entries))

    with pytest.raises(PayloadError) as caught:
        collect(read_camt(path))

    assert caught.value.where is not None and "Ntry 2" in caught.value.where


def test_xml_that_is_not_camt_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "other.xml", "<?xml version='1.0'?><Invoice/>")

    with pytest.raises(PayloadError, match="not a CAMT"):
        collect(read_camt(path))
