"""Backfill stores history in batches through the same versioned upsert."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from config.settings import Settings, ShopSettings
from o2c.orders import Order
from sync.inbox import store_delivery
from sync.jobs.backfill import GC_THRESHOLD, backfill_orders
from sync.orders_repo import get_order
from sync.runtime import Hub
from sync.store.models import InboxStatus, OrderRecord
from tests.sync.helpers import (
    SHOP,
    T0,
    Clock,
    FakeSource,
    graphql_node,
    inbox_rows,
    webhook,
)


@pytest.fixture
def hub(settings: Settings, engine: Engine, source: FakeSource) -> Iterator[Hub]:
    hub = Hub(settings, orders=source, clock=Clock(T0 + timedelta(days=1)))
    yield hub
    hub.close()


def _order_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count(OrderRecord.id))).scalar_one())


def test_backfill_stores_every_order_and_reports_progress_per_batch(
    hub: Hub, source: FakeSource
) -> None:
    source.nodes = [graphql_node(n) for n in range(1, 26)]
    progress: list[int] = []

    result = backfill_orders(
        hub.engine,
        hub.settings.shop(SHOP),
        source,
        since=None,
        clock=hub.clock,
        on_progress=progress.append,
        batch_size=10,
    )

    assert (result.stored, result.parked) == (25, 0)
    assert progress == [10, 20, 25]
    assert _order_count(hub.engine) == 25


def test_hub_backfill_returns_the_orders_stored(hub: Hub, source: FakeSource) -> None:
    source.nodes = [graphql_node(n) for n in range(1, 4)]
    progress: list[int] = []
    assert hub.backfill(SHOP, None, progress.append) == 3
    assert progress == [3]


def test_backfill_twice_stores_each_order_once(hub: Hub, source: FakeSource) -> None:
    source.nodes = [graphql_node(n) for n in range(1, 51)]
    hub.backfill(SHOP, None)
    hub.backfill(SHOP, None)
    assert _order_count(hub.engine) == 50


def test_backfill_never_overwrites_a_newer_webhook_version(
    hub: Hub, source: FakeSource
) -> None:
    newer = T0 + timedelta(hours=3)
    store_delivery(
        hub.engine,
        webhook(7, topic="orders/paid", updated_at=newer, financial_status="paid"),
    )
    hub.process_key(inbox_rows(hub.engine)[0].key)
    source.nodes = [graphql_node(7, updated_at=T0)]

    hub.backfill(SHOP, None)

    found = get_order(hub.engine, "gid://shopify/Order/7")
    assert found is not None
    assert found[1].version == newer
    assert found[1].financial_status == "paid"


def test_backfill_parks_a_node_it_cannot_parse_with_the_raw_node(
    hub: Hub, source: FakeSource
) -> None:
    broken = {"id": "gid://shopify/Order/9", "updatedAt": "2026-03-01T09:00:00Z"}
    source.nodes = [graphql_node(1), broken, graphql_node(2)]

    assert hub.backfill(SHOP, None) == 2

    [parked] = inbox_rows(hub.engine)
    assert parked.status == InboxStatus.PARKED
    assert parked.topic == "bulk/orders"
    assert parked.key == "shopify:acme:gid://shopify/Order/9"
    assert b'"gid://shopify/Order/9"' in parked.body
    assert "rest" in parked.last_error
    assert _order_count(hub.engine) == 2


class _WatchingSource(FakeSource):
    """Records the collector's threshold while parsing; fails after its nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.thresholds: list[int] = []

    def parse_node(self, node: dict[str, Any], *, shop: str) -> Order:
        self.thresholds.append(gc.get_threshold()[0])
        return super().parse_node(node, shop=shop)

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        yield from self.nodes
        raise RuntimeError("bulk read failed")


def test_backfill_collects_less_while_running_and_restores_the_threshold(
    hub: Hub,
) -> None:
    before = gc.get_threshold()
    source = _WatchingSource()
    source.nodes = [graphql_node(n) for n in range(1, 4)]

    with pytest.raises(RuntimeError):
        backfill_orders(
            hub.engine,
            hub.settings.shop(SHOP),
            source,
            since=None,
            clock=hub.clock,
            batch_size=2,
        )

    assert source.thresholds == [GC_THRESHOLD] * 3
    assert gc.get_threshold() == before
    assert _order_count(hub.engine) == 2
