"""Webhook intake throughput: signed Shopify deliveries into a real hub over loopback.

The hub runs in its own process (uvicorn on 127.0.0.1, SQLite store, SQLite Huey
queue, exactly as `o2c-hub serve` with the embedded defaults), so the client's work
does not share its interpreter. The client keeps a few connections busy with httpx's
async API, each request a distinct delivery of a real `orders/create` body for a
distinct order (so every delivery also queues its own key), and reports requests per
second and the latency percentiles. Target: >= 1,000 req/s
with p99 < 50 ms on 2 cores; reported, never asserted.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/shopify/docs_sample__orders__create.json"
)
DOMAIN = "bench.myshopify.com"
SECRET = "bench-webhook-secret"
CONCURRENCY = 16
WARMUP = 200
REQUESTS = 5_000
TIME_LIMIT_SECONDS = 20.0


def _serve(folder: str, ready: Any, stop: Any) -> None:
    """Child process: run the hub's HTTP app for a sandbox config until `stop`."""
    from config.settings import settings_from_dict
    from sync.http import ServerThread, app_for_hub
    from sync.runtime import Hub

    data = {
        "environment": "development",
        "server": {"port": 0},
        "shops": [
            {
                "name": "bench",
                "domain": DOMAIN,
                "access_token": "shpat_bench",
                "webhook_secret": SECRET,
            }
        ],
    }
    hub = Hub(settings_from_dict(data, base_dir=Path(folder)))
    hub.migrate()
    server = ServerThread(app_for_hub(hub)).start()
    ready.put(server.url)
    stop.wait()
    server.stop()
    hub.close()


def _deliveries(count: int, first_id: int) -> list[tuple[bytes, str]]:
    """Return `count` signed bodies of distinct orders (prepared before timing)."""
    if SAMPLE.exists():
        order = json.loads(SAMPLE.read_text(encoding="utf-8"))["response"]
    else:
        order = {"updated_at": "2026-01-01T00:00:00Z"}
    signed = []
    for number in range(first_id, first_id + count):
        order["id"] = number
        order["admin_graphql_api_id"] = f"gid://shopify/Order/{number}"
        body = json.dumps(order).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        signed.append((body, base64.b64encode(digest).decode()))
    return signed


async def _drive(url: str, count: int, prefix: str) -> tuple[list[float], float]:
    """Send `count` deliveries; return each latency (s) and the wall time."""
    signed = _deliveries(count, 10**12 if prefix == "run" else 10**11)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": DOMAIN,
    }
    latencies: list[float] = []
    numbers = iter(range(count))
    deadline = time.perf_counter() + TIME_LIMIT_SECONDS
    limits = httpx.Limits(max_connections=CONCURRENCY)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            for number in numbers:
                if time.perf_counter() > deadline:
                    return
                body, signature = signed[number]
                started = time.perf_counter()
                response = await client.post(
                    f"{url}/webhooks/shopify",
                    content=body,
                    headers={
                        **headers,
                        "X-Shopify-Hmac-Sha256": signature,
                        "X-Shopify-Webhook-Id": f"{prefix}-{number}",
                    },
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"delivery refused: {response.status_code}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return latencies, time.perf_counter() - began


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the benchmark and print requests/s, p50 and p99."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        server = context.Process(target=_serve, args=(folder, ready, stop))
        server.start()
        try:
            url = ready.get(timeout=60)
            asyncio.run(_drive(url, WARMUP, "warmup"))
            latencies, wall = asyncio.run(_drive(url, REQUESTS, "run"))
        finally:
            stop.set()
            server.join(timeout=30)
    done = len(latencies)
    print(f"webhook deliveries: {done} with {CONCURRENCY} connections in {wall:.2f} s")
    print(f"throughput:         {done / wall:,.0f} requests/s (target >= 1,000)")
    print(f"latency p50:        {_percentile(latencies, 0.50) * 1000:.1f} ms")
    print(
        f"latency p99:        {_percentile(latencies, 0.99) * 1000:.1f} ms "
        "(target < 50 ms)"
    )
    print(f"latency mean:       {statistics.fmean(latencies) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
