"""Fixtures of the webhook tests: a real hub HTTP server on loopback per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.http.support import Harness, sample_bodies, start_harness


@pytest.fixture
def harness(tmp_path: Path, sqlite_url: str) -> Iterator[Harness]:
    running, server = start_harness(tmp_path, sqlite_url)
    yield running
    server.stop()
    running.client.close()
    running.engine.dispose()


@pytest.fixture
def store_harness(tmp_path: Path, store_url: str) -> Iterator[Harness]:
    """The same server once on SQLite and once on PostgreSQL."""
    running, server = start_harness(tmp_path, store_url)
    yield running
    server.stop()
    running.client.close()
    running.engine.dispose()


@pytest.fixture
def samples(shared_fixtures: Path) -> dict[str, bytes]:
    return sample_bodies(shared_fixtures)
