"""Tests of `/healthz`, `/readyz` and `/metrics` over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from sync.http import ServerThread, create_app
from sync.store.db import make_engine, migrate
from tests.sync.http.support import Harness, hub_settings, sign


def _broken_queue() -> None:
    raise ConnectionError("redis unreachable")


@pytest.fixture
def unready_url(tmp_path: Path, sqlite_url: str) -> Iterator[str]:
    """A server whose queue probe fails."""
    engine = make_engine(sqlite_url)
    migrate(engine)
    app = create_app(
        hub_settings(tmp_path, sqlite_url),
        engine=engine,
        enqueue=lambda key: None,
        probes={"queue": _broken_queue},
    )
    with ServerThread(app) as server:
        yield server.url
    engine.dispose()


def test_healthz_answers_ok(harness: Harness) -> None:
    response = harness.client.get(f"{harness.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_store_is_reachable(harness: Harness) -> None:
    response = harness.client.get(f"{harness.url}/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"store": "ok"}}


def test_readyz_is_503_naming_the_unreachable_queue(unready_url: str) -> None:
    response = httpx.get(f"{unready_url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "store": "ok",
        "queue": "failed: ConnectionError",
    }


def test_readyz_is_503_when_the_store_is_gone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'hub.db'}"
    engine = make_engine(url)
    app = create_app(
        hub_settings(tmp_path, url), engine=engine, enqueue=lambda key: None
    )
    with ServerThread(app) as server:
        response = httpx.get(f"{server.url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["store"].startswith("failed:")


def _count(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "o2c_webhook_deliveries_total", {"source": "shopify", "outcome": outcome}
    )
    return value or 0.0


def test_metrics_count_webhook_outcomes_and_inbox_rows(harness: Harness) -> None:
    accepted, rejected = _count("accepted"), _count("bad_signature")
    harness.post(b'{"id": 1}')
    harness.post(b'{"id": 2}', secret="wrong")
    response = harness.client.get(f"{harness.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert _count("accepted") == accepted + 1
    assert _count("bad_signature") == rejected + 1
    text = response.text
    assert 'o2c_inbox_events{status="pending"} 1.0' in text
    assert "o2c_webhook_seconds_bucket" in text
    assert "o2c_store_up 1.0" in text
    assert sign(b"") not in text
