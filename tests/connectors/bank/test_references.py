"""IBAN, BIC and creditor references: kept as text, classified, checked."""

from __future__ import annotations

import pytest

from connectors.bank.references import (
    bic_or_none,
    classify_reference,
    iban_checked,
    reference_in_text,
)
from o2c.statements import ReferenceKind


@pytest.mark.parametrize(
    ("text", "hint", "kind", "valid"),
    [
        ("RF18 5390 0754 7034", None, ReferenceKind.RF, True),
        ("RF19 5390 0754 7034", None, ReferenceKind.RF, False),
        ("+++090/9337/55493+++", None, ReferenceKind.OGM, True),
        ("+++090/9337/55494+++", None, ReferenceKind.OGM, False),
        ("090933755493", "BBA", ReferenceKind.OGM, True),
        ("210000000003139471430009017", None, ReferenceKind.QRR, True),
        ("210000000003139471430009018", "QRR", ReferenceKind.QRR, False),
        ("INV-2024-17", "SCOR", ReferenceKind.OTHER, None),
    ],
)
def test_reference_is_classified_and_checked(
    text: str, hint: str | None, kind: ReferenceKind, valid: bool | None
) -> None:
    reference = classify_reference(text, hint)

    assert reference.kind is kind
    assert reference.valid is valid


def test_invalid_reference_keeps_its_text() -> None:
    reference = classify_reference("RF19 5390 0754 7034")

    assert reference.text == "RF19539007547034"


def test_valid_rf_inside_free_text_is_found() -> None:
    found = reference_in_text("Payment for RF18 5390 0754 7034, thanks")

    assert found is not None and found.text == "RF18539007547034"


def test_invalid_rf_inside_free_text_is_not_taken() -> None:
    assert reference_in_text("see RF19 5390 0754 7034") is None


def test_iban_is_compacted_and_a_bad_check_digit_flagged() -> None:
    assert iban_checked("de89 3704 0044 0532 0130 00") == (
        "DE89370400440532013000",
        True,
    )
    assert iban_checked("DE88370400440532013000") == ("DE88370400440532013000", False)
    assert iban_checked(None) == (None, None)


def test_placeholder_bic_is_not_a_bic() -> None:
    assert bic_or_none("POFICHBEXXX") == "POFICHBEXXX"
    assert bic_or_none("BANK BIC") is None
    assert bic_or_none("NOTPROVIDED") is None
