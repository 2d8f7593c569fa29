"""CAMT.052, CAMT.053 and CAMT.054 (versions .001.02 to .001.08), read as a stream.

The file is parsed with lxml's `iterparse`; each entry (`Ntry`) is turned into
lines and then freed, so memory stays flat however long the statement is. Only
booked entries are applied (`<Sts>BOOK</Sts>`, or `<Sts><Cd>BOOK</Cd></Sts>` from
version 08 on); pending and information-only entries are counted and skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from lxml import etree

from connectors.bank import safe_xml as x
from connectors.bank.camt_entries import entry_lines
from connectors.bank.references import compact
from connectors.bank.stream import LineFactory, StatementItem, parse_amount
from connectors.bank.stream import parse_iso_date as iso_date
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import Statement

logger = logging.getLogger(__name__)

# The statement-like block of each message: 053 statement, 052 report, 054 notice.
_BLOCKS = ("Stmt", "Rpt", "Ntfctn")
_MESSAGES = {
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrAcctRpt": "camt.052",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
}
_VERSION = re.compile(r"camt\.(05[234])\.001\.(\d{2})")
_OPENING = ("OPBD", "PRCD")  # opening booked; previous closing booked
_CLOSING = ("CLBD",)


def read_camt(path: Path) -> Iterator[StatementItem]:
    """Stream the statements and booked lines of a CAMT file.

    Raises PayloadError (naming the element and its line) when the file is not
    CAMT, is hostile XML, or an entry cannot be read.
    """
    block: _Block | None = None
    seen_block = False
    for event, element in x.iter_elements(path, (*_BLOCKS, "Ntry")):
        name = x.local_name(element)
        if name in _BLOCKS and event == "start":
            block, seen_block = _Block(element, path), True
        elif name == "Ntry" and event == "end" and block is not None:
            yield from block.entry(x.Node(element))
            x.release(element)
        elif name in _BLOCKS and event == "end" and block is not None:
            yield from block.finish()
            x.release(element)
            block = None
    if not seen_block:
        raise PayloadError(
            "no Stmt, Rpt or Ntfctn element: not a CAMT.052/053/054 file",
            where=path.name,
        )


class _Block:
    """One Stmt/Rpt/Ntfctn being read: its header is built at its first entry."""

    def __init__(self, element: etree._Element, path: Path) -> None:
        self.element = element
        self.path = path
        self.source_format = _source_format(element)
        self.factory: LineFactory | None = None
        self.entries = 0
        self.skipped = 0

    def entry(self, element: x.Node) -> Iterator[StatementItem]:
        """Yield the header (at the first entry), then the entry's lines."""
        self.entries += 1
        where = f"{self.path.name}: Ntry {self.entries} (line {element.line})"
        if self.factory is None:
            statement, key = self._statement(first_entry=element)
            self.factory = LineFactory(statement, statement_key=key)
            yield statement
        if not _is_booked(element):
            self.skipped += 1
            return
        yield from entry_lines(element, self.factory, where=where)

    def finish(self) -> Iterator[StatementItem]:
        """Yield the header of a block without entries, and log the summary."""
        if self.factory is None and x.Node(self.element).first("Bal") is not None:
            # A block without entries still counts when it reports balances.
            yield self._statement(first_entry=None)[0]
        logger.debug(
            "camt block read",
            extra={"entries": self.entries, "skipped_not_booked": self.skipped},
        )
        if self.skipped:
            logger.info(
                "%s: %d entries not booked (pending/info) were skipped",
                self.path.name,
                self.skipped,
            )

    def _statement(self, *, first_entry: x.Node | None) -> tuple[Statement, str]:
        """The block's header, and the key that makes its hashed line ids unique."""
        block = x.Node(self.element)
        where = f"{self.path.name}: {x.local_name(self.element)} line {block.line}"
        account = _account(block)
        if account is None:
            raise PayloadError("statement has no account id (Acct/Id)", where=where)
        currency = (
            block.text("Acct/Ccy")
            or _first_balance_currency(block)
            or _currency_of(first_entry, "Amt")
        )
        if not currency:
            raise PayloadError("cannot tell the statement's currency", where=where)
        opening = _balance(block, _OPENING, where=where)
        closing = _balance(block, _CLOSING, where=where)
        statement = Statement(
            account=account,
            currency=currency,
            statement_id=block.text("Id"),
            source_format=self.source_format,
            opening_balance=opening[0] if opening else None,
            opening_date=opening[1] if opening else None,
            closing_balance=closing[0] if closing else None,
            closing_date=closing[1] if closing else None,
        )
        sequence = block.text("ElctrncSeqNb") or block.text("LglSeqNb")
        return statement, f"{statement.statement_id or ''}#{sequence or ''}"


def _source_format(block: etree._Element) -> str:
    """`camt.053.001.04` from the namespace, else from the message element."""
    message = block.getparent()
    found = _VERSION.search(x.namespace(block))
    if found:
        return f"camt.{found.group(1)}.001.{found.group(2)}"
    name = x.local_name(message) if message is not None else ""
    return _MESSAGES.get(name, "camt")


def _is_booked(entry: x.Node) -> bool:
    status = x.text(entry, "Sts/Cd") or x.text(entry, "Sts")
    return (status or "").upper() == "BOOK"


def _account(block: x.Node) -> str | None:
    return compact(x.text(block, "Acct/Id/IBAN")) or x.text(block, "Acct/Id/Othr/Id")


def _currency_of(element: x.Node | None, path: str) -> str | None:
    node = x.first(element, path)
    return node.get("Ccy") if node is not None else None


def _first_balance_currency(block: x.Node) -> str | None:
    for balance in block.all("Bal"):
        currency = _currency_of(balance, "Amt")
        if currency:
            return currency
    return None


def _balance(
    block: x.Node, codes: tuple[str, ...], *, where: str
) -> tuple[Money, date | None] | None:
    """The first balance of the given type codes (in their order of preference)."""
    found: dict[str, x.Node] = {}
    for balance in block.all("Bal"):
        code = x.text(balance, "Tp/CdOrPrtry/Cd") or x.text(
            balance, "Tp/CdOrPrtry/Prtry"
        )
        if code in codes and code not in found:
            found[code] = balance
    for code in codes:
        if code in found:
            return _balance_value(found[code], where=f"{where} Bal {code}")
    return None


def _balance_value(balance: x.Node, *, where: str) -> tuple[Money, date | None]:
    money = parse_amount(
        x.text(balance, "Amt"), _currency_of(balance, "Amt"), where=where
    )
    if x.text(balance, "CdtDbtInd") == "DBIT":
        money = -money
    when = x.text(balance, "Dt/Dt") or x.text(balance, "Dt/DtTm")
    return money, iso_date(when, where=where) if when else None
