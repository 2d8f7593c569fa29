"""Engines and migrations against SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from sync.store.db import (
    current_revisions,
    head_revisions,
    is_current,
    make_engine,
    migrate,
    ping,
    reading,
)
from sync.store.models import Base

HUB_TABLES = {
    "inbox_events",
    "orders",
    "order_events",
    "leases",
    "poll_cursors",
    "commands",
}


def test_migrate_creates_the_tables_at_the_initial_head(store_url: str) -> None:
    engine = make_engine(store_url)
    assert not is_current(engine)

    migrate(engine)

    assert set(inspect(engine).get_table_names()) >= HUB_TABLES
    assert current_revisions(engine) == head_revisions()
    assert is_current(engine)
    with engine.connect() as conn:
        stamped = MigrationContext.configure(conn).get_current_heads()
    assert stamped


def test_migrate_twice_leaves_a_current_database_unchanged(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    migrate(engine)
    assert is_current(engine)


def test_migrations_match_the_models_exactly(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if _table_of(d) in HUB_TABLES]
    assert ours == []


def _table_of(difference: object) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item if isinstance(item, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if name in HUB_TABLES:
            return str(name)
    return None


BRANCH = """
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("{table}")
"""


def test_migrate_upgrades_every_head_when_revisions_branch(
    store_url: str, tmp_path: Path
) -> None:
    # Two parts of the hub each add a revision on top of 0001_initial.
    extra = tmp_path / "versions"
    extra.mkdir()
    for rev, table in (("0100_bank", "bank_things"), ("0200_stripe", "stripe_things")):
        (extra / f"{rev}.py").write_text(BRANCH.format(rev=rev, table=table))
    engine = make_engine(store_url)

    migrate(engine, extra_locations=[extra])

    assert {"0100_bank", "0200_stripe"} <= current_revisions(engine)
    assert current_revisions(engine) == head_revisions([extra])
    assert {"bank_things", "stripe_things"} <= set(inspect(engine).get_table_names())


def test_sqlite_engine_uses_wal_foreign_keys_and_a_busy_timeout(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1
        assert conn.execute(text("pragma busy_timeout")).scalar() == 30_000


def test_in_memory_sqlite_keeps_one_database_across_connections() -> None:
    engine = make_engine("sqlite://")
    migrate(engine)
    assert "orders" in inspect(engine).get_table_names()


def test_ping_raises_when_the_database_is_unreachable() -> None:
    engine = make_engine(
        "postgresql+psycopg2://nobody@127.0.0.1:1/none",
        connect_args={"connect_timeout": 2},
    )
    with pytest.raises(OperationalError):
        ping(engine)


def test_ping_passes_on_a_reachable_database(store_url: str) -> None:
    ping(make_engine(store_url))


def test_sqlite_reads_do_not_wait_for_an_open_write_transaction(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    with engine.begin() as writer:
        writer.execute(text("insert into leases values ('k', 'a', '2026-01-01')"))
        started = time.monotonic()
        with reading(engine) as conn:
            count = conn.execute(text("select count(*) from leases")).scalar()
        # The reader sees the last committed state, at once.
        assert count == 0
        assert time.monotonic() - started < 5
