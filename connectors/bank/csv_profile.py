"""CSV exports read through per-bank profiles from the configuration.

A profile (`config.settings.CsvProfile`) names the columns, the date format, the
decimal and thousands separators, and either one signed amount column or a debit
and a credit column. Rows are streamed; a row that cannot be read fails the file
and names its line.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from config.settings import CsvProfile
from connectors.bank.references import classify_reference, iban_checked
from connectors.bank.stream import LineFactory, StatementItem, known_id
from o2c.errors import ConfigurationError, PayloadError
from o2c.money import Money
from o2c.statements import Statement, StatementLine, exact_money

logger = logging.getLogger(__name__)


def profile_columns(profile: CsvProfile) -> set[str]:
    """Every column the profile names."""
    named = (
        profile.date_column,
        profile.amount_column,
        profile.debit_column,
        profile.credit_column,
        profile.description_column,
        profile.reference_column,
        profile.counterparty_column,
        profile.iban_column,
        profile.id_column,
    )
    return {column for column in named if column}


def choose_profile(
    path: Path, profiles: Sequence[CsvProfile], name: str | None = None
) -> CsvProfile:
    """The named profile, else the one whose columns the file's header has.

    Raises PayloadError when no profile fits, or several fit equally well.
    """
    if name is not None:
        for profile in profiles:
            if profile.name == name:
                return profile
        raise PayloadError(f"no CSV profile named {name!r}", where=path.name)
    scored = []
    for profile in profiles:
        header = set(_header(path, profile))
        if profile_columns(profile) <= header:
            scored.append((len(profile_columns(profile)), profile))
    scored.sort(key=lambda pair: -pair[0])
    if not scored:
        raise PayloadError(
            "no CSV profile matches the file's header columns", where=path.name
        )
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        names = ", ".join(profile.name for _, profile in scored)
        raise PayloadError(
            f"several CSV profiles fit ({names}); name one", where=path.name
        )
    return scored[0][1]


def _header(path: Path, profile: CsvProfile) -> list[str]:
    try:
        with path.open(encoding=profile.encoding, newline="") as handle:
            return next(csv.reader(handle, delimiter=profile.delimiter), [])
    except (UnicodeDecodeError, csv.Error):
        return []


def read_csv(path: Path, profile: CsvProfile) -> Iterator[StatementItem]:
    """Stream one statement (no balances) and a line per row.

    Raises PayloadError naming the row's line when a value cannot be read.
    """
    if not profile.amount_column and not (
        profile.debit_column or profile.credit_column
    ):
        raise ConfigurationError(
            f"CSV profile {profile.name!r} names neither an amount column nor "
            "debit/credit columns"
        )
    statement = Statement(
        account=profile.account,
        currency=profile.currency,
        statement_id=path.name,
        source_format=f"csv:{profile.name}",
    )
    factory = LineFactory(statement)
    try:
        with path.open(encoding=profile.encoding, newline="") as handle:
            reader = csv.DictReader(handle, delimiter=profile.delimiter)
            missing = profile_columns(profile) - set(reader.fieldnames or [])
            if missing:
                raise PayloadError(
                    f"columns missing for profile {profile.name}: {sorted(missing)}",
                    where=f"{path.name}: line 1",
                )
            yield statement
            for row in reader:
                where = f"{path.name}: line {reader.line_num}"
                yield _line(factory, row, profile, where=where)
    except UnicodeDecodeError as exc:
        raise PayloadError(
            f"not {profile.encoding} text: {exc.reason}", where=path.name
        ) from exc
    except csv.Error as exc:
        raise PayloadError(f"malformed CSV: {exc}", where=path.name) from exc


def _line(
    factory: LineFactory, row: dict[str, str], profile: CsvProfile, *, where: str
) -> StatementLine:
    def cell(column: str | None) -> str | None:
        value = (row.get(column) or "").strip() if column else ""
        return value or None

    iban, valid = iban_checked(cell(profile.iban_column))
    reference = cell(profile.reference_column)
    bank_id = known_id(cell(profile.id_column))
    return factory.line(
        bank_id=bank_id,
        booking_date=_date(cell(profile.date_column), profile, where=where),
        amount=_amount(row, profile, where=where),
        bank_reference=bank_id,
        structured_reference=classify_reference(reference) if reference else None,
        remittance=cell(profile.description_column),
        counterparty_name=cell(profile.counterparty_column),
        counterparty_iban=iban,
        counterparty_iban_valid=valid,
    )


def _date(text: str | None, profile: CsvProfile, *, where: str) -> date:
    if not text:
        raise PayloadError(f"empty date in column {profile.date_column!r}", where=where)
    try:
        return datetime.strptime(text, profile.date_format).date()
    except ValueError as exc:
        raise PayloadError(
            f"date {text!r} does not match {profile.date_format!r}", where=where
        ) from exc


def _amount(row: dict[str, str], profile: CsvProfile, *, where: str) -> Money:
    """The signed amount: one signed column, or debit (out) and credit (in)."""
    if profile.amount_column:
        value = _number(row.get(profile.amount_column), profile, where=where)
        if value is None:
            raise PayloadError(
                f"empty amount in {profile.amount_column!r}", where=where
            )
        return exact_money(value, profile.currency)
    debit = _number(row.get(profile.debit_column or ""), profile, where=where)
    credit = _number(row.get(profile.credit_column or ""), profile, where=where)
    if debit is None and credit is None:
        raise PayloadError("both debit and credit are empty", where=where)
    total = (credit or Decimal(0)) - abs(debit or Decimal(0))
    return exact_money(total, profile.currency)


def _number(text: str | None, profile: CsvProfile, *, where: str) -> Decimal | None:
    """A number written with the profile's separators: `-1.234,56`, `1234.56-`."""
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if profile.thousands_separator:
        value = value.replace(profile.thousands_separator, "")
    value = value.replace(profile.decimal_separator, ".")
    negative = (value.startswith("(") and value.endswith(")")) or value.endswith("-")
    value = value.strip("()").rstrip("-")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise PayloadError(f"not an amount: {text!r}", where=where) from exc
    if not number.is_finite():
        raise PayloadError(f"not an amount: {text!r}", where=where)
    return -number if negative else number
