"""Webhook intake throughput: signed Shopify deliveries into a real hub over loopback.

The hub runs in its own process (uvicorn on 127.0.0.1, SQLite store, SQLite Huey
queue, exactly as `o2c-hub serve` with the embedded defaults), so the client's work
does not share its interpreter. The client keeps a few kept-alive connections busy
from threads (stdlib `http.client`: httpx's async client costs more CPU than the
server on a small machine), each request a distinct delivery of a real
`orders/create` body for a distinct order (so every delivery also queues its own
key), and reports requests per second and the latency percentiles. Target: >= 1,000
req/s with p99 < 50 ms on 2 cores; reported, never asserted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/shopify/docs_sample__orders__create.json"
)
DOMAIN = "bench.myshopify.com"
SECRET = "bench-webhook-secret"
CONCURRENCY = 8
WARMUP = 200
REQUESTS = 5_000
TIME_LIMIT_SECONDS = 20.0


def _serve(folder: str, ready: Any, start_mark: Any, stop: Any) -> None:
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
    ready.put(server.port)
    # CPU the server spends between the two marks, whatever else runs on the machine.
    marks = []
    for signal_ in (start_mark, stop):
        signal_.wait()
        times = os.times()
        marks.append(times.user + times.system)
    ready.put(marks[1] - marks[0])
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


def _drive(port: int, count: int, prefix: str) -> tuple[list[float], float]:
    """Send `count` deliveries from CONCURRENCY threads, each on its own kept-alive
    connection; return each latency (s) and the wall time."""
    signed = _deliveries(count, 10**12 if prefix == "run" else 10**11)
    latencies: list[float] = []
    numbers = iter(range(count))
    lock = threading.Lock()
    deadline = time.perf_counter() + TIME_LIMIT_SECONDS

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            body, signature = signed[number]
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Shop-Domain": DOMAIN,
                "X-Shopify-Hmac-Sha256": signature,
                "X-Shopify-Webhook-Id": f"{prefix}-{number}",
            }
            started = time.perf_counter()
            connection.request("POST", "/webhooks/shopify", body, headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"delivery refused: {response.status}")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the benchmark and print requests/s, p50 and p99."""
    context = multiprocessing.get_context("spawn")
    ready, start_mark, stop = context.Queue(), context.Event(), context.Event()
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        args = (folder, ready, start_mark, stop)
        server = context.Process(target=_serve, args=args)
        server.start()
        try:
            port = ready.get(timeout=120)
            _drive(port, WARMUP, "warmup")
            start_mark.set()
            latencies, wall = _drive(port, REQUESTS, "run")
        finally:
            start_mark.set()
            stop.set()
        server_cpu = ready.get(timeout=60)
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
    per_request = server_cpu / max(done, 1)
    print(
        f"server CPU:         {per_request * 1000:.2f} ms per delivery "
        f"(so about {1 / per_request:,.0f} deliveries/s per free core)"
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine:            {os.cpu_count()} cores, load average {load}")


if __name__ == "__main__":
    main()
