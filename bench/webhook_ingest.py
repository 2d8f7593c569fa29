"""Webhook intake throughput: signed Shopify deliveries into a real hub over loopback.

The hub runs in its own process (uvicorn on 127.0.0.1, SQLite store, SQLite Huey
queue, exactly as `o2c-hub serve` with the embedded defaults), so the client's work
does not share its interpreter. The client keeps 8, 16, then 32 kept-alive
connections busy from one thread with raw sockets and requests built before timing
(an HTTP client library costs as much CPU as the server on a small machine; its CPU
per request is reported too), each request a distinct delivery of a real
`orders/create` body for a distinct order (so every delivery also queues its own
key). Each round reports requests per second, the latency percentiles, the server's
CPU per delivery and how long the queue took to catch up after the last answer.
Target: >= 1,000 req/s with p99 < 50 ms on 2 cores; reported, never asserted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import selectors
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/shopify/docs_sample__orders__create.json"
)
DOMAIN = "bench.myshopify.com"
SECRET = "bench-webhook-secret"
# Shopify's own fan-out is not published: a few connections, then more.
CONCURRENCY = (8, 16, 32)
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
    # CPU the server spends between the two marks, whatever else runs on the machine;
    # then what stopping costs: the keys still waiting to be queued are queued.
    marks = []
    for signal_ in (start_mark, stop):
        signal_.wait()
        marks.append(_cpu_seconds())
    stopping = time.perf_counter()
    server.stop()
    drain = time.perf_counter() - stopping
    ready.put((marks[1] - marks[0], drain, _cpu_seconds() - marks[1]))
    hub.close()


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


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


def _request(body: bytes, signature: str, webhook_id: str) -> bytes:
    """Return the whole HTTP/1.1 request of one delivery, ready to send."""
    head = (
        "POST /webhooks/shopify HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        "X-Shopify-Topic: orders/create\r\n"
        f"X-Shopify-Shop-Domain: {DOMAIN}\r\n"
        f"X-Shopify-Hmac-Sha256: {signature}\r\n"
        f"X-Shopify-Webhook-Id: {webhook_id}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Connection:
    """One kept-alive connection with at most one request in flight."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.started = 0.0

    def send(self, request: bytes) -> None:
        self.buffer = b""
        self.started = time.perf_counter()
        self.sock.sendall(request)

    def answered(self) -> int | None:
        """Read what arrived; return the status once the whole answer is in."""
        received = self.sock.recv(65536)
        if not received:
            raise RuntimeError("the server closed a kept-alive connection")
        self.buffer += received
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end].decode("latin-1").lower()
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        if len(self.buffer) < head_end + 4 + length:
            return None
        return int(head.split(" ", 2)[1])


def _drive(
    port: int, count: int, prefix: str, connections: int
) -> tuple[list[float], float, float]:
    """Send `count` deliveries over `connections` kept-alive connections from one
    thread (raw sockets, requests built beforehand); return each latency (s), the
    wall time and the client's own CPU time."""
    first = 10**12 if prefix == "run" else 10**11
    requests = [
        _request(body, signature, f"{prefix}-{number}")
        for number, (body, signature) in enumerate(_deliveries(count, first))
    ]
    latencies: list[float] = []
    selector = selectors.DefaultSelector()
    pool = [_Connection(port) for _ in range(min(connections, count))]
    began, cpu_began = time.perf_counter(), time.process_time()
    deadline = began + TIME_LIMIT_SECONDS
    sent = 0
    for connection in pool:
        selector.register(connection.sock, selectors.EVENT_READ, connection)
        connection.send(requests[sent])
        sent += 1
    in_flight = len(pool)
    while in_flight:
        for key, _ in selector.select():
            connection = key.data
            status = connection.answered()
            if status is None:
                continue
            latencies.append(time.perf_counter() - connection.started)
            if status != 200:
                raise RuntimeError(f"delivery refused: {status}")
            if sent < count and time.perf_counter() < deadline:
                connection.send(requests[sent])
                sent += 1
            else:
                in_flight -= 1
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    for connection in pool:
        connection.sock.close()
    selector.close()
    return latencies, wall, cpu


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _round(connections: int) -> None:
    """One run against a fresh hub with `connections` connections; print figures."""
    context = multiprocessing.get_context("spawn")
    ready, start_mark, stop = context.Queue(), context.Event(), context.Event()
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        args = (folder, ready, start_mark, stop)
        server = context.Process(target=_serve, args=args)
        server.start()
        try:
            port = ready.get(timeout=120)
            _drive(port, WARMUP, "warmup", connections)
            start_mark.set()
            latencies, wall, client_cpu = _drive(port, REQUESTS, "run", connections)
        finally:
            start_mark.set()
            stop.set()
        server_cpu, drain, drain_cpu = ready.get(timeout=60)
        server.join(timeout=30)
    done = len(latencies)
    print(f"webhook deliveries: {done} with {connections} connections in {wall:.2f} s")
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
    print(
        f"queue catch-up:     {drain:.2f} s and "
        f"{drain_cpu / max(done, 1) * 1000:.2f} ms CPU per delivery after the last "
        "answer (keys queued after their commit)"
    )
    print(
        f"client CPU:         {client_cpu / max(done, 1) * 1000:.2f} ms per delivery "
        "(one thread, raw sockets)"
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine:            {os.cpu_count()} cores, load average {load}")


def main() -> None:
    """Run the benchmark at each concurrency and print requests/s, p50 and p99."""
    for connections in CONCURRENCY:
        _round(connections)


if __name__ == "__main__":
    main()
