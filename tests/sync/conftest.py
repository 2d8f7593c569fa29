"""Fixtures of the runtime tests: settings, a migrated store, the test order source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.settings import Settings
from sync.store.db import make_engine, migrate
from tests.sync.helpers import FakeSource, hub_settings


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return hub_settings(store_url, tmp_path)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated store (SQLite and PostgreSQL, through `store_url`)."""
    engine = make_engine(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()
