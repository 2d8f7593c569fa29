"""IBAN, BIC and creditor references: normalise, classify and check them.

IBAN and BIC are checked with `schwifty`; RF (ISO 11649), Belgian OGM and Swiss
QRR/ISR references with `python-stdnum`. Nothing a bank sent is dropped for a bad
check digit: it is kept as text and flagged, because the payer may still mean it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.ch import esr

from o2c.statements import ReferenceKind, StructuredReference

_SPACES = re.compile(r"\s+")
# Well-formed BICs that mean "none": NOTPROVIDED would pass as a Romanian bank.
_BIC_PLACEHOLDERS = {"NOTPROVIDED", "NOTAVAILABLE", "NOTAVAIL"}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
_RF_IN_TEXT = re.compile(r"\bRF\d{2}(?:\s?[0-9A-Z]{1,4}){1,6}\b")
_OGM_IN_TEXT = re.compile(r"(?:\+\+\+|\*\*\*)\s*\d{3}/\d{4}/\d{5}\s*(?:\+\+\+|\*\*\*)")
# Hints in CAMT's `CdtrRefInf/Tp` (Cd, Prtry or Issr) that name a scheme.
_QRR_HINTS = {"QRR", "ISR", "ISR REFERENCE", "ESR", "BVR"}
_OGM_HINTS = {"BBA", "OGM", "VCS"}


def compact(text: str | None) -> str | None:
    """Return the text without spaces, upper-cased; None for empty text."""
    if text is None:
        return None
    value = _SPACES.sub("", text).upper()
    return value or None


@lru_cache(maxsize=4096)
def iban_checked(text: str | None) -> tuple[str | None, bool | None]:
    """Return the compacted IBAN and whether it is valid (None when absent).

    An IBAN with a wrong check digit or length is returned as text with False.
    """
    value = compact(text)
    if value is None:
        return None, None
    try:
        return IBAN(value).compact, True
    except SchwiftyException:
        return value, False


def looks_like_iban(text: str | None) -> bool:
    """True when the text has an IBAN's shape (check digits not verified).

    Tells an IBAN from a domestic account number; `iban_checked` says whether
    its check digits hold.
    """
    return _IBAN_SHAPE.fullmatch(compact(text) or "") is not None


def bic_or_none(text: str | None) -> str | None:
    """Return the BIC compacted when it is a valid BIC, else None.

    Banks put placeholders ("BANK BIC", "NOTPROVIDED") where a BIC belongs;
    those are not a BIC and must not be matched against one.
    """
    value = compact(text)
    if value is None or value in _BIC_PLACEHOLDERS:
        return None
    try:
        return str(BIC(value))
    except SchwiftyException:
        return None


def classify_reference(text: str, hint: str | None = None) -> StructuredReference:
    """Classify a structured creditor reference and check its digits.

    `hint` is the scheme the bank named (`SCOR`, `QRR`, `ISR Reference`, issuer
    `BBA`...). Returns the reference with its kind and validity; never raises.
    """
    raw = text.strip()
    value = compact(raw) or ""
    label = (hint or "").strip().upper()
    if value.startswith("RF") and value[2:4].isdigit():
        return StructuredReference(
            text=value, kind=ReferenceKind.RF, valid=iso11649.is_valid(value)
        )
    digits = re.sub(r"[+*/]", "", value)
    if label in _OGM_HINTS or (_OGM_IN_TEXT.fullmatch(raw) is not None):
        return StructuredReference(
            text=digits, kind=ReferenceKind.OGM, valid=ogm_vcs.is_valid(digits)
        )
    if label in _QRR_HINTS or (value.isdigit() and len(value) == 27):
        return StructuredReference(
            text=value, kind=ReferenceKind.QRR, valid=esr.is_valid(value)
        )
    return StructuredReference(text=raw, kind=ReferenceKind.OTHER, valid=None)


def reference_in_text(text: str | None) -> StructuredReference | None:
    """Find a valid RF or OGM reference written inside free remittance text.

    Only a reference whose check digits hold is returned: in free text a wrong
    check digit more likely means the pattern matched something else.
    """
    if not text:
        return None
    for pattern in (_RF_IN_TEXT, _OGM_IN_TEXT):
        for match in pattern.finditer(text.upper()):
            found = classify_reference(match.group(0))
            if found.valid:
                return found
    return None
