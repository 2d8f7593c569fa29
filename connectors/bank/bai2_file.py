"""BAI2 cash management files through the `bai2` library.

Amounts in BAI2 are integers with implied decimals (`490196` is 4,901.96 USD):
they are converted with the currency's minor unit, never through a float. Each
account of each group becomes one statement; its lines take their sign from the
type code (credit 100-399, debit 400-699). Non-monetary detail codes are skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bai2 import bai2
from bai2.constants import TypeCodeTransaction
from bai2.exceptions import (
    IntegrityException,
    NotSupportedYetException,
    ParsingException,
)

from connectors.bank.stream import LineFactory, StatementItem, known_id
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import Statement, StatementLine

logger = logging.getLogger(__name__)

_OPENING_LEDGER = "010"
_CLOSING_LEDGER = "015"
_DEFAULT_CURRENCY = "USD"  # BAI2: a missing currency code means US dollars
# Citi and others write `KEY:value` pairs into the 88 continuation text.
_TEXT_KEY = re.compile(r"(?:^|\s)([A-Z][A-Z0-9]{1,4}):")


def read_bai2(path: Path, *, encoding: str = "utf-8") -> Iterator[StatementItem]:
    """Yield the statements and lines of a BAI2 file.

    Raises PayloadError when the file does not parse or its control totals fail.
    """
    try:
        lines = _complete_lines(path.read_text(encoding=encoding), where=path.name)
        document = bai2.parse_from_lines(iter(lines))
    except (ParsingException, IntegrityException, NotSupportedYetException) as exc:
        raise PayloadError(f"BAI2 file does not parse: {exc}", where=path.name) from exc
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise PayloadError(f"BAI2 record is malformed: {exc}", where=path.name) from exc
    file_id = document.header.file_id or ""
    for group_number, group in enumerate(document.children, start=1):
        for account_number, account in enumerate(group.children, start=1):
            where = f"{path.name}: group {group_number}, account {account_number}"
            yield from _account_items(
                group.header, account, where=where, key=f"{file_id}/{group_number}"
            )


def _complete_lines(text: str, *, where: str) -> list[str]:
    """The file's records, refused unless the last one is the `99` file trailer.

    The `bai2` library loops forever on a file that ends early (it re-reads its
    last record once the input is exhausted), so a truncated file never reaches it.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not lines[-1].startswith("99,"):
        raise PayloadError(
            "truncated BAI2 file: the last record is not the 99 file trailer",
            where=f"{where}: line {len(text.splitlines())}",
        )
    return lines


def _account_items(
    group: Any, account: Any, *, where: str, key: str
) -> Iterator[StatementItem]:
    header = account.header
    currency = header.currency or group.currency or _DEFAULT_CURRENCY
    balances = {item.type_code.code: item.amount for item in header.summary_items}
    statement = Statement(
        account=str(header.customer_account_number),
        currency=currency,
        statement_id=f"{key}/{header.customer_account_number}",
        source_format="bai2",
        opening_balance=_minor(balances.get(_OPENING_LEDGER), currency),
        opening_date=group.as_of_date,
        closing_balance=_minor(balances.get(_CLOSING_LEDGER), currency),
        closing_date=group.as_of_date,
    )
    yield statement
    factory = LineFactory(statement)
    for number, detail in enumerate(account.children, start=1):
        line = _line(factory, detail, group=group, where=f"{where}, detail {number}")
        if line is not None:
            yield line


def _minor(units: int | None, currency: str) -> Money | None:
    return None if units is None else Money.from_minor(int(units), currency)


def _line(
    factory: LineFactory, detail: Any, *, group: Any, where: str
) -> StatementLine | None:
    kind = detail.type_code.transaction if detail.type_code else None
    if kind not in (TypeCodeTransaction.credit, TypeCodeTransaction.debit):
        logger.warning("%s: non-monetary type code %s skipped", where, detail.type_code)
        return None
    if detail.amount is None:
        raise PayloadError("transaction detail without an amount", where=where)
    amount = Money.from_minor(int(detail.amount), factory.statement.currency)
    if kind is TypeCodeTransaction.debit:
        amount = -amount
    availability = detail.availability or {}
    pairs = text_pairs(detail.text)
    return factory.line(
        bank_id=known_id(detail.bank_reference),
        booking_date=group.as_of_date,
        value_date=availability.get("date") or group.as_of_date,
        amount=amount,
        bank_reference=known_id(detail.bank_reference),
        end_to_end_id=known_id(detail.customer_reference),
        remittance=detail.text,
        counterparty_name=pairs.get("BO1"),
        bank_transaction_code=detail.type_code.code,
    )


def text_pairs(text: str | None) -> dict[str, str]:
    """The `KEY:value` pairs of a continuation text (`TRID:RP123 BO1:DOE JO`)."""
    if not text:
        return {}
    marks = list(_TEXT_KEY.finditer(text))
    ends = [mark.start() for mark in marks[1:]] + [len(text)] * bool(marks)
    return {
        mark.group(1): text[mark.end() : end].strip()
        for mark, end in zip(marks, ends, strict=True)
    }
