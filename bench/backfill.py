"""Benchmark: backfill into the store, bulk JSONL to stored orders, in batches.

Streams a generated bulk result (default 100,000 orders, the shape of
`bench.shopify_parse`) through `join_bulk_lines`, `order_from_graphql` and the hub's
batched versioned upsert (`sync.jobs.backfill.backfill_orders`) into a fresh SQLite
store, then runs it again to show that a repeat stores nothing new, then times the
store side alone (orders parsed beforehand). Prints orders per second (wall clock and
per CPU second), peak RSS and the machine's load. O2C_BENCH_BACKFILL_ORDERS changes
the count; O2C_BENCH_BACKFILL_URL stores into that database (e.g. an empty PostgreSQL
schema) instead of the temporary SQLite file. Targets are reported, never asserted.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.shopify_parse import generate
from config.settings import ShopSettings, settings_from_dict
from connectors.shopify.bulk import join_bulk_lines
from connectors.shopify.parse import order_from_graphql
from sync.jobs.backfill import BATCH_SIZE, backfill_orders
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.orders_repo import upsert_orders
from sync.store.db import make_engine, migrate
from sync.store.models import OrderRecord

TARGET_PER_SECOND = 2000
TARGET_PEAK_MB = 300


class _GeneratedBulk(ShopifyOrderSource):
    """The real parser; the bulk result comes from the generator, not from Shopify."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        return join_bulk_lines(generate(self.count))


def _shop(base_dir: Path) -> ShopSettings:
    settings = settings_from_dict(
        {
            "environment": "development",
            "shops": [
                {
                    "name": "bench",
                    "domain": "bench.myshopify.com",
                    "access_token": "shpat_bench",
                    "webhook_secret": "whsec_bench",
                }
            ],
        },
        base_dir=base_dir,
    )
    return settings.shops[0]


def _cpu_seconds() -> float:
    """CPU seconds this process has used so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _run(url: str, count: int, base_dir: Path) -> None:
    engine = make_engine(url)
    migrate(engine)
    source, shop = _GeneratedBulk(count), _shop(base_dir)
    for attempt in ("first load", "repeat"):
        load = os.getloadavg()[0]
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        result = backfill_orders(
            engine, shop, source, since=None, clock=lambda: datetime.now(UTC)
        )
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_started
        rate = result.stored / elapsed
        verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
        print(
            f"backfill {attempt}: {result.stored:,} orders in {elapsed:.1f} s, "
            f"{rate:,.0f} orders/s (target {TARGET_PER_SECOND:,}: {verdict}); "
            f"{cpu:.1f} CPU s, {result.stored / cpu:,.0f} orders per CPU second; "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
    with engine.connect() as conn:
        stored = conn.execute(select(func.count(OrderRecord.id))).scalar_one()
    print(f"backfill: {stored:,} orders in the store after both runs")
    engine.dispose()


def _store_only(url: str, count: int) -> None:
    """Time the store side alone: orders parsed beforehand, then upserted."""
    orders = [
        order_from_graphql(node, shop="bench")
        for node in join_bulk_lines(generate(count))
    ]
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, len(orders), BATCH_SIZE):
        with engine.begin() as conn:
            upsert_orders(conn, orders[first : first + BATCH_SIZE], now=now)
    elapsed = time.perf_counter() - started
    print(
        f"backfill store side only: {count:,} parsed orders upserted in "
        f"{elapsed:.1f} s, {count / elapsed:,.0f} orders/s"
    )
    engine.dispose()


def main() -> None:
    count = int(os.environ.get("O2C_BENCH_BACKFILL_ORDERS", "100000"))
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("O2C_BENCH_BACKFILL_URL") or f"sqlite:///{folder}/hub.db"
        print(f"backfill: {count:,} generated orders into {url.split('?')[0]}")
        _run(url, count, Path(folder))
        # Measured before the store-only run, which holds its orders in memory.
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = "met" if peak_mb < TARGET_PEAK_MB else "MISSED"
        target = f"target < {TARGET_PEAK_MB}: {verdict}"
        print(f"backfill: peak RSS {peak_mb:,.0f} MB ({target})")
        if not os.environ.get("O2C_BENCH_BACKFILL_URL"):
            _store_only(f"sqlite:///{folder}/store-only.db", min(count, 3_000))


if __name__ == "__main__":
    main()
