"""First tables: inbox, orders and their audit trail, leases, cursors, commands.

Revision ID: 0001_initial
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=True),
        sa.Column("version", _utc(), nullable=True),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("processed_at", _utc(), nullable=True),
        sa.UniqueConstraint(
            "source", "account", "event_id", name="uq_inbox_sender_event"
        ),
    )
    op.create_index(
        "ix_inbox_status_next", "inbox_events", ["status", "next_attempt_at"]
    )
    op.create_index("ix_inbox_key", "inbox_events", ["key"])

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("hold_reasons", sa.JSON, nullable=False),
        sa.Column("version", _utc(), nullable=False),
        sa.Column("total_amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.UniqueConstraint("shop", "external_id", name="uq_orders_shop_external"),
    )
    op.create_index("ix_orders_state", "orders", ["state"])
    op.create_index("ix_orders_version", "orders", ["version"])

    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("inbox_event_id", sa.Integer, nullable=False),
        sa.Column("shop", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("version", _utc(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("applied_at", _utc(), nullable=False),
    )
    op.create_index("ix_order_events_inbox", "order_events", ["inbox_event_id"])
    op.create_index("ix_order_events_order", "order_events", ["shop", "external_id"])

    op.create_table(
        "leases",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
    )

    op.create_table(
        "poll_cursors",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("last_run_at", _utc(), nullable=True),
        sa.Column("last_success_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )

    op.create_table(
        "commands",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.UniqueConstraint("idempotency_key", name="uq_commands_idempotency_key"),
    )
    op.create_index(
        "ix_commands_status_next", "commands", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "commands",
        "poll_cursors",
        "leases",
        "order_events",
        "orders",
        "inbox_events",
    ):
        op.drop_table(table)
