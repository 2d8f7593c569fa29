"""Stripe intake: canonical payments, refunds, disputes and payouts.

Revision ID: 0003_stripe
Revises: 0001_initial
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_stripe"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_objects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("payment_id", sa.String(255), nullable=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("account", "kind", "external_id", name="uq_stripe_objects"),
    )
    op.create_index(
        "ix_stripe_objects_kind_created", "stripe_objects", ["kind", "created_at"]
    )
    op.create_index("ix_stripe_objects_payment", "stripe_objects", ["payment_id"])


def downgrade() -> None:
    op.drop_index("ix_stripe_objects_payment", table_name="stripe_objects")
    op.drop_index("ix_stripe_objects_kind_created", table_name="stripe_objects")
    op.drop_table("stripe_objects")
