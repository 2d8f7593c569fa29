"""The canonical bank statement: booked lines, their references, and the balance check.

Every statement format (CAMT, MT940, BAI2, OFX, CSV) is parsed into these records by
`connectors.bank`. A `StatementLine` is one booked movement on one account, signed
from the account holder's view: a credit (money in) is positive, a debit negative.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from o2c.money import Money, minor_units


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReferenceKind(StrEnum):
    """Which scheme a structured creditor reference follows."""

    RF = "rf"  # ISO 11649 creditor reference, "RF18 5390 0754 7034"
    OGM = "ogm"  # Belgian structured communication, "+++090/9337/55493+++"
    QRR = "qrr"  # Swiss QR reference (and its predecessor, the ISR/ESR number)
    OTHER = "other"  # a bank- or creditor-specific scheme we cannot check


class StructuredReference(_Record):
    """A creditor reference as the payer sent it, with its scheme and check result.

    `valid` is None when the scheme has no check digit we know; a reference whose
    check digit is wrong is kept (the payer may still mean an invoice) with False.
    """

    text: str
    kind: ReferenceKind
    valid: bool | None = None


class StatementLine(_Record):
    """One booked line of a bank statement.

    `amount` is signed (credit positive) in the account's currency.
    `original_amount` is the instructed amount when the payer paid in another
    currency or the bank deducted charges; `exchange_rate` comes with it when the
    bank reported one. `import_id` is unique per account: the bank's own id for
    the line when it gave one, else a hash of the line and its position, so that
    importing a file twice stores every line once.
    """

    account: str
    booking_date: date
    value_date: date | None = None
    amount: Money
    original_amount: Money | None = None
    exchange_rate: Decimal | None = None
    charges: Money | None = None
    reversal: bool = False
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    structured_reference: StructuredReference | None = None
    remittance: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_iban_valid: bool | None = None
    counterparty_bic: str | None = None
    bank_transaction_code: str | None = None
    import_id: str

    @property
    def is_credit(self) -> bool:
        """True for money in."""
        return self.amount.amount > 0


class Statement(_Record):
    """One statement (or report, or notification) of one account.

    Balances are None where the format or the bank left them out (CAMT.054
    notifications carry none). `lines` may be empty when the statement is read as
    a stream: the lines then follow the statement one by one.
    """

    account: str
    currency: str
    statement_id: str | None = None
    source_format: str
    opening_balance: Money | None = None
    opening_date: date | None = None
    closing_balance: Money | None = None
    closing_date: date | None = None
    lines: tuple[StatementLine, ...] = ()

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ValueError(f"not an ISO 4217 currency code: {value!r}")
        return code

    def check_balance(self) -> list[str]:
        """Check opening plus lines equals closing; return every problem found."""
        problems = line_problems(self, self.lines)
        if not problems:
            movement = Money.total((line.amount for line in self.lines), self.currency)
            problems = balance_problems(self, movement)
        return problems


def line_problems(statement: Statement, lines: Iterable[StatementLine]) -> list[str]:
    """Return one problem per line whose account or currency is not the statement's."""
    problems = []
    for position, line in enumerate(lines, start=1):
        if line.amount.currency != statement.currency:
            problems.append(
                f"line {position} ({line.import_id}) is in {line.amount.currency}, "
                f"the statement in {statement.currency}"
            )
        if line.account != statement.account:
            problems.append(
                f"line {position} ({line.import_id}) belongs to account "
                f"{line.account}, the statement to {statement.account}"
            )
    return problems


def balance_problems(statement: Statement, movement: Money) -> list[str]:
    """Check `opening + movement == closing` to the minor unit.

    `movement` is the sum of the statement's lines (given separately so a streamed
    statement can be checked without holding its lines). Returns the problems as
    text, empty when the statement reconciles or has no balances to check.
    """
    opening, closing = statement.opening_balance, statement.closing_balance
    problems = [
        f"{name} balance is in {balance.currency}, the statement in "
        f"{statement.currency}"
        for name, balance in (("opening", opening), ("closing", closing))
        if balance is not None and balance.currency != statement.currency
    ]
    if problems or opening is None or closing is None:
        return problems
    expected = (opening + movement).rounded()
    if expected.amount != closing.rounded().amount:
        difference = (closing - expected).rounded()
        problems.append(
            f"opening {opening} + lines {movement} = {expected}, but the closing "
            f"balance is {closing} (difference {difference})"
        )
    return problems


def exact_money(amount: Decimal, currency: str) -> Money:
    """Return the amount as Money, padded to the currency's minor unit.

    `905.3 CHF` becomes `905.30 CHF` so equal amounts print and hash alike;
    an amount with more digits than the currency has is kept as it is.
    """
    places = minor_units(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent < places:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    return Money(amount=amount, currency=currency)


def hashed_import_id(*parts: object) -> str:
    """Return a stable id built from the line's content and position.

    Used when the bank gives no id of its own. The parts are joined with a
    separator that cannot occur in them unescaped, then hashed (SHA-256, 32 hex).
    """
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return "h:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
