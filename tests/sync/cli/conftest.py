"""Fixtures of the CLI tests: a configured hub folder with a store holding data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.templates import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_WEBHOOK_SECRET,
    SandboxEndpoints,
    render_hub_toml,
)
from connectors.sandbox.shopify import SandboxShopify
from connectors.shopify.parse import order_from_webhook
from sync.inbox import Delivery, store_delivery
from sync.orders_repo import upsert_order
from sync.store.db import make_engine, migrate
from sync.store.models import InboxStatus

SAMPLE = "shopify/webhooks/docs-samples-2026-04/orders__create.json"
GID = "gid://shopify/Order/820982911946154508"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Commands that run the hub configure logging; undo it after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def sandbox_shopify() -> Iterator[SandboxShopify]:
    """A running sandbox Shopify holding the sandbox shop, no orders yet."""
    with SandboxShopify() as shopify:
        shopify.add_shop(
            SANDBOX_SHOP_DOMAIN, SANDBOX_ACCESS_TOKEN, SANDBOX_WEBHOOK_SECRET
        )
        yield shopify


@pytest.fixture
def shopify_config(tmp_path: Path, sandbox_shopify: SandboxShopify) -> Path:
    """The hub.toml of `init --sandbox` whose shop is `sandbox_shopify` (no Odoo,
    no Stripe)."""
    endpoints = SandboxEndpoints(
        shopify_url=sandbox_shopify.shop_url(SANDBOX_SHOP_DOMAIN),
        odoo_url=None,
        stripe_url=None,
        hub_port=0,
    )
    path = tmp_path / "hub.toml"
    path.write_text(render_hub_toml(sandbox=True, endpoints=endpoints))
    return path


@pytest.fixture
def hub_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a sandbox hub.toml (no Odoo, no Stripe), as the cwd."""
    endpoints = SandboxEndpoints(
        shopify_url="http://127.0.0.1:9", odoo_url=None, stripe_url=None, hub_port=0
    )
    (tmp_path / "hub.toml").write_text(
        render_hub_toml(sandbox=True, endpoints=endpoints), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("O2C_HUB_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def store(hub_folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{hub_folder / 'o2c-hub.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def stored_order(store: Engine, shared_fixtures: Path) -> str:
    """Store the public orders/create sample as shop `demo`; return its GID."""
    sample = json.loads((shared_fixtures / SAMPLE).read_text(encoding="utf-8"))
    order = order_from_webhook(json.dumps(sample["response"]).encode(), shop="demo")
    with store.begin() as conn:
        upsert_order(conn, order, now=datetime(2026, 5, 1, tzinfo=UTC))
    return GID


@pytest.fixture
def parked_letter(store: Engine) -> int:
    """Store one parked inbox row; return its id."""
    delivery = Delivery(
        source="shopify",
        account="demo",
        topic="orders/create",
        event_id="wh-parked",
        key=None,
        body=b'{"id": ',
        status=InboxStatus.PARKED,
        error="orders/create: body is not valid JSON",
    )
    assert store_delivery(store, delivery)
    with store.connect() as conn:
        return int(conn.exec_driver_sql("select max(id) from inbox_events").scalar())
