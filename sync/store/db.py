"""Engines, sessions and schema migrations for the hub's database.

SQLite is the embedded default: WAL journal, a busy timeout, foreign keys on, and
`BEGIN IMMEDIATE` for every transaction so that two writers queue on the lock instead
of failing when a read transaction tries to become a write one. PostgreSQL is used by
URL, with pre-ping so that a restarted server does not break the pool.

Migrations are Alembic revisions shipped inside the package (`sync/store/migrations/`),
configured here without any alembic.ini. Other parts of the hub add revisions that
branch from `0001_initial` (in `versions/` or a sub-folder of it); `migrate` upgrades to
every head.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_READ_ONLY = "o2c_read_only"
# Any constant works: it only has to be the same in every process of the hub.
_PG_MIGRATION_LOCK = 0x02C_4B
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def make_engine(url: str, **options: Any) -> Engine:
    """Return an engine for `url`, tuned for the hub's use of that backend.

    Extra keyword options go to `sqlalchemy.create_engine`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"))
    options.setdefault("pool_pre_ping", True)
    options.setdefault("future", True)
    return create_engine(url, **options)


def _sqlite_engine(url: str, *, in_memory: bool) -> Engine:
    options: dict[str, Any] = {
        "connect_args": {
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "check_same_thread": False,
        }
    }
    if in_memory:
        # One shared connection, or every checkout would see a different database.
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads opened with `reading` need no write lock; WAL gives them a snapshot.
        deferred = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """Yield a connection for reads only; on SQLite it takes no write lock.

    Writing through it on SQLite may fail with "database is locked" under
    contention: use `engine.begin()` for anything that writes.
    """
    with engine.connect() as conn:
        yield conn.execution_options(**{_READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session maker whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Run a trivial query; raises the driver's error when the database is unusable."""
    with engine.connect() as conn:
        conn.execute(text("select 1"))


def alembic_config(extra_locations: Iterable[Path] = ()) -> Config:
    """Return the Alembic configuration of the package's migrations (no ini file).

    `extra_locations` adds folders of revisions kept outside the package.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [MIGRATIONS_DIR / "versions", *extra_locations]
    config.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
    config.set_main_option("recursive_version_locations", "true")
    config.set_main_option("path_separator", "os")
    return config


def migrate(engine: Engine, *, extra_locations: Iterable[Path] = ()) -> None:
    """Upgrade the database to every head revision; a current database is left as is.

    Raises alembic or driver errors when a revision fails (its transaction rolls back).
    """
    config = alembic_config(extra_locations)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once must not both create the tables.
            conn.execute(
                text("select pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = conn
        before = _current_revisions(conn)
        command.upgrade(config, "heads")
        after = _current_revisions(conn)
    if before != after:
        logger.info("database migrated from %s to %s", sorted(before), sorted(after))


def head_revisions(extra_locations: Iterable[Path] = ()) -> set[str]:
    """Return the head revision ids shipped with the code."""
    config = alembic_config(extra_locations)
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """Return the revision ids the database is at (empty before the first migrate)."""
    with engine.connect() as conn:
        return _current_revisions(conn)


def is_current(engine: Engine) -> bool:
    """True when the database is at every head the code ships (readiness check)."""
    return current_revisions(engine) == head_revisions()


def _current_revisions(conn: Any) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


def dialect_insert(conn: Any, table: Any) -> Any:
    """Return an INSERT for `table` that knows ON CONFLICT on this connection's backend.

    Raises NotImplementedError for a backend other than SQLite or PostgreSQL.
    """
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    raise NotImplementedError(
        f"the hub's store supports sqlite and postgresql, not {name}"
    )
