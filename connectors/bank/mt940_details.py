"""The MT940 `:86:` field: the layouts banks actually send, read into one shape.

- German `?nn` sub-fields (`?20`-`?29`, `?60`-`?63` purpose, `?30` BIC, `?31` IBAN,
  `?32`/`?33` name) with the SEPA keywords `EREF+`, `KREF+`, `MREF+`, `CRED+`,
  `SVWZ+`, `ABWA+`... inside the purpose; Triodos writes `>nn` instead of `?nn`.
- Dutch structured `/KEY/value` fields (`/EREF/`, `/REMI/`, `/NAME/`, `/IBAN/`...).
- ASN Bank: the counterparty IBAN and name on the first line, then free text.
- ABN AMRO's older free text: two fixed columns with `BETALINGSKENM.` inside.
- Anything else is kept as free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.bank.references import compact

# A German purpose sub-field holds 27 characters; a shorter one ends its value.
_SUBFIELD_WIDTH = 27
_GERMAN = re.compile(r"^\d{3}[?>]\d{2}")
_SEPA_KEY = re.compile(
    r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|COAM|OAMT|MDAT|SQTP"
    r"|ORCR|ORMR|DDAT)\+"
)
_ID_KEYS = {"EREF", "KREF", "MREF", "CRED", "DEBT", "IBAN", "BIC", "PURP", "MDAT"}
_BOUNDARY = "\x00"
_DUTCH_KEYS = (
    "TRTP|EREF|PREF|MARF|CSID|CNTP|REMI|PURP|ULTC|ULTD|ULTB|RTRN|BENM|ORDP|NAME|IBAN"
    "|BIC|ID|ADDR|ISDT|SVCL|CDTRREFTP|CDTRREF|CD|ISSR|EXCH|OCMT|CHGS|CTRY"
)
_DUTCH = re.compile(rf"/({_DUTCH_KEYS})/")
_ABN_COLUMN = 33
_ABN_REFERENCE = re.compile(r"BETALINGSKENM\.\s*([0-9 ]+)")
_ABN_GIRO = re.compile(r"^GIRO\s+(\d+)\s+(.*)$")


@dataclass
class Details:
    """What a `:86:` field says about a line; every part may be missing."""

    remittance: str | None = None
    end_to_end_id: str | None = None
    customer_reference: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    counterparty_bic: str | None = None
    reference: str | None = None
    reference_hint: str | None = None
    transaction_code: str | None = None
    layout: str = "free"


def parse_details(text: str | None, *, bank: str | None = None) -> Details:
    """Read a raw `:86:` field (its line breaks kept) in the layout it uses.

    `bank` is "asn" or "abnamro" when the statement came from one of the banks
    whose layout cannot be told from the text alone. Never raises.
    """
    if not text or not text.strip():
        return Details()
    unwrapped = "".join(text.splitlines())
    if _GERMAN.match(unwrapped):
        return _german(unwrapped)
    if unwrapped.startswith("/") and _DUTCH.search(unwrapped):
        return _dutch(unwrapped)
    if bank == "asn":
        return _asn(text)
    if bank == "abnamro":
        return _abn_amro(text)
    return Details(remittance=_spaces(text))


def _spaces(text: str | None) -> str | None:
    if text is None:
        return None
    value = " ".join(text.split())
    return value or None


def _german(text: str) -> Details:
    """`166?00GUTSCHRIFT?20EREF+...?30BIC?31IBAN?32NAME`, or with `>` (Triodos)."""
    fields: dict[str, list[str]] = {}
    # Only the layout's own marker separates sub-fields ("?" German, ">" Triodos).
    marks = list(re.finditer(rf"{re.escape(text[3])}(\d{{2}})", text))
    for key, value in _sections(marks, text):
        fields.setdefault(key, []).append(value)
    purpose_keys = [f"2{n}" for n in range(10)] + [f"6{n}" for n in range(4)]
    purpose = _join_subfields([v for k in purpose_keys for v in fields.get(k, [])])
    details = _sepa_keywords(purpose)
    name = _join_subfields(fields.get("32", []) + fields.get("33", []))
    details.counterparty_name = details.counterparty_name or _spaces(
        name.replace(_BOUNDARY, " ")
    )
    details.counterparty_bic = _first(fields.get("30"))
    details.counterparty_account = details.counterparty_account or _first(
        fields.get("31")
    )
    details.transaction_code = text[:3]
    details.layout = "german" if text[3] == "?" else "triodos"
    return details


def _join_subfields(parts: list[str]) -> str:
    """Join sub-fields; a short one ends a value, so a boundary mark follows it."""
    joined = ""
    for part in parts:
        joined += part
        if len(part) < _SUBFIELD_WIDTH:
            joined += _BOUNDARY
    return joined


def _sepa_keywords(purpose: str) -> Details:
    """Split the purpose at its SEPA keywords; ids end at a short sub-field."""
    details = Details()
    marks = list(_SEPA_KEY.finditer(purpose))
    loose = [purpose[: marks[0].start()] if marks else purpose]
    values: dict[str, str] = {}
    for key, found in _sections(marks, purpose):
        value = found
        if key in _ID_KEYS:
            value, _, rest = value.partition(_BOUNDARY)
            loose.append(rest)
        values.setdefault(key, value.replace(_BOUNDARY, " ").strip())
    free = _spaces(" ".join(part.replace(_BOUNDARY, " ") for part in loose))
    details.remittance = _spaces(values.get("SVWZ")) or free
    details.end_to_end_id = values.get("EREF") or None
    details.customer_reference = values.get("KREF") or None
    details.mandate_id = values.get("MREF") or None
    details.creditor_id = values.get("CRED") or None
    details.counterparty_name = _spaces(values.get("ABWA") or values.get("ABWE"))
    details.counterparty_account = values.get("IBAN") or None
    return details


def _sections(marks: list[re.Match[str]], text: str) -> list[tuple[str, str]]:
    """(key, value) for each marker: the value runs to the next marker."""
    ends = [mark.start() for mark in marks[1:]] + [len(text)] * bool(marks)
    return [
        (mark.group(1), text[mark.end() : end])
        for mark, end in zip(marks, ends, strict=True)
    ]


def _first(values: list[str] | None) -> str | None:
    return _spaces(values[0]) if values else None


def _dutch(text: str) -> Details:
    """`/EREF/.../BENM//NAME/.../REMI/...` (Rabobank, ABN AMRO SEPA, ING)."""
    values: dict[str, str] = {}
    marks = list(_DUTCH.finditer(text))
    for key, value in _sections(marks, text):
        values.setdefault(key, value.strip("/ "))
    details = Details(layout="dutch")
    details.end_to_end_id = values.get("EREF") or None
    details.mandate_id = values.get("MARF") or None
    details.creditor_id = values.get("CSID") or None
    details.counterparty_name = values.get("NAME") or None
    details.counterparty_account = values.get("IBAN") or None
    details.counterparty_bic = values.get("BIC") or None
    if values.get("CNTP"):
        # CNTP carries account/BIC/name/city of the counterparty in one field.
        account, bic, name, *_ = [*values["CNTP"].split("/"), "", "", ""]
        details.counterparty_account = details.counterparty_account or account or None
        details.counterparty_bic = details.counterparty_bic or bic or None
        details.counterparty_name = details.counterparty_name or name or None
    _dutch_remittance(details, values.get("REMI", ""))
    if values.get("CDTRREF"):
        details.reference = values["CDTRREF"]
        details.reference_hint = values.get("CDTRREFTP") or None
    return details


def _dutch_remittance(details: Details, remi: str) -> None:
    """`REMI` is free text, `USTD//text`, or `STRD/CUR/reference` (structured)."""
    if remi.startswith("USTD//"):
        remi = remi[len("USTD//") :]
    elif remi.startswith("STRD/"):
        _, hint, reference = [*remi.split("/", 2), "", ""][:3]
        details.reference, details.reference_hint = reference.strip("/"), hint
        remi = reference.strip("/")
    details.remittance = _spaces(remi)


def _asn(text: str) -> Details:
    """ASN Bank: `IBAN name` on the first line, the description below it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head, *rest = lines or [""]
    first, _, name = head.partition(" ")
    details = Details(layout="asn", remittance=_spaces(" ".join(rest)))
    if compact(first) and any(ch.isdigit() for ch in first):
        details.counterparty_account = first
        details.counterparty_name = _spaces(name)
    else:
        details.remittance = _spaces(" ".join(lines))
    return details


def _abn_amro(text: str) -> Details:
    """ABN AMRO's fixed two-column free text (before SEPA)."""
    cells = []
    for line in text.splitlines():
        cells.extend([line[:_ABN_COLUMN], line[_ABN_COLUMN:]])
    cells = [cell.strip() for cell in cells if cell.strip()]
    details = Details(layout="abnamro", remittance=_spaces(" ".join(cells)))
    for cell in cells:
        reference = _ABN_REFERENCE.search(cell)
        if reference and details.reference is None:
            details.reference = reference.group(1).replace(" ", "")
        giro = _ABN_GIRO.match(cell)
        if giro and details.counterparty_account is None:
            details.counterparty_account = giro.group(1)
            details.counterparty_name = _spaces(giro.group(2))
    return details
