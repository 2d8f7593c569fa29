"""Migration 0005: storefront transactions, and payments found by their intent id."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

import sync.store.models_stripe  # noqa: F401  (registers the Stripe tables)
from sync.store.db import alembic_config, current_revisions, make_engine, migrate
from sync.store.models import Base

TABLES = {"storefront_transactions", "stripe_objects"}


def test_storefront_tables_match_the_models_exactly(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if TABLES & set(_names(d))]
    assert ours == []
    assert "0005_storefront_transactions" in current_revisions(engine)


def test_payments_stored_before_0005_get_their_intent_id_column_filled(
    store_url: str,
) -> None:
    engine = make_engine(store_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003_stripe")
        for kind, ident, intent in (
            ("payment", "ch_1", "pi_1"),
            ("payment", "ch_2", None),
            ("refund", "re_1", "pi_1"),
        ):
            conn.execute(
                text(
                    "insert into stripe_objects (account, kind, external_id, amount,"
                    " currency, status, created_at, data, updated_at) values"
                    " ('default', :kind, :ident, '1.00', 'EUR', 'succeeded', :at,"
                    " :data, :at)"
                ),
                {
                    "kind": kind,
                    "ident": ident,
                    "at": datetime(2026, 3, 1, tzinfo=UTC),
                    "data": json.dumps({"payment_intent_id": intent}),
                },
            )

    migrate(engine)

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select external_id, payment_intent_id from stripe_objects"
                " order by external_id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ch_1", "pi_1"),
        ("ch_2", None),
        ("re_1", None),  # only payments are looked up by their intent
    ]
    assert "storefront_transactions" in inspect(engine).get_table_names()


def _names(difference: object) -> list[str]:
    item = difference[0] if isinstance(difference, list) else difference
    names = []
    for part in item if isinstance(item, tuple) else ():
        table = getattr(part, "table", None)
        if table is not None:
            names.append(str(table.name))
        name = getattr(part, "name", None)
        if isinstance(name, str):
            names.append(name)
        if isinstance(part, str):
            names.append(part)
    return names
