"""Tables of the bank statement imports: each file, its statements, its lines.

A line is unique on (account, import_id): the database, not a check-then-insert,
keeps a statement imported twice from being stored twice. A file is imported in
one transaction, so a file that fails halfway leaves no line behind; the failed
attempt itself is recorded (status `failed`, with the error and where it failed).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sync.store.models import Base, UtcDateTime


class ImportStatus:
    IMPORTED = "imported"  # every line stored or recognised as a duplicate
    FAILED = "failed"  # nothing stored; `error` and `error_where` say why

    ALL = (IMPORTED, FAILED)


class BankStatementImport(Base):
    """One attempt to import one statement file."""

    __tablename__ = "bank_statement_imports"
    __table_args__ = (Index("ix_bank_imports_sha256", "file_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    file_format: Mapped[str] = mapped_column(String(32))  # camt, mt940, bai2, ...
    status: Mapped[str] = mapped_column(String(16))  # ImportStatus
    statements: Mapped[int] = mapped_column(Integer, default=0)
    lines_stored: Mapped[int] = mapped_column(Integer, default=0)
    lines_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    error_where: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BankStatementRecord(Base):
    """One statement of an imported file, with its balances and balance check."""

    __tablename__ = "bank_statements"
    __table_args__ = (Index("ix_bank_statements_account", "account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_import_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("bank_statement_imports.id", ondelete="CASCADE")
    )
    account: Mapped[str] = mapped_column(String(128))
    statement_id: Mapped[str | None] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    opening_balance: Mapped[str | None] = mapped_column(String(40))  # Decimal text
    opening_date: Mapped[date | None] = mapped_column(Date)
    closing_balance: Mapped[str | None] = mapped_column(String(40))
    closing_date: Mapped[date | None] = mapped_column(Date)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    balance_problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list


class BankStatementLineRecord(Base):
    """One booked line, stored once per (account, import_id)."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        UniqueConstraint("account", "import_id", name="uq_bank_lines_account_import"),
        Index("ix_bank_lines_account_booked", "account", "booking_date"),
        Index("ix_bank_lines_end_to_end", "end_to_end_id"),
        Index("ix_bank_lines_reference", "structured_reference"),
        Index("ix_bank_lines_file", "file_import_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_import_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("bank_statement_imports.id", ondelete="CASCADE")
    )
    account: Mapped[str] = mapped_column(String(128))
    import_id: Mapped[str] = mapped_column(String(255))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[str] = mapped_column(String(40))  # Decimal as text, signed
    currency: Mapped[str] = mapped_column(String(3))
    end_to_end_id: Mapped[str | None] = mapped_column(String(255))
    structured_reference: Mapped[str | None] = mapped_column(String(255))
    counterparty_name: Mapped[str | None] = mapped_column(String(255))
    counterparty_iban: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))  # the line without its id
    data: Mapped[str] = mapped_column(Text)  # the canonical StatementLine as JSON
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
