"""Bank statement imports: files, statements and their booked lines.

Revision ID: 0002_bank_statements
Revises: 0001_initial
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_bank_statements"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bank_statement_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_size", sa.Integer, nullable=False),
        sa.Column("file_format", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("lines_stored", sa.Integer, nullable=False),
        sa.Column("lines_duplicate", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("error_where", sa.Text, nullable=True),
        sa.Column("imported_at", _utc(), nullable=False),
    )
    op.create_index("ix_bank_imports_sha256", "bank_statement_imports", ["file_sha256"])

    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "file_import_id",
            sa.Integer,
            sa.ForeignKey("bank_statement_imports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("statement_id", sa.String(255), nullable=True),
        sa.Column("source_format", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("opening_balance", sa.String(40), nullable=True),
        sa.Column("opening_date", sa.Date, nullable=True),
        sa.Column("closing_balance", sa.String(40), nullable=True),
        sa.Column("closing_date", sa.Date, nullable=True),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("balance_problems", sa.Text, nullable=False),
    )
    op.create_index("ix_bank_statements_account", "bank_statements", ["account"])

    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "file_import_id",
            sa.Integer,
            sa.ForeignKey("bank_statement_imports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("import_id", sa.String(255), nullable=False),
        sa.Column("booking_date", sa.Date, nullable=False),
        sa.Column("value_date", sa.Date, nullable=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("end_to_end_id", sa.String(255), nullable=True),
        sa.Column("structured_reference", sa.String(255), nullable=True),
        sa.Column("counterparty_name", sa.String(255), nullable=True),
        sa.Column("counterparty_iban", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.UniqueConstraint(
            "account", "import_id", name="uq_bank_lines_account_import"
        ),
    )
    op.create_index(
        "ix_bank_lines_account_booked",
        "bank_statement_lines",
        ["account", "booking_date"],
    )
    op.create_index(
        "ix_bank_lines_end_to_end", "bank_statement_lines", ["end_to_end_id"]
    )
    op.create_index(
        "ix_bank_lines_reference", "bank_statement_lines", ["structured_reference"]
    )
    op.create_index("ix_bank_lines_file", "bank_statement_lines", ["file_import_id"])


def downgrade() -> None:
    op.drop_table("bank_statement_lines")
    op.drop_table("bank_statements")
    op.drop_table("bank_statement_imports")
