"""MT940 statements through the `mt-940` library, one statement block at a time.

`mt-940` parses a whole text at once, so the file is cut at each `:20:` and every
block is parsed on its own: memory follows the largest statement, not the file.
The library always runs with `Options.all()`: its defaults leave the reversal of
a credit (`RC`) positive, which breaks the balance. Its own `:86:` processing is
switched off; `mt940_details` reads the layouts banks actually send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mt940

from connectors.bank.mt940_details import Details, parse_details
from connectors.bank.references import (
    bic_or_none,
    classify_reference,
    compact,
    iban_checked,
    looks_like_iban,
)
from connectors.bank.stream import LineFactory, StatementItem, known_id
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import Statement, StatementLine, exact_money

logger = logging.getLogger(__name__)
# mt-940 logs the statement text it failed to match at ERROR level: payload in the
# logs. The failure reaches the operator as a PayloadError with its line instead.
logging.getLogger("mt940").setLevel(logging.CRITICAL)

_ASN = re.compile(r"^:25:\s*NL\d{2}ASNB", re.MULTILINE)
_ABN_AMRO = re.compile(r"ABNANL2A|^:20:ABN AMRO", re.MULTILINE)
_OPENING = ("final_opening_balance", "opening_balance", "intermediate_opening_balance")
_CLOSING = ("final_closing_balance", "closing_balance", "intermediate_closing_balance")


def read_mt940(path: Path, *, encoding: str | None = None) -> Iterator[StatementItem]:
    """Stream the statements and lines of an MT940 file.

    Raises PayloadError naming the file line where the failing statement starts.
    """
    found = False
    for first_line, block in _blocks(path, encoding):
        found = True
        yield from _statement_items(block, where=f"{path.name}: line {first_line}")
    if not found:
        raise PayloadError(
            "no :20: statement found: not an MT940 file", where=path.name
        )


def _blocks(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) of each statement, cut before each `:20:`."""
    lines: list[str] = []
    start = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = _decode(raw, encoding)
            if line.startswith(":20:"):
                if start:
                    yield start, "".join(lines)
                lines, start = [], number
            if start:
                lines.append(line)
    if start:
        yield start, "".join(lines)


def _decode(raw: bytes, encoding: str | None) -> str:
    """Bytes of one line as text: the given encoding, else UTF-8, else Latin-1."""
    for candidate in (encoding, "utf-8"):
        if candidate:
            try:
                return raw.decode(candidate).lstrip("\ufeff")
            except UnicodeDecodeError:
                continue
    return raw.decode("latin-1")


def _statement_items(block: str, *, where: str) -> Iterator[StatementItem]:
    bank = (
        "asn" if _ASN.search(block) else "abnamro" if _ABN_AMRO.search(block) else None
    )
    tags: dict[int | str, Any] = {}
    if bank == "asn":
        # ASN puts an IBAN (18 characters) in the 16-character customer reference.
        asn = mt940.tags.StatementASNB()
        tags[asn.id] = asn
    try:
        parsed = mt940.parse(
            block,
            tags=tags or None,
            processors={"post_transaction_details": []},
            options=mt940.Options.all(),
        )
    except (
        RuntimeError,
        ValueError,
        LookupError,
        ArithmeticError,
        AttributeError,
    ) as exc:
        raise PayloadError(
            f"MT940 statement does not parse: {exc}", where=where
        ) from exc
    statement = _statement(parsed.data, where=where)
    if statement is None:
        if len(parsed):
            # Lines without a currency cannot be booked; dropping them would lose money.
            raise PayloadError(
                "statement has lines but no balance to tell its currency", where=where
            )
        logger.info("%s: statement without balances or lines skipped", where)
        return
    yield statement
    data = parsed.data
    key = "/".join(
        str(data.get(k) or "")
        for k in ("transaction_reference", "statement_number", "sequence_number")
    )
    key += f"@{statement.opening_date or ''}"
    factory = LineFactory(statement, statement_key=key)
    for position, transaction in enumerate(parsed, start=1):
        yield _line(
            factory, transaction.data, bank=bank, where=f"{where}, :61: #{position}"
        )


def _statement(data: dict[str, Any], *, where: str) -> Statement | None:
    opening = next((data[k] for k in _OPENING if data.get(k)), None)
    closing = next((data[k] for k in _CLOSING if data.get(k)), None)
    currency = _balance_currency(opening) or _balance_currency(closing)
    account = data.get("account_identification")
    if not account:
        raise PayloadError("statement without :25: account", where=where)
    if currency is None:
        return None
    return Statement(
        account=_account(account),
        currency=currency,
        statement_id=data.get("transaction_reference"),
        source_format="mt940",
        opening_balance=_balance_money(opening, currency),
        opening_date=getattr(opening, "date", None),
        closing_balance=_balance_money(closing, currency),
        closing_date=getattr(closing, "date", None),
    )


def _account(text: str) -> str:
    """An IBAN in its compact form; any other account id as the bank wrote it."""
    value = text.strip()
    return compact(value) or value if looks_like_iban(value) else value


def _balance_currency(balance: Any) -> str | None:
    amount = getattr(balance, "amount", None)
    return getattr(amount, "currency", None)


def _balance_money(balance: Any, currency: str) -> Money | None:
    amount = getattr(balance, "amount", None)
    if amount is None or not hasattr(amount, "amount"):
        return None
    return exact_money(amount.amount, amount.currency or currency)


def _line(
    factory: LineFactory, data: dict[str, Any], *, bank: str | None, where: str
) -> StatementLine:
    """One `:61:` with its `:86:`; the amount comes signed from `mt-940`."""
    if data.get("amount") is None or data.get("date") is None:
        raise PayloadError(":61: without amount or date", where=where)
    currency = data["amount"].currency or factory.statement.currency
    details = parse_details(data.get("transaction_details"), bank=bank)
    status = str(data.get("status") or "").upper()
    return factory.line(
        bank_id=known_id(data.get("bank_reference")),
        booking_date=data.get("entry_date") or data["date"],
        value_date=data["date"],
        amount=exact_money(data["amount"].amount, currency),
        reversal=status.startswith("R"),
        bank_reference=known_id(data.get("bank_reference")),
        end_to_end_id=known_id(details.end_to_end_id),
        mandate_id=known_id(details.mandate_id),
        structured_reference=(
            classify_reference(details.reference, details.reference_hint)
            if details.reference
            else None
        ),
        remittance=details.remittance,
        bank_transaction_code=_code(data, details),
        **_counterparty(details, data),
    )


def _code(data: dict[str, Any], details: Details) -> str | None:
    parts = [data.get("id"), details.transaction_code]
    return "/".join(part for part in parts if part) or None


def _counterparty(details: Details, data: dict[str, Any]) -> dict[str, Any]:
    """Counterparty from `:86:`, else the IBAN some banks put after the `:61:`."""
    account = details.counterparty_account
    extra = (data.get("extra_details") or "").strip()
    if not account and looks_like_iban(extra):
        account = extra
    iban, valid = iban_checked(account)
    if account and not valid and not (compact(account) or "")[:2].isalpha():
        valid = None  # a domestic account number, never claimed to be an IBAN
    return {
        "counterparty_name": details.counterparty_name,
        "counterparty_iban": iban,
        "counterparty_iban_valid": valid,
        "counterparty_bic": bic_or_none(details.counterparty_bic),
    }
