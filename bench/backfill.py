"""Benchmark: backfill into the store, bulk JSONL to stored orders, in batches.

Streams a generated bulk result (default 100,000 orders, the shape of
`bench.shopify_parse`) through the hub's backfill (`sync.jobs.backfill.backfill_orders`
with the Shopify source: chunks of lines joined and parsed in worker processes, rows
stored here by the batched versioned upsert) into a fresh SQLite store, then runs it
again to show that a repeat stores nothing new, then once more in process (no worker
processes) into another fresh store, then times the store side alone (orders parsed
beforehand). Prints orders per second (wall clock and per CPU second, workers
included), peak RSS (this process and the largest worker) and the machine's load.
O2C_BENCH_BACKFILL_ORDERS changes the count; O2C_HUB_BACKFILL_WORKERS the worker
processes; O2C_BENCH_BACKFILL_URL stores into that database (e.g. an empty PostgreSQL
schema) instead of the temporary SQLite file, and skips the runs that need a fresh
one. Targets are reported, never asserted.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.shopify_parse import generate
from config.settings import ShopSettings, settings_from_dict
from connectors.shopify.bulk import join_bulk_lines
from connectors.shopify.parse import order_from_graphql
from sync.jobs.backfill import BATCH_SIZE, backfill_orders
from sync.jobs.backfill_workers import worker_count
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

    def bulk_lines(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[bytes]:
        return generate(self.count)


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


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished children (the
    parse workers, reaped when a backfill ends)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _run(url: str, count: int, base_dir: Path, *, attempts: list[str]) -> None:
    engine = make_engine(url)
    migrate(engine)
    source, shop = _GeneratedBulk(count), _shop(base_dir)
    for attempt in attempts:
        workers = 0 if "in process" in attempt else None
        load = os.getloadavg()[0]
        started, (own_started, workers_started) = time.perf_counter(), _cpu_seconds()
        result = backfill_orders(
            engine,
            shop,
            source,
            since=None,
            clock=lambda: datetime.now(UTC),
            parse_workers=workers,
        )
        elapsed = time.perf_counter() - started
        own, in_workers = _cpu_seconds()
        in_workers -= workers_started
        cpu = own - own_started + in_workers
        rate = result.stored / elapsed
        verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
        print(
            f"backfill {attempt}: {result.stored:,} orders in {elapsed:.1f} s, "
            f"{rate:,.0f} orders/s (target {TARGET_PER_SECOND:,}: {verdict}); "
            f"{cpu:.1f} CPU s ({in_workers:.1f} in workers), "
            f"{result.stored / cpu:,.0f} orders per CPU second; "
            f"load {load:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
    with engine.connect() as conn:
        stored = conn.execute(select(func.count(OrderRecord.id))).scalar_one()
    print(f"backfill: {stored:,} orders in the store after {len(attempts)} run(s)")
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
    given_url = os.environ.get("O2C_BENCH_BACKFILL_URL")
    with tempfile.TemporaryDirectory() as folder:
        url = given_url or f"sqlite:///{folder}/hub.db"
        print(
            f"backfill: {count:,} generated orders into {url.split('?')[0]}, "
            f"{worker_count()} parse worker process(es) beside this one"
        )
        _run(url, count, Path(folder), attempts=["first load", "repeat"])
        # Measured before the store-only run, which holds its orders in memory.
        own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        verdict = "met" if max(own_mb, worker_mb) < TARGET_PEAK_MB else "MISSED"
        print(
            f"backfill: peak RSS {own_mb:,.0f} MB, largest worker {worker_mb:,.0f} MB "
            f"(target < {TARGET_PEAK_MB}: {verdict})"
        )
        if given_url:
            return
        _run(
            f"sqlite:///{folder}/in-process.db",
            count,
            Path(folder),
            attempts=["first load in process"],
        )
        _store_only(f"sqlite:///{folder}/store-only.db", min(count, 3_000))


if __name__ == "__main__":
    main()
