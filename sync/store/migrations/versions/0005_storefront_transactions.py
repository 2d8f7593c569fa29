"""Storefront transactions by processor reference; payments by their intent id.

Revision ID: 0005_storefront_transactions
Revises: 0003_stripe
Create Date: 2026-12-10
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_storefront_transactions"
down_revision = "0003_stripe"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storefront_transactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("shop", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("order_external_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("gateway", sa.Text, nullable=False),
        sa.Column("authorization", sa.String(255), nullable=True),
        sa.Column("payment_reference", sa.String(255), nullable=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shop", "external_id", name="uq_storefront_transactions"),
    )
    op.create_index(
        "ix_storefront_transactions_authorization",
        "storefront_transactions",
        ["authorization"],
    )
    op.create_index(
        "ix_storefront_transactions_payment_reference",
        "storefront_transactions",
        ["payment_reference"],
    )
    op.create_index(
        "ix_storefront_transactions_order",
        "storefront_transactions",
        ["shop", "order_external_id"],
    )

    op.add_column(
        "stripe_objects", sa.Column("payment_intent_id", sa.String(255), nullable=True)
    )
    op.create_index("ix_stripe_objects_intent", "stripe_objects", ["payment_intent_id"])
    _fill_intent_ids()


def _fill_intent_ids() -> None:
    """Copy each stored payment's intent id out of its JSON into the new column."""
    objects = sa.table(
        "stripe_objects",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.Text),
        sa.column("payment_intent_id", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(objects.c.id, objects.c.data).where(objects.c.kind == "payment")
    )
    for row_id, data in rows.all():
        intent = json.loads(data).get("payment_intent_id")
        if intent:
            conn.execute(
                objects.update()
                .where(objects.c.id == row_id)
                .values(payment_intent_id=intent)
            )


def downgrade() -> None:
    op.drop_index("ix_stripe_objects_intent", table_name="stripe_objects")
    with op.batch_alter_table("stripe_objects") as batch:
        batch.drop_column("payment_intent_id")
    op.drop_index(
        "ix_storefront_transactions_order", table_name="storefront_transactions"
    )
    op.drop_index(
        "ix_storefront_transactions_payment_reference",
        table_name="storefront_transactions",
    )
    op.drop_index(
        "ix_storefront_transactions_authorization",
        table_name="storefront_transactions",
    )
    op.drop_table("storefront_transactions")
