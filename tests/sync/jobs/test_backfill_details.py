"""Backfill over loopback from the sandbox Shopify: details read in batches store
what reading them one order at a time stores, in far fewer requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from config.settings import ShopSettings, settings_from_dict
from connectors.sandbox.shopify import SandboxShopify, generate_orders
from connectors.shopify.details import REFUND_KIND
from o2c.errors import PayloadError
from sync.jobs.backfill import backfill_orders
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.store.db import make_engine, migrate
from sync.store.models import OrderRecord
from tests.sync.helpers import T0, Clock

DOMAIN = "details.myshopify.com"
TOKEN = "shpat_details"


class OneByOneSource(ShopifyOrderSource):
    """The Shopify source completing each order on its own, as before batching."""

    def complete_nodes(
        self, shop: ShopSettings, nodes: list[dict[str, Any]]
    ) -> list[PayloadError | None]:
        single = super().complete_nodes
        return [single(shop, [node])[0] for node in nodes]


@pytest.fixture
def sandbox() -> Iterator[SandboxShopify]:
    orders = generate_orders(300, seed=17, shop_domain=DOMAIN)
    with SandboxShopify(bucket_size=100_000, restore_rate=100_000) as sandbox:
        sandbox.add_shop(DOMAIN, TOKEN, "secret")
        sandbox.add_orders(DOMAIN, orders)
        yield sandbox


@pytest.fixture
def shop(sandbox: SandboxShopify, tmp_path: Path) -> ShopSettings:
    return settings_from_dict(
        {
            "environment": "development",
            "shops": [
                {
                    "name": "details",
                    "domain": DOMAIN,
                    "access_token": TOKEN,
                    "webhook_secret": "secret",
                    "api_version": "2026-01",
                    "api_base_url": sandbox.shop_url(DOMAIN),
                }
            ],
        },
        base_dir=tmp_path,
    ).shops[0]


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        query = select(OrderRecord.external_id, OrderRecord.version, OrderRecord.data)
        return [tuple(r) for r in conn.execute(query.order_by(OrderRecord.external_id))]


def _detail_requests(sandbox: SandboxShopify, since: int) -> list[dict[str, Any]]:
    return [
        r
        for r in sandbox.requests(DOMAIN)[since:]
        if "NodesByIds" in str(r["query"]) or "NodePage" in str(r["query"])
    ]


def test_batched_details_store_the_one_by_one_orders_in_far_fewer_requests(
    sandbox: SandboxShopify, shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    one_by_one, batched = fresh("one"), fresh("batched")

    backfill_orders(
        one_by_one, shop, OneByOneSource(), since=None, clock=Clock(T0), parse_workers=0
    )
    before = len(sandbox.requests(DOMAIN))
    single = _detail_requests(sandbox, 0)
    result = backfill_orders(
        batched,
        shop,
        ShopifyOrderSource(),
        since=None,
        clock=Clock(T0),
        parse_workers=1,
    )
    grouped = _detail_requests(sandbox, before)

    assert (result.stored, result.parked) == (300, 0)
    assert _stored(batched) == _stored(one_by_one)
    # A batch holds at least 1,000 // the dearest kind's cost objects.
    factor = 1000 // REFUND_KIND.cost
    assert len(single) >= 100
    assert len(grouped) * factor <= len(single)
    assert all(r["requested_cost"] <= 1000 for r in grouped)
