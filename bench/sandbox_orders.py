"""Benchmark: the sandbox Shopify generator, renderers, GraphQL endpoint, bulk export.

Prints orders per second for generating orders, rendering REST bodies and GraphQL
nodes, serving the connector's ORDER_BY_ID over loopback, and the time, file size and
peak RSS of a bulk export. O2C_BENCH_SANDBOX_ORDERS sets the bulk count (default
100,000; the file is streamed to disk, never held whole). Figures are reported, never
asserted.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from typing import Any

import requests

from connectors.sandbox.shopify import (
    SandboxShopify,
    generate_orders,
    iter_orders,
    render_graphql,
    render_rest,
)
from connectors.shopify.queries import (
    BULK_OPERATION,
    BULK_RUN_QUERY,
    ORDER_BY_ID,
    bulk_orders_query,
)

SHOP = "bench.myshopify.com"
TOKEN = "shpat_bench"


def _rate(label: str, count: int, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {count / seconds:>10.0f} /s  ({count} in {seconds:.2f} s)")


def _post(
    server: SandboxShopify, query: str, variables: dict[str, object]
) -> dict[str, Any]:
    response = requests.post(
        server.graphql_url(SHOP),
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=60,
    )
    body: dict[str, Any] = response.json()
    return body


def _bulk(count: int) -> None:
    with SandboxShopify() as server:
        server.add_shop(SHOP, TOKEN, "secret")
        started = time.perf_counter()
        server.add_orders(SHOP, iter_orders(count, seed=1, shop_domain=SHOP))
        print(
            f"{'generate for bulk':<34} "
            f"{count / (time.perf_counter() - started):>10.0f} /s"
        )
        started = time.perf_counter()
        run = _post(server, BULK_RUN_QUERY, {"query": bulk_orders_query(None)})
        gid = run["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        while True:
            operation = _post(server, BULK_OPERATION, {"id": gid})["data"][
                "bulkOperation"
            ]
            if operation["status"] == "COMPLETED":
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        print(
            f"{'bulk export':<34} {count / seconds:>10.0f} /s  ({count} orders, "
            f"{operation['objectCount']} objects in {seconds:.1f} s)"
        )
        size = sum(
            len(chunk)
            for chunk in requests.get(
                operation["url"], stream=True, timeout=60
            ).iter_content(1 << 16)
        )
        print(f"{'bulk file':<34} {size / 1e6:>10.1f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<34} {peak:>10.0f} MB")


def main() -> None:
    """Print the sandbox's throughput figures."""
    orders = generate_orders(2000, seed=7, shop_domain=SHOP)
    _rate(
        "generate orders", 2000, lambda: generate_orders(2000, seed=8, shop_domain=SHOP)
    )
    _rate("render_rest", 2000, lambda: [render_rest(o) for o in orders])
    _rate(
        "render_graphql (fetch_order)",
        500,
        lambda: [render_graphql(o) for o in orders[:500]],
    )
    with SandboxShopify(max_query_cost=None, bucket_size=1e9) as server:
        server.add_shop(SHOP, TOKEN, "secret")
        server.add_orders(SHOP, orders)
        _rate(
            "ORDER_BY_ID over loopback",
            300,
            lambda: [_post(server, ORDER_BY_ID, {"id": o.gid}) for o in orders[:300]],
        )
    _bulk(int(os.environ.get("O2C_BENCH_SANDBOX_ORDERS", "100000")))


if __name__ == "__main__":
    main()
