"""Sandbox Shopify HTTP server: Admin GraphQL endpoint and bulk downloads on loopback.

`SandboxShopify` runs a `ThreadingHTTPServer` on 127.0.0.1 (port 0) in a background
thread. Each shop has its own access token, orders, cost bucket, bulk runner and fault
plan. A request reaches a shop at `{shop_url(domain)}/admin/api/{version}/graphql.json`
or, without the prefix, by its access token alone.

The answer follows Shopify's: 401 for a missing or wrong `X-Shopify-Access-Token`,
HTTP 200 with `errors` for invalid documents, throttling and oversized queries,
`extensions.cost` on every executed query, `X-Request-Id` on every response.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import GraphQLError

from connectors.sandbox.shopify import costs
from connectors.sandbox.shopify.bulk import BulkRunner
from connectors.sandbox.shopify.graph import (
    Context,
    execute_document,
    prepare,
    sandbox_schema,
)
from connectors.sandbox.shopify.graph_source import part_gids
from connectors.sandbox.shopify.records import SandboxOrder
from connectors.sandbox.shopify.subscriptions import WebhookRegistry

logger = logging.getLogger(__name__)

_GRAPHQL_PATH = re.compile(
    r"^(?:/shops/(?P<shop>[^/]+))?"
    r"/admin/api/(?P<version>\d{4}-\d{2}|unstable)/graphql\.json$"
)
_BULK_PATH = re.compile(r"^/bulk/(?P<token>[0-9a-f]{32})\.jsonl$")
_BAD_TOKEN = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)


@dataclass
class Fault:
    """Answer the next `remaining` GraphQL calls with `status`, not their result."""

    remaining: int
    status: int
    retry_after: float | None = None


@dataclass
class Shop:
    """One sandbox shop: credentials, orders (latest version each) and its machinery."""

    domain: str
    access_token: str
    webhook_secret: str
    bucket: costs.LeakyBucket
    bulk: BulkRunner
    orders: dict[str, SandboxOrder] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # part GID -> order GID
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: WebhookRegistry = field(default_factory=WebhookRegistry)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def order_list(self) -> list[SandboxOrder]:
        with self.lock:
            return list(self.orders.values())

    def take_fault(self) -> Fault | None:
        with self.lock:
            while self.faults and self.faults[0].remaining <= 0:
                self.faults.pop(0)
            if not self.faults:
                return None
            self.faults[0].remaining -= 1
            return self.faults[0]


class SandboxShopify:
    """A local Shopify Admin API for tests and the demo; use as a context manager."""

    def __init__(
        self,
        *,
        bucket_size: float = 2000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] | None = None,
        max_query_cost: int | None = costs.MAX_SINGLE_QUERY_COST,
        bulk_delay_seconds: float = 0.0,
    ) -> None:
        self.bucket_size = bucket_size
        self.restore_rate = restore_rate
        self.clock = clock
        self.max_query_cost = max_query_cost
        self.bulk_delay_seconds = bulk_delay_seconds
        self.shops: dict[str, Shop] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._files = Path(tempfile.mkdtemp(prefix="sandbox-shopify-"))

    # -- lifecycle ----------------------------------------------------------------

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> SandboxShopify:
        """Start serving on `host` and `port` (0: a free one); return self.

        Raises OSError when the address cannot be bound.
        """
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, name="sandbox-shopify"
        )
        self._thread.start()
        logger.info("sandbox shopify listening at %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and delete bulk result files."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for shop in self.shops.values():
            shop.bulk.close()
        shutil.rmtree(self._files, ignore_errors=True)

    def __enter__(self) -> SandboxShopify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server's root URL, e.g. http://127.0.0.1:54321."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def shop_url(self, domain: str) -> str:
        """The base URL a Shopify client for this shop should use."""
        return f"{self.base_url}/shops/{domain}"

    def graphql_url(self, domain: str, api_version: str = "2026-01") -> str:
        """The full Admin GraphQL endpoint of a shop."""
        return f"{self.shop_url(domain)}/admin/api/{api_version}/graphql.json"

    # -- data ------------------------------------------------------------------------

    def add_shop(self, domain: str, access_token: str, webhook_secret: str) -> Shop:
        """Register a shop; returns it. Raises ValueError when it exists already."""
        if domain in self.shops:
            raise ValueError(f"shop {domain} exists already")
        bucket = costs.LeakyBucket(self.bucket_size, self.restore_rate)
        if self.clock is not None:
            bucket = costs.LeakyBucket(self.bucket_size, self.restore_rate, self.clock)
        registered: list[Shop] = []
        bulk = BulkRunner(
            orders=lambda: registered[0].order_list(),
            download_url=lambda token: f"{self.base_url}/bulk/{token}.jsonl",
            directory=self._files,
            delay_seconds=self.bulk_delay_seconds,
        )
        shop = Shop(domain, access_token, webhook_secret, bucket, bulk)
        registered.append(shop)
        self.shops[domain] = shop
        return shop

    def add_orders(self, domain: str, orders: Iterable[SandboxOrder]) -> None:
        """Add orders to a shop, replacing any earlier version of the same order."""
        shop = self._shop(domain)
        with shop.lock:
            for order in orders:
                shop.orders[order.gid] = order
                for part in part_gids(order):
                    shop.owners[part] = order.gid

    def orders(self, domain: str) -> list[SandboxOrder]:
        """Return the shop's orders (their current versions)."""
        return self._shop(domain).order_list()

    def fail_next(
        self,
        domain: str,
        count: int,
        *,
        status: int = 503,
        retry_after: float | None = None,
    ) -> None:
        """Answer the shop's next `count` GraphQL calls with `status` (faults)."""
        shop = self._shop(domain)
        with shop.lock:
            shop.faults.append(Fault(count, status, retry_after))

    def requests(self, domain: str) -> list[dict[str, Any]]:
        """Return what the shop received: query, variables, status, costs per call."""
        shop = self._shop(domain)
        with shop.lock:
            return list(shop.requests)

    def _shop(self, domain: str) -> Shop:
        try:
            return self.shops[domain]
        except KeyError:
            raise KeyError(f"no sandbox shop {domain}") from None

    # -- answering -------------------------------------------------------------------

    def answer_graphql(self, shop: Shop, payload: Any) -> tuple[int, dict[str, Any]]:
        """Run one GraphQL request for a shop; return (HTTP status, body)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        variables = payload.get("variables") or {}
        name = payload.get("operationName")
        document, problems = prepare(payload["query"])
        if document is None or problems:
            return 200, {"errors": list(problems)}
        try:
            requested = costs.requested_cost(
                sandbox_schema(), document, variables, name
            )
        except ValueError as exc:
            return 200, {"errors": [{"message": str(exc)}]}
        if self.max_query_cost is not None and requested > self.max_query_cost:
            return 200, costs.max_cost_body(requested)
        if not shop.bucket.take(requested):
            return 200, costs.throttled_body(requested, shop.bucket)
        return 200, self._execute(shop, document, variables, name, requested)

    def _execute(
        self,
        shop: Shop,
        document: Any,
        variables: dict[str, Any],
        name: str | None,
        requested: int,
    ) -> dict[str, Any]:
        context = Context(
            orders=shop.order_list,
            find=lambda gid: shop.orders.get(gid),
            find_owner=lambda gid: shop.orders.get(shop.owners.get(gid, "")),
            bulk=shop.bulk,
            subscriptions=shop.subscriptions,
        )
        try:
            result = execute_document(document, context, variables, operation_name=name)
        except GraphQLError as exc:
            shop.bucket.refund(requested)
            return {"errors": [exc.formatted]}
        actual = costs.actual_cost(
            sandbox_schema(), document, result.data, variables, name
        )
        shop.bucket.refund(max(requested - actual, 0))
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
        body["data"] = result.data
        body["extensions"] = {
            "cost": costs.cost_extension(requested, actual, shop.bucket)
        }
        if context.ignored_search_terms:
            body["extensions"]["search"] = [
                {
                    "path": ["orders"],
                    "query": term,
                    "warnings": [
                        {
                            "field": term.split(":")[0],
                            "message": "Invalid search field for this query.",
                        }
                    ],
                }
                for term in context.ignored_search_terms
            ]
        return body

    def shop_for(self, prefix: str | None, token: str | None) -> Shop | None:
        """Return the shop a request addresses (by path prefix, else by token)."""
        if prefix is not None:
            return self.shops.get(prefix)
        return next((s for s in self.shops.values() if s.access_token == token), None)

    def bulk_file(self, token: str) -> Path | None:
        """Return the bulk result file a download token names, in any shop."""
        for shop in self.shops.values():
            found = shop.bulk.file(token)
            if found is not None:
                return found
        return None


class _Handler(BaseHTTPRequestHandler):
    sandbox: SandboxShopify
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox shopify: " + format, *args)

    def do_POST(self) -> None:
        match = _GRAPHQL_PATH.match(self.path.split("?", 1)[0])
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if match is None:
            self._send(404, {"errors": "Not Found"})
            return
        token = self.headers.get("X-Shopify-Access-Token")
        shop = self.sandbox.shop_for(match.group("shop"), token)
        if shop is None and match.group("shop") is not None:
            self._send(404, {"errors": "Not Found"})
            return
        if shop is None or token != shop.access_token:
            self._send(401, {"errors": _BAD_TOKEN})
            return
        fault = shop.take_fault()
        status, body = self._graphql(shop, raw, fault)
        retry_after = fault.retry_after if fault else None
        self._send(
            status, body, version=match.group("version"), retry_after=retry_after
        )

    def _graphql(
        self, shop: Shop, raw: bytes, fault: Fault | None
    ) -> tuple[int, dict[str, Any]]:
        payload: Any = None
        if fault is not None:
            message = (
                "Service Unavailable" if fault.status >= 500 else "Too Many Requests"
            )
            status, body = fault.status, {"errors": message}
        else:
            try:
                payload = json.loads(raw or b"null")
            except ValueError:
                payload = None
            status, body = self.sandbox.answer_graphql(shop, payload)
        self._record(shop, payload, status, body)
        return status, body

    def _record(
        self, shop: Shop, payload: Any, status: int, body: dict[str, Any]
    ) -> None:
        cost = (
            body.get("extensions", {}).get("cost", {}) if isinstance(body, dict) else {}
        )
        with shop.lock:
            shop.requests.append(
                {
                    "query": payload.get("query")
                    if isinstance(payload, dict)
                    else None,
                    "variables": payload.get("variables")
                    if isinstance(payload, dict)
                    else None,
                    "status": status,
                    "requested_cost": cost.get("requestedQueryCost"),
                    "actual_cost": cost.get("actualQueryCost"),
                    "errors": body.get("errors") if isinstance(body, dict) else None,
                }
            )

    def do_GET(self) -> None:
        match = _BULK_PATH.match(self.path.split("?", 1)[0])
        path = self.sandbox.bulk_file(match.group("token")) if match else None
        if path is None:
            self._send(404, {"errors": "Not Found"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with path.open("rb") as source:
            shutil.copyfileobj(source, self.wfile, length=64 * 1024)

    def _send(
        self,
        status: int,
        body: dict[str, Any],
        *,
        version: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        if version:
            self.send_header("X-Shopify-API-Version", version)
        if retry_after is not None:
            self.send_header("Retry-After", f"{retry_after:g}")
        self.end_headers()
        self.wfile.write(data)
