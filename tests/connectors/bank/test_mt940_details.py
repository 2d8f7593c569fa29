"""The `:86:` layouts, read one field at a time."""

from __future__ import annotations

import pytest

from connectors.bank.mt940_details import parse_details


def test_german_sepa_keywords_end_at_a_short_subfield() -> None:
    text = (
        "166?00GUTSCHRIFT?100399?20EREF+INV-2024-0042?21MREF+M-77?22CRED+DE98ZZ"
        "Z09999999999?23SVWZ+Rechnung 2024-0042 vie?24len Dank?30COBADEFFXXX"
        "?31DE89370400440532013000?32Muster GmbH"
    )

    details = parse_details(text)

    assert details.layout == "german"
    assert details.transaction_code == "166"
    assert details.end_to_end_id == "INV-2024-0042"
    assert details.mandate_id == "M-77"
    assert details.creditor_id == "DE98ZZZ09999999999"
    assert details.remittance == "Rechnung 2024-0042 vielen Dank"
    assert details.counterparty_bic == "COBADEFFXXX"
    assert details.counterparty_account == "DE89370400440532013000"
    assert details.counterparty_name == "Muster GmbH"


def test_german_line_wraps_inside_a_subfield_are_joined() -> None:
    text = "105?20SVWZ+Miete Ma\ni 2024?32Vermie\ntung AG"

    details = parse_details(text)

    assert details.remittance == "Miete Mai 2024"
    assert details.counterparty_name == "Vermietung AG"


def test_german_abwa_names_the_ultimate_party() -> None:
    details = parse_details("166?20SVWZ+Beitrag?21ABWA+Verein e.V.?32Bank Konto")

    assert details.remittance == "Beitrag"
    assert details.counterparty_name == "Verein e.V."


def test_triodos_gt_markers_read_like_question_marks() -> None:
    details = parse_details("000>100987654321\n>20 HUUR>21 KANTOOR - FEB 2010")

    assert details.layout == "triodos"
    assert details.remittance == "HUUR KANTOOR - FEB 2010"


def test_dutch_structured_fields() -> None:
    text = (
        "/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/J. Jansen"
        "/REMI/Factuur 1234/EREF/E2E-9"
    )

    details = parse_details(text)

    assert details.layout == "dutch"
    assert details.counterparty_account == "NL91ABNA0417164300"
    assert details.counterparty_bic == "ABNANL2A"
    assert details.counterparty_name == "J. Jansen"
    assert details.remittance == "Factuur 1234"
    assert details.end_to_end_id == "E2E-9"


@pytest.mark.parametrize(
    ("remi", "remittance", "reference"),
    [
        ("/REMI/USTD//Order 55/", "Order 55", None),
        ("/REMI/STRD/CUR/1234567890123456/", "1234567890123456", "1234567890123456"),
        ("/REMI/Plain text/", "Plain text", None),
    ],
)
def test_dutch_remittance_forms(
    remi: str, remittance: str, reference: str | None
) -> None:
    details = parse_details(f"/EREF/X{remi}")

    assert details.remittance == remittance
    assert details.reference == reference


def test_dutch_cntp_carries_account_bic_and_name() -> None:
    details = parse_details("/CNTP/NL91ABNA0417164300/ABNANL2A/Jan Jansen/Utrecht/")

    assert details.counterparty_account == "NL91ABNA0417164300"
    assert details.counterparty_bic == "ABNANL2A"
    assert details.counterparty_name == "Jan Jansen"


def test_asn_first_line_is_iban_and_name() -> None:
    text = "NL47INGB0000000001 j de vries\nBetaling sieraden\n"

    details = parse_details(text, bank="asn")

    assert details.counterparty_account == "NL47INGB0000000001"
    assert details.counterparty_name == "j de vries"
    assert details.remittance == "Betaling sieraden"


def test_abn_amro_columns_and_payment_reference() -> None:
    text = (
        "GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  000000042188659\n"
        "5314606715                       BETREFT FACTUUR D.D. 20-05-2011"
    )

    details = parse_details(text, bank="abnamro")

    assert details.counterparty_account == "428428"
    assert details.counterparty_name == "KPN - DIGITENNE"
    assert details.reference == "000000042188659"


def test_unknown_layout_is_kept_as_free_text() -> None:
    details = parse_details("Some   bank\nfree text")

    assert details.layout == "free"
    assert details.remittance == "Some bank free text"


def test_empty_details_give_nothing() -> None:
    assert parse_details(None).remittance is None
    assert parse_details("  \n").remittance is None
