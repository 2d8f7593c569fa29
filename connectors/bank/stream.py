"""The stream every statement parser produces, and the pieces parsers share.

A parser yields a `Statement` (its lines left empty) and then that statement's
`StatementLine`s, then the next statement, and so on. Large files are read this
way without holding their lines; `collect` gathers a stream into whole statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from connectors.bank.references import reference_in_text
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import (
    Statement,
    StatementLine,
    balance_problems,
    exact_money,
    hashed_import_id,
)

StatementItem = Statement | StatementLine
# Values banks put where an id belongs when they have none.
_NO_ID = {"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A"}
_SPACES = re.compile(r"\s+")


def collect(items: Iterable[StatementItem]) -> list[Statement]:
    """Gather a stream into statements that hold their lines.

    Raises PayloadError when a line comes before any statement.
    """
    statements: list[Statement] = []
    lines: list[StatementLine] = []
    for item in items:
        if isinstance(item, Statement):
            _close(statements, lines)
            statements.append(item)
            lines = []
        elif not statements:
            raise PayloadError("a statement line came before its statement")
        else:
            lines.append(item)
    _close(statements, lines)
    return statements


def _close(statements: list[Statement], lines: list[StatementLine]) -> None:
    if statements and lines:
        statements[-1] = statements[-1].model_copy(update={"lines": tuple(lines)})


class CheckedStatement(NamedTuple):
    """A streamed statement, how many lines it had, and its balance problems."""

    statement: Statement
    line_count: int
    problems: list[str]


class BalanceTracker:
    """Sums a streamed statement's lines and checks its balances at the end."""

    def __init__(self) -> None:
        self.results: list[CheckedStatement] = []
        self._statement: Statement | None = None
        self._movement = Decimal(0)
        self._count = 0
        self._problems: list[str] = []

    def add(self, item: StatementItem) -> None:
        """Take the next item of the stream."""
        if isinstance(item, Statement):
            self.finish()
            self._statement, self._movement, self._count = item, Decimal(0), 0
            self._problems = []
            return
        self._count += 1
        self._movement += item.amount.amount
        statement = self._statement
        if statement and item.amount.currency != statement.currency:
            self._problems.append(
                f"line {self._count} ({item.import_id}) is in "
                f"{item.amount.currency}, the statement in {statement.currency}"
            )

    def finish(self) -> None:
        """Close the current statement; call once more after the last item."""
        statement = self._statement
        if statement is None:
            return
        problems = self._problems or balance_problems(
            statement, Money(amount=self._movement, currency=statement.currency)
        )
        self.results.append(CheckedStatement(statement, self._count, problems))
        self._statement = None


class LineFactory:
    """Builds the lines of one statement: positions, import ids, references.

    The import id is the bank's own id for the line when it gave one (`b:` ids),
    else a hash of the statement, the line's position and its content.
    """

    def __init__(self, statement: Statement, *, statement_key: str = "") -> None:
        self.statement = statement
        self.statement_key = statement_key or str(statement.statement_id or "")
        self.position = 0

    def line(self, *, bank_id: str | None = None, **fields: Any) -> StatementLine:
        """Return the next line of the statement.

        Raises PayloadError when a field does not validate.
        """
        self.position += 1
        fields.setdefault("account", self.statement.account)
        if fields.get("remittance"):
            fields["remittance"] = clean_text(fields["remittance"])
        if fields.get("structured_reference") is None:
            fields["structured_reference"] = reference_in_text(fields.get("remittance"))
        fields["import_id"] = self._import_id(bank_id, fields)
        try:
            return StatementLine(**fields)
        except ValueError as exc:
            raise PayloadError(
                f"statement line does not validate: {exc}",
                where=f"line {self.position} of statement {self.statement_key}",
            ) from exc

    def _import_id(self, bank_id: str | None, fields: dict[str, Any]) -> str:
        # A bank id is used as it is, unless it is too long to index.
        if bank_id and bank_id.strip().upper() not in _NO_ID and len(bank_id) <= 200:
            return f"b:{bank_id.strip()}"
        amount = fields.get("amount")
        return hashed_import_id(
            self.statement.source_format,
            self.statement_key,
            self.position,
            fields.get("booking_date"),
            fields.get("value_date"),
            amount.amount if isinstance(amount, Money) else amount,
            fields.get("bank_reference"),
            fields.get("end_to_end_id"),
            fields.get("counterparty_iban"),
            fields.get("remittance"),
        )


def clean_text(value: str | None) -> str | None:
    """Collapse runs of whitespace (line breaks, padding) into single spaces."""
    if value is None:
        return None
    cleaned = _SPACES.sub(" ", value).strip()
    return cleaned or None


def known_id(value: str | None) -> str | None:
    """The id, or None for the placeholders banks use (NONREF, NOTPROVIDED)."""
    if value is None or value.strip().upper() in _NO_ID:
        return None
    return value.strip()


def parse_amount(value: str | None, currency: str | None, *, where: str) -> Money:
    """Return the amount text as exact Money (no float on the way).

    Raises PayloadError naming `where` when the text is not a number or the
    currency is missing.
    """
    if not value or not currency:
        raise PayloadError("amount or currency missing", where=where)
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise PayloadError(f"not an amount: {value!r}", where=where) from exc
    if not amount.is_finite():
        raise PayloadError(f"not an amount: {value!r}", where=where)
    try:
        return exact_money(amount, currency)
    except ValueError as exc:
        raise PayloadError(f"bad currency {currency!r}", where=where) from exc


def parse_iso_date(value: str | None, *, where: str) -> date:
    """Return the date of `2017-04-01`, `2017-04-01+02:00` or a date-time.

    The date is taken as the bank wrote it (its local date). Raises PayloadError.
    """
    if not value or len(value) < 10:
        raise PayloadError(f"not a date: {value!r}", where=where)
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise PayloadError(f"not a date: {value!r}", where=where) from exc
