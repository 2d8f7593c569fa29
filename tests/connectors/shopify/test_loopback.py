"""The client over real HTTP on loopback: a GraphQL round trip, and a bulk result
streamed from a socket and joined before the server has finished writing it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from connectors.shopify.bulk import join_bulk_lines
from connectors.shopify.client import ShopifyClient

ORDERS = 20_000
PADDING = "x" * 900  # about 1 KB a line: 40 MB in all, far beyond socket buffers


class _Handler(BaseHTTPRequestHandler):
    written = 0
    seen_headers: dict[str, str] = {}
    seen_body: dict[str, Any] = {}

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        return

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).seen_body = json.loads(self.rfile.read(length))
        type(self).seen_headers = dict(self.headers)
        body = json.dumps(
            {
                "data": {"shop": {"name": "Loopback"}},
                "extensions": {
                    "cost": {
                        "requestedQueryCost": 2,
                        "throttleStatus": {
                            "maximumAvailable": 2000.0,
                            "currentlyAvailable": 1998,
                            "restoreRate": 100.0,
                        },
                    }
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "loop-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.end_headers()
        try:
            for n in range(ORDERS):
                order = {"id": f"gid://shopify/Order/{n}", "note": PADDING}
                child = {
                    "__typename": "LineItem",
                    "id": f"L{n}",
                    "__parentId": order["id"],
                }
                self.wfile.write(f"{json.dumps(order)}\n{json.dumps(child)}\n".encode())
                type(self).written = n + 1
        except (BrokenPipeError, ConnectionResetError):
            return  # the client stopped reading, as it may


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_graphql_round_trip_over_loopback(server: str) -> None:
    client = ShopifyClient(
        domain="loop.myshopify.com", access_token="shpat_loop", base_url=server
    )

    data = client.execute("query Shop { shop { name } }", operation="shop")

    assert data == {"shop": {"name": "Loopback"}}
    assert _Handler.seen_headers["X-Shopify-Access-Token"] == "shpat_loop"
    assert _Handler.seen_body["query"].startswith("query Shop")
    assert client.bucket.available() == pytest.approx(1998, abs=5)


def test_bulk_result_is_joined_while_the_server_still_writes(server: str) -> None:
    client = ShopifyClient(
        domain="loop.myshopify.com", access_token="shpat_loop", base_url=server
    )
    _Handler.written = 0

    orders = join_bulk_lines(client.get_stream(f"{server}/results.jsonl"))
    first = next(orders)
    second = next(orders)

    assert first["id"] == "gid://shopify/Order/0"
    assert [n["id"] for n in first["lineItems"]["nodes"]] == ["L0"]
    assert second["id"] == "gid://shopify/Order/1"
    assert _Handler.written < ORDERS  # the download was not read to its end first
    orders.close()
