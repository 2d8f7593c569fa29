"""Fixtures shared by the whole suite: real PostgreSQL and Redis when reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "O2C_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("O2C_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _postgres_reachable() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it can."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip with the reason
        return (
            f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}"
        )
    return None


@pytest.fixture(scope="session")
def _postgres_available() -> None:
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def postgres_url(_postgres_available: None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test once against SQLite and once against PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis URL; skipped with the reason when Redis cannot be reached."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc.__class__.__name__}")
    yield REDIS_URL


@pytest.fixture
def shared_fixtures() -> Path:
    """`../shared/fixtures`, read in place; skipped where the folder is absent."""
    folder = SHARED / "fixtures"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (shared fixtures live beside the repository)")
    return folder
