"""Benchmark: backfill of sandbox Shopify orders over loopback, details included.

Starts the sandbox Shopify with its default cost bucket (2,000 points, 100 a second,
Shopify's standard plan), generates O2C_BENCH_SANDBOX_ORDERS orders (default 3,000;
about half have refunds, fulfillments or payment terms, which a bulk operation
cannot read), backfills them with the Shopify source into a fresh SQLite store, and
prints the wall time and the GraphQL requests by operation. Figures are reported,
never asserted.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from config.settings import settings_from_dict
from connectors.sandbox.shopify import SandboxShopify, generate_orders
from sync.jobs.backfill import backfill_orders
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.store.db import make_engine, migrate

DOMAIN = "bench.myshopify.com"
TOKEN = "shpat_bench"


def _name(query: object) -> str:
    found = re.search(r"(query|mutation)\s+(\w+)", str(query))
    return found.group(2) if found else "(anonymous)"


def main() -> None:
    count = int(os.environ.get("O2C_BENCH_SANDBOX_ORDERS", "3000"))
    orders = generate_orders(count, seed=7, shop_domain=DOMAIN)
    with SandboxShopify() as sandbox, tempfile.TemporaryDirectory() as folder:
        sandbox.add_shop(DOMAIN, TOKEN, "secret")
        sandbox.add_orders(DOMAIN, orders)
        shop = settings_from_dict(
            {
                "environment": "development",
                "shops": [
                    {
                        "name": "bench",
                        "domain": DOMAIN,
                        "access_token": TOKEN,
                        "webhook_secret": "secret",
                        "api_version": "2026-01",
                        "api_base_url": sandbox.shop_url(DOMAIN),
                    }
                ],
            },
            base_dir=Path(folder),
        ).shops[0]
        engine = make_engine(f"sqlite:///{Path(folder) / 'hub.db'}")
        migrate(engine)
        started = time.perf_counter()
        result = backfill_orders(
            engine,
            shop,
            ShopifyOrderSource(),
            since=None,
            clock=lambda: datetime.now(UTC),
        )
        elapsed = time.perf_counter() - started
        calls = Counter(_name(r.get("query")) for r in sandbox.requests(DOMAIN))
        engine.dispose()
    print(
        f"backfill over loopback: {result.stored} orders stored, {result.parked} "
        f"parked in {elapsed:.1f} s ({result.stored / elapsed:,.0f} orders/s)"
    )
    print(f"backfill over loopback: {sum(calls.values())} GraphQL requests")
    for name, number in calls.most_common():
        print(f"  {name}: {number}")


if __name__ == "__main__":
    main()
