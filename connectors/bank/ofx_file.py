"""OFX statements (1.x SGML and 2.x XML) through `ofxparse`, leniently.

Real OFX files break the specification (a 10-digit BANKID, empty NAME or FITID
tags, an empty CURDEF). `ofxparse` runs with `fail_fast=False`, which moves a
transaction it dislikes into `discarded_entries`; those are read here from their
tags, so no booked line is dropped. Only when a discarded transaction has no
amount or date does the file fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ofxparse import OfxParser
from ofxparse.ofxparse import OfxParserException

from connectors.bank.stream import LineFactory, StatementItem, known_id
from o2c.errors import PayloadError
from o2c.statements import Statement, StatementLine, exact_money

logger = logging.getLogger(__name__)


def read_ofx(path: Path) -> Iterator[StatementItem]:
    """Yield one statement per OFX bank or card account, then its lines.

    Raises PayloadError when the file does not parse or a transaction cannot be
    recovered.
    """
    try:
        with path.open("rb") as handle:
            document = OfxParser.parse(handle, fail_fast=False)
    except (
        OfxParserException,
        ValueError,
        LookupError,  # IndexError, an unknown ENCODING/CHARSET in the header
        AttributeError,
        TypeError,
        NameError,  # ofxparse's UnboundLocalError on a damaged header
    ) as exc:
        raise PayloadError(f"OFX file does not parse: {exc}", where=path.name) from exc
    accounts = list(getattr(document, "accounts", []) or [])
    if not accounts:
        raise PayloadError("no bank or card statement in the OFX file", where=path.name)
    for number, account in enumerate(accounts, start=1):
        yield from _account_items(account, where=f"{path.name}: account {number}")


def _account_items(account: Any, *, where: str) -> Iterator[StatementItem]:
    statement_ofx = account.statement
    discarded = list(getattr(statement_ofx, "discarded_entries", []) or [])
    currency = _currency(account, statement_ofx, discarded)
    if currency is None:
        raise PayloadError("no currency (CURDEF empty, none on the lines)", where=where)
    balance = getattr(statement_ofx, "balance", None)
    balance_date = getattr(statement_ofx, "balance_date", None)
    statement = Statement(
        account=str(account.account_id),
        currency=currency,
        statement_id=f"{account.routing_number or ''}/{account.account_id}",
        source_format="ofx",
        closing_balance=exact_money(balance, currency) if balance is not None else None,
        closing_date=_day(balance_date),
    )
    yield statement
    factory = LineFactory(statement)
    for transaction in statement_ofx.transactions:
        yield _line(factory, transaction)
    for number, entry in enumerate(discarded, start=1):
        logger.info(
            "%s: recovering a transaction ofxparse discarded: %s",
            where,
            entry.get("error"),
        )
        yield _recovered(
            factory, entry.get("content"), where=f"{where}, discarded {number}"
        )


def _currency(
    account: Any, statement: Any, discarded: list[dict[str, Any]]
) -> str | None:
    for value in (account.curdef, getattr(statement, "currency", None)):
        if value and str(value).strip():
            return str(value).strip().upper()
    for entry in discarded:
        found = _tag_text(entry.get("content"), "cursym")
        if found:
            return found.upper()
    return None


def _day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def _line(factory: LineFactory, transaction: Any) -> StatementLine:
    currency = factory.statement.currency
    return factory.line(
        bank_id=known_id(transaction.id),
        booking_date=_day(transaction.date),
        value_date=_day(transaction.user_date),
        amount=exact_money(Decimal(transaction.amount), currency),
        bank_reference=known_id(transaction.id),
        remittance=_remittance(transaction.payee, transaction.memo),
        counterparty_name=transaction.payee or None,
        bank_transaction_code=(transaction.type or "").upper() or None,
    )


def _recovered(factory: LineFactory, tag: Any, *, where: str) -> StatementLine:
    """A transaction `ofxparse` discarded, read from its own tags."""
    amount_text = _tag_text(tag, "trnamt")
    posted = _tag_text(tag, "dtposted")
    if not amount_text or not posted:
        raise PayloadError("transaction without TRNAMT or DTPOSTED", where=where)
    try:
        amount = Decimal(amount_text.replace(",", "."))
        booked = date(int(posted[:4]), int(posted[4:6]), int(posted[6:8]))
    except (InvalidOperation, ValueError) as exc:
        raise PayloadError(f"unreadable transaction: {exc}", where=where) from exc
    fitid = _tag_text(tag, "fitid")
    name = _tag_text(tag, "name")
    return factory.line(
        bank_id=known_id(fitid),
        booking_date=booked,
        value_date=_ofx_date(_tag_text(tag, "valuedate") or _tag_text(tag, "dtuser")),
        amount=exact_money(amount, factory.statement.currency),
        bank_reference=known_id(fitid),
        remittance=_remittance(name, _tag_text(tag, "memo")),
        counterparty_name=name,
        bank_transaction_code=(_tag_text(tag, "trntype") or "").upper() or None,
    )


def _ofx_date(text: str | None) -> date | None:
    if not text or len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _tag_text(tag: Any, name: str) -> str | None:
    """The text of a child tag of a BeautifulSoup element, None when empty."""
    if tag is None:
        return None
    child = tag.find(name)
    if child is None:
        return None
    value = child.get_text().strip() if hasattr(child, "get_text") else ""
    # SGML without closing tags: the text runs on into the next tag's text.
    return value.splitlines()[0].strip() if value else None


def _remittance(name: str | None, memo: str | None) -> str | None:
    parts = [part for part in (name, memo) if part]
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        return parts[1]
    return " ".join(parts) or None
