"""Helpers of the runtime tests: settings, order bodies, a test order source."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from config.settings import Settings, ShopSettings, settings_from_dict
from o2c.errors import PayloadError
from o2c.orders import Order
from sync.inbox import Delivery, order_key
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.store.models import InboxEvent, OrderEvent

SHOP = "acme"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def refused_url() -> str:
    """A loopback address where nothing listens (the port was just let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def hub_settings(store_url: str, base_dir: Path, **queue: Any) -> Settings:
    """Return development settings with one shop, the store at `store_url`."""
    data: dict[str, Any] = {
        "environment": "development",
        "store": {"url": store_url},
        "queue": {"lease_seconds": 30, "sweep_interval": 1, **queue},
        "shops": [
            {
                "name": SHOP,
                "domain": "acme.myshopify.com",
                "access_token": "shpat_test",
                "webhook_secret": "whsec_test",
                "poll_interval": 10,
            }
        ],
    }
    return settings_from_dict(data, base_dir=base_dir)


def rest_order(
    number: int,
    *,
    updated_at: datetime = T0,
    financial_status: str = "pending",
    total: str = "10.00",
) -> dict[str, Any]:
    """Return a small REST-shaped order body, as in an `orders/*` webhook."""
    return {
        "id": number,
        "admin_graphql_api_id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "currency": "EUR",
        "created_at": T0.isoformat(),
        "updated_at": updated_at.isoformat(),
        "taxes_included": False,
        "line_items": [
            {
                "id": number * 10,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{number * 10}",
                "title": "Mug",
                "quantity": 1,
                "price": total,
                "sku": "MUG",
            }
        ],
        "subtotal_price": total,
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_price": total,
        "financial_status": financial_status,
    }


def webhook(
    number: int,
    *,
    topic: str = "orders/create",
    webhook_id: str | None = None,
    body: bytes | None = None,
    **fields: Any,
) -> Delivery:
    """Return the inbox delivery of one order webhook."""
    order = rest_order(number, **fields)
    return Delivery(
        source="shopify",
        account=SHOP,
        topic=topic,
        event_id=webhook_id or f"wh-{number}-{topic}-{order['updated_at']}",
        key=order_key(SHOP, order["admin_graphql_api_id"]),
        body=body if body is not None else json.dumps(order).encode(),
        headers={"x-shopify-topic": topic},
        version=datetime.fromisoformat(order["updated_at"]),
    )


def graphql_node(number: int, *, updated_at: datetime = T0) -> dict[str, Any]:
    """Return a node as the test source's poll and bulk yield it (REST inside)."""
    return {
        "id": f"gid://shopify/Order/{number}",
        "updatedAt": updated_at.isoformat().replace("+00:00", "Z"),
        "rest": rest_order(number, updated_at=updated_at),
    }


class FakeSource(ShopifyOrderSource):
    """The real webhook parser; polls and bulk reads served from lists.

    `fail_times[gid]` makes parsing that order raise RuntimeError that many times.
    """

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[dict[str, Any]] = []
        self.fail_times: dict[str, int] = {}
        self.poll_error: Exception | None = None
        self.since_asked: list[datetime] = []

    def parse_webhook(self, body: bytes, *, shop: str) -> Order:
        order = super().parse_webhook(body, shop=shop)
        left = self.fail_times.get(order.external_id, 0)
        if left:
            self.fail_times[order.external_id] = left - 1
            raise RuntimeError(f"simulated failure of {order.external_id}")
        return order

    def parse_node(self, node: dict[str, Any], *, shop: str) -> Order:
        if "rest" not in node:
            raise PayloadError("node has no order", where="rest")
        return super().parse_webhook(
            json.dumps(node["rest"], default=str).encode(), shop=shop
        )

    def updated_since(
        self, shop: ShopSettings, since: datetime, *, page_size: int
    ) -> Iterator[dict[str, Any]]:
        self.since_asked.append(since)
        if self.poll_error:
            raise self.poll_error
        return iter([n for n in self.nodes if _node_time(n) >= since])

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        return iter(self.nodes)


def _node_time(node: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(node["updatedAt"].replace("Z", "+00:00"))


def audit_counts(engine: Engine) -> dict[int, int]:
    """Return how many audit rows each inbox row produced."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrderEvent.inbox_event_id, func.count()).group_by(
                OrderEvent.inbox_event_id
            )
        )
        return {row[0]: row[1] for row in rows}


def inbox_rows(engine: Engine) -> list[Any]:
    """Return every inbox row, in id order."""
    with engine.connect() as conn:
        return list(conn.execute(select(InboxEvent).order_by(InboxEvent.id)))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
