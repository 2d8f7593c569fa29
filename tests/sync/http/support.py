"""Helpers of the webhook tests: signing, settings, a real server on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from config.settings import Settings, settings_from_dict
from sync.http import ServerThread, create_app
from sync.store.db import make_engine, migrate
from sync.store.models import InboxEvent

DOMAIN = "acme.myshopify.com"
SECRET = "current-webhook-secret"
OLD_SECRET = "previous-webhook-secret"
ROTATION_ENDS = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MAX_BODY = 64 * 1024
SAMPLES = "shopify/webhooks/docs-samples-2026-04"


def sign(body: bytes, secret: str = SECRET) -> str:
    """Shopify's signature, computed here independently of the code under test."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def hub_settings(
    base_dir: Path, store_url: str, *, admin_token: str | None = None
) -> Settings:
    server: dict[str, Any] = {"max_body_bytes": MAX_BODY}
    if admin_token:
        server["admin_token"] = admin_token
    data = {
        "environment": "development",
        "server": server,
        "store": {"url": store_url},
        "shops": [
            {
                "name": "acme",
                "domain": DOMAIN,
                "access_token": "shpat_test",
                "webhook_secret": SECRET,
                "previous_webhook_secret": OLD_SECRET,
                "previous_secret_valid_until": ROTATION_ENDS,
            }
        ],
    }
    return settings_from_dict(data, base_dir=base_dir, environ={})


@dataclass
class Harness:
    """The server, its store, what it queued, and a clock the test moves."""

    url: str
    engine: Engine
    client: httpx.Client
    enqueued: list[str] = field(default_factory=list)
    clock: list[datetime] = field(default_factory=list)
    queue_down: bool = False

    def enqueue(self, key: str) -> None:
        if self.queue_down:
            raise ConnectionError("queue down")
        self.enqueued.append(key)

    def wait_enqueued(self, count: int, timeout: float = 5.0) -> list[str]:
        """Keys are queued after the answer: wait for `count` of them, then a
        moment more so that an unexpected extra one would be seen too."""
        deadline = time.monotonic() + timeout
        while len(self.enqueued) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        return list(self.enqueued)

    def post(
        self,
        body: bytes,
        *,
        topic: str = "orders/create",
        secret: str | None = SECRET,
        domain: str | None = DOMAIN,
        webhook_id: str | None = None,
        path: str = "/webhooks/shopify",
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-API-Version": "2026-04",
        }
        # None: a fresh id; "": no webhook id header at all.
        if webhook_id != "":
            headers["X-Shopify-Webhook-Id"] = webhook_id or str(uuid.uuid4())
        if domain is not None:
            headers["X-Shopify-Shop-Domain"] = domain
        if secret is not None:
            headers["X-Shopify-Hmac-Sha256"] = sign(body, secret)
        headers.update(extra or {})
        return self.client.post(f"{self.url}{path}", content=body, headers=headers)

    def rows(self) -> list[InboxEvent]:
        with Session(self.engine) as session:
            return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def start_harness(base_dir: Path, store_url: str) -> tuple[Harness, ServerThread]:
    engine = make_engine(store_url)
    migrate(engine)
    settings = hub_settings(base_dir, store_url)
    harness = Harness(url="", engine=engine, client=httpx.Client(timeout=10))
    harness.clock.append(datetime(2026, 5, 1, tzinfo=UTC))
    app = create_app(
        settings,
        engine=engine,
        enqueue=harness.enqueue,
        now=lambda: harness.clock[0],
    )
    server = ServerThread(app).start()
    harness.url = server.url
    return harness, server


def sample_bodies(shared: Path) -> dict[str, bytes]:
    """The public docs samples' webhook bodies, by topic (`orders/create`, ...)."""
    bodies: dict[str, bytes] = {}
    for path in sorted((shared / SAMPLES).glob("*.json")):
        sample: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        bodies[str(sample["name"])] = json.dumps(sample["response"]).encode()
    return bodies
