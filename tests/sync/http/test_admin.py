"""Tests of the admin API: status, orders, dead letters, and who may call it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.http import ServerThread, create_app
from sync.store.db import make_engine, migrate
from sync.store.models import InboxStatus
from tests.sync.http.support import Harness, hub_settings

TOKEN = "admin-token-for-tests"


@pytest.fixture
def token_url(tmp_path: Path, sqlite_url: str) -> Iterator[str]:
    engine = make_engine(sqlite_url)
    migrate(engine)
    app = create_app(
        hub_settings(tmp_path, sqlite_url, admin_token=TOKEN),
        engine=engine,
        enqueue=lambda key: None,
    )
    with ServerThread(app) as server:
        yield server.url
    engine.dispose()


def test_status_answers_loopback_without_a_token(harness: Harness) -> None:
    response = harness.client.get(f"{harness.url}/admin/status")
    assert response.status_code == 200
    assert response.json()["orders"] == {"total": 0, "by_state": {}}


def test_parked_webhook_is_listed_and_retried_through_the_api(
    harness: Harness,
) -> None:
    harness.post(b'{"id": ', webhook_id="wh-bad")
    letters = harness.client.get(f"{harness.url}/admin/dead-letters").json()
    (letter,) = letters["dead_letters"]
    assert letter["status"] == InboxStatus.PARKED
    assert letter["event_id"] == "wh-bad"

    url = f"{harness.url}/admin/dead-letters/{letter['id']}/retry"
    response = harness.client.post(url)
    assert response.status_code == 200
    assert response.json() == {"retried": 1, "keys_queued": 1}
    assert harness.enqueued == [letter["key"]]
    (row,) = harness.rows()
    assert row.status == InboxStatus.PENDING
    assert harness.client.post(url).status_code == 404


def test_retry_all_through_the_api(harness: Harness) -> None:
    harness.post(b"[1]")
    harness.post(b"[2]")
    response = harness.client.post(f"{harness.url}/admin/dead-letters/retry")
    assert response.json() == {"retried": 2, "keys_queued": 2}


def test_orders_endpoints_list_and_404(harness: Harness) -> None:
    listed = harness.client.get(f"{harness.url}/admin/orders?state=received")
    assert listed.json() == {"orders": []}
    missing = harness.client.get(f"{harness.url}/admin/orders/gid://shopify/Order/1")
    assert missing.status_code == 404


def test_admin_token_is_required_when_configured(token_url: str) -> None:
    assert httpx.get(f"{token_url}/admin/status").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.get(f"{token_url}/admin/status", headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{token_url}/admin/status", headers=right).status_code == 200


def test_admin_refuses_other_machines_without_a_token(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    app = create_app(
        hub_settings(tmp_path, sqlite_url), engine=engine, enqueue=lambda key: None
    )
    # An in-process transport is the one way to call from another address here.
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))

    async def calls() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
            admin = await c.get("/admin/status")
            health = await c.get("/healthz")
            return admin.status_code, health.status_code

    assert asyncio.run(calls()) == (403, 200)
    engine.dispose()


def test_openapi_documents_the_admin_and_webhook_routes(harness: Harness) -> None:
    paths = harness.client.get(f"{harness.url}/openapi.json").json()["paths"]
    assert "/webhooks/shopify" in paths
    assert "/admin/dead-letters/{letter_id}/retry" in paths
