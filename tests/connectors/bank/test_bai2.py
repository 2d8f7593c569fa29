"""BAI2: implied decimals, groups, type-code signs, continuation text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.bank import parse_statement_file
from connectors.bank.bai2_file import text_pairs
from o2c.errors import PayloadError
from o2c.money import Money
from tests.connectors.bank.builders import local_fixture, write


def test_svb_two_groups_become_two_reconciled_statements() -> None:
    first, second = parse_statement_file(local_fixture("bai2_svb_us_two_groups.bai2"))

    # 490196 with implied decimals is 4,901.96 USD.
    assert first.lines[0].amount == Money.of("4901.96", "USD")
    assert second.lines[0].amount == Money.of("9058.00", "USD")
    assert first.opening_balance == Money.of("347269.79", "USD")
    assert first.check_balance() == [] and second.check_balance() == []
    assert first.lines[0].bank_transaction_code == "142"
    assert first.lines[0].remittance == "SOME PAYMENT ACH OFFSET"


def test_citi_wire_text_is_kept_and_tokenised() -> None:
    (statement,) = parse_statement_file(local_fixture("bai2_citi_fedwire_text.bai2"))

    (line,) = statement.lines
    assert line.amount == Money.of("0.01", "GBP")
    assert line.end_to_end_id == "RP12312312312312"
    assert line.counterparty_name == "DOE JO"
    assert line.remittance is not None and "BARCLAYS BANK PLC" in line.remittance
    # The sample's balances do not move by the 0.01 credit: reported, not raised.
    assert statement.check_balance() == [
        "opening 100.00 GBP + lines 0.01 GBP = 100.01 GBP, but the closing balance "
        "is 100.00 GBP (difference -0.01 GBP)"
    ]


def test_text_pairs_split_on_keys() -> None:
    pairs = text_pairs("FR:FP SIP INCOMING ENDT:20150715 BO1:DOE JO")

    assert pairs == {"FR": "FP SIP INCOMING", "ENDT": "20150715", "BO1": "DOE JO"}


def test_debit_type_code_is_negative_and_exact(tmp_path: Path) -> None:
    text = (
        "01,SENDER,RECEIVER,240501,0800,1,,,2/\n"
        "02,RECEIVER,BANK,1,240501,,USD,2/\n"
        "03,555,USD,010,10000,,,015,8766,,/\n"
        "16,475,1234,,REF1,CHK1/\n"
        "49,20000,3/\n"
        "98,20000,1,5/\n"
        "99,20000,1,7/\n"
    )
    path = write(tmp_path, "debit.bai2", text)

    (statement,) = parse_statement_file(path)

    assert statement.lines[0].amount == Money.of("-12.34", "USD")
    assert type(statement.lines[0].amount.amount) is Decimal
    assert statement.check_balance() == []


def test_control_total_mismatch_is_refused(tmp_path: Path) -> None:
    text = (
        "01,SENDER,RECEIVER,240501,0800,1,,,2/\n"
        "02,RECEIVER,BANK,1,240501,,USD,2/\n"
        "03,555,USD,010,10000,,,015,8766,,/\n"
        "16,475,1234,,REF1,CHK1/\n"
        "49,1,3/\n"
        "98,1,1,5/\n"
        "99,1,1,7/\n"
    )
    path = write(tmp_path, "bad.bai2", text)

    with pytest.raises(PayloadError, match="BAI2"):
        parse_statement_file(path)


def test_truncated_file_is_refused_instead_of_hanging(tmp_path: Path) -> None:
    text = local_fixture("bai2_citi_fedwire_text.bai2").read_text()
    path = write(tmp_path, "cut.bai2", text[: text.index("88,BI:")])

    with pytest.raises(PayloadError, match="truncated"):
        parse_statement_file(path)
