"""Tests of the bare ASGI webhook endpoint: which paths it takes, the routes that
forward to it, and a client that goes away mid-body."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sync.http import ServerThread
from sync.http.webhooks import Intake, ShopifyEndpoint, shopify_router
from sync.http.webhooks import webhook_path_shop as path_shop
from sync.store.db import make_engine, migrate
from tests.sync.http.support import DOMAIN, Harness, hub_settings, sign


@pytest.mark.parametrize(
    ("path", "shop"),
    [
        ("/webhooks/shopify", ""),
        ("/webhooks/shopify/acme", "acme"),
        ("/webhooks/shopify/acme.myshopify.com", "acme.myshopify.com"),
        ("/webhooks/shopify/", None),
        ("/webhooks/shopify/acme/extra", None),
        ("/webhooks/shopifyx", None),
        ("/webhooks/stripe", None),
        ("/healthz", None),
    ],
)
def test_webhook_path_names_the_shop_or_is_not_a_webhook(
    path: str, shop: str | None
) -> None:
    assert path_shop(path) == shop


def test_other_methods_on_the_webhook_path_are_left_to_fastapi(
    harness: Harness,
) -> None:
    response = harness.client.get(f"{harness.url}/webhooks/shopify")
    assert response.status_code == 405
    assert harness.rows() == []


def test_answer_is_compact_json_with_its_length(harness: Harness) -> None:
    response = harness.post(b'{"id": 7}', webhook_id="wh-7")
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"status":"accepted","event_id":"wh-7"}'
    assert int(response.headers["content-length"]) == len(response.content)


def test_plain_fastapi_app_serves_webhooks_through_the_documented_routes(
    tmp_path: Path, sqlite_url: str
) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    queued: list[str] = []
    settings = hub_settings(tmp_path, sqlite_url)
    intake = Intake(settings=settings, engine=engine, enqueue=queued.append)
    app = FastAPI()
    app.include_router(shopify_router(ShopifyEndpoint(intake)))
    body = b'{"id": 11}'
    headers = {"X-Shopify-Topic": "orders/paid", "X-Shopify-Hmac-Sha256": sign(body)}
    with ServerThread(app) as server:
        by_path = httpx.post(
            f"{server.url}/webhooks/shopify/acme", content=body, headers=headers
        )
        unsigned = httpx.post(
            f"{server.url}/webhooks/shopify",
            content=body,
            headers={"X-Shopify-Shop-Domain": DOMAIN},
        )
    intake.writer.close()
    engine.dispose()
    assert by_path.status_code == 200
    assert by_path.json()["status"] == "accepted"
    assert unsigned.status_code == 401
    assert queued == ["shopify:acme:gid://shopify/Order/11"]


def test_client_gone_mid_body_stores_nothing_and_the_server_goes_on(
    harness: Harness,
) -> None:
    host, port = harness.url.removeprefix("http://").split(":")
    head = (
        "POST /webhooks/shopify HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"X-Shopify-Shop-Domain: {DOMAIN}\r\n"
        f"X-Shopify-Hmac-Sha256: {sign(b'{}')}\r\n"
        "Content-Length: 5000\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + b'{"id": 1, "pad": "')
        time.sleep(0.2)
    time.sleep(0.2)
    assert harness.post(b'{"id": 2}').status_code == 200
    assert [row.key for row in harness.rows()] == ["shopify:acme:gid://shopify/Order/2"]
