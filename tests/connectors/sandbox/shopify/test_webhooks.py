"""The webhook sender against a tiny loopback receiver: signing, retries, duplicates,
reordering; and the webhooks an order's life produces."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.sandbox.shopify import SandboxOrder, WebhookSender, events_for
from connectors.shopify import webhooks as shopify_webhooks
from connectors.shopify.parse import order_from_webhook
from connectors.shopify.transactions import transaction_from_webhook

SECRET = "hook-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers `failures_first` times with 500, then 200."""

    url: str = ""
    failures_first: int = 0
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    record = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            record.received.append(Received(dict(self.headers.items()), body))
            failing = record.failures_first > 0
            record.failures_first -= 1
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/shopify/demo"
    yield record
    server.shutdown()
    server.server_close()


def _sender(receiver: Receiver, **kw: object) -> WebhookSender:
    return WebhookSender(receiver.url, SECRET, "demo.myshopify.com", "2026-01", **kw)  # type: ignore[arg-type]


def test_deliveries_carry_shopify_headers_and_a_valid_hmac(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sender = _sender(receiver)
    deliveries = sender.deliveries_for(orders[:3])

    stats = sender.send(deliveries)

    assert stats.delivered == len(deliveries) == len(receiver.received)
    for got, sent in zip(receiver.received, deliveries, strict=True):
        hmac_header = got.headers[shopify_webhooks.HMAC_HEADER]
        assert shopify_webhooks.verify_hmac(got.body, hmac_header, [SECRET])
        assert not shopify_webhooks.verify_hmac(got.body, hmac_header, ["other"])
        assert got.headers[shopify_webhooks.TOPIC_HEADER] == sent.topic
        assert got.headers[shopify_webhooks.SHOP_DOMAIN_HEADER] == "demo.myshopify.com"
        assert got.headers[shopify_webhooks.WEBHOOK_ID_HEADER] == sent.webhook_id
        assert got.headers[shopify_webhooks.EVENT_ID_HEADER] == sent.event_id
        assert got.headers[shopify_webhooks.API_VERSION_HEADER] == "2026-01"
        assert got.headers[shopify_webhooks.TRIGGERED_AT_HEADER]
        assert got.body == sent.body


def test_duplicates_resend_the_same_webhook_id(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sender = _sender(receiver)
    deliveries = sender.deliveries_for(orders[:10])

    stats = sender.send(deliveries, duplicate_rate=0.5, seed=3)

    ids = [r.headers[shopify_webhooks.WEBHOOK_ID_HEADER] for r in receiver.received]
    assert stats.duplicates > 0
    assert len(ids) == len(deliveries) + stats.duplicates
    assert len(set(ids)) == len(deliveries)


def test_reordering_can_deliver_paid_before_create(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sender = _sender(receiver)
    deliveries = sender.deliveries_for(orders[:40])

    sender.send(deliveries, reorder_window=6, seed=1)

    first_topic: dict[str, str] = {}
    for got in receiver.received:
        topic = got.headers[shopify_webhooks.TOPIC_HEADER]
        if topic.startswith("orders/"):
            order_id = json.loads(got.body)["admin_graphql_api_id"]
            first_topic.setdefault(order_id, topic)
    assert len(receiver.received) == len(deliveries)
    assert len(first_topic) == 40
    assert any(topic != "orders/create" for topic in first_topic.values())


def test_non_2xx_answers_are_retried_then_counted_as_failures(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sender = _sender(receiver, max_attempts=3)
    receiver.failures_first = 2
    ok = sender.send(sender.deliveries_for(orders[:1])[:1])
    receiver.failures_first = 10
    failed = sender.send(sender.deliveries_for(orders[:1])[:1])

    assert ok.statuses == [500, 500, 200] and ok.delivered == 1
    assert failed.statuses == [500, 500, 500] and failed.failures == 1
    assert (
        len(
            {
                r.headers[shopify_webhooks.WEBHOOK_ID_HEADER]
                for r in receiver.received[:3]
            }
        )
        == 1
    )


def test_unreachable_target_counts_as_failure_with_status_zero(
    orders: list[SandboxOrder],
) -> None:
    sender = WebhookSender(
        "http://127.0.0.1:9/none", SECRET, "d", max_attempts=2, timeout=2
    )

    stats = sender.send(sender.deliveries_for(orders[:1])[:1])

    assert stats.statuses == [0, 0] and stats.failures == 1


def test_order_life_yields_versions_the_connector_parses_in_order(
    orders: list[SandboxOrder],
) -> None:
    refunded = next(o for o in orders if o.refunds and len(o.fulfillments) == 1)
    events = events_for(refunded)
    topics = [topic for topic, _ in events]
    parsed = [
        order_from_webhook(body, shop="s")
        for t, body in events
        if t.startswith("orders/")
    ]

    assert topics[0] == "orders/create"
    assert "refunds/create" in topics and "orders/fulfilled" in topics
    assert topics.count("order_transactions/create") == len(refunded.transactions)
    assert all(a.version <= b.version for a, b in itertools.pairwise(parsed))
    assert parsed[0].refunds == () and parsed[-1].refunds
    assert parsed[-1].version == refunded.updated_at


def test_each_transaction_is_one_signed_order_transactions_delivery_at_its_time(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sample = orders[:12]
    sender = _sender(receiver)
    deliveries = sender.deliveries_for(sample)

    stats = sender.send(deliveries)

    got = [
        r
        for r in receiver.received
        if r.headers[shopify_webhooks.TOPIC_HEADER] == "order_transactions/create"
    ]
    expected = {(o.id, t.id): (o, t) for o in sample for t in o.transactions}
    assert stats.delivered == len(deliveries) and len(expected) > 12
    assert len(got) == len(expected)
    seen = set()
    for delivery in got:
        hmac_header = delivery.headers[shopify_webhooks.HMAC_HEADER]
        assert shopify_webhooks.verify_hmac(delivery.body, hmac_header, [SECRET])
        parsed = transaction_from_webhook(delivery.body, shop="s")
        body = json.loads(delivery.body)
        order, transaction = expected[(body["order_id"], body["id"])]
        seen.add((order.id, transaction.id))
        assert parsed.order_external_id == f"gid://shopify/Order/{order.id}"
        assert parsed.transaction.kind == transaction.kind
        assert parsed.transaction.created_at == transaction.created_at
        triggered = delivery.headers[shopify_webhooks.TRIGGERED_AT_HEADER]
        assert datetime.fromisoformat(triggered) == transaction.created_at
    assert seen == set(expected)


def test_transactions_are_duplicated_and_reordered_like_the_other_topics(
    receiver: Receiver, orders: list[SandboxOrder]
) -> None:
    sender = _sender(receiver)
    deliveries = sender.deliveries_for(orders[:40])

    stats = sender.send(deliveries, duplicate_rate=0.3, reorder_window=6, seed=5)

    topics = [r.headers[shopify_webhooks.TOPIC_HEADER] for r in receiver.received]
    ids = [r.headers[shopify_webhooks.WEBHOOK_ID_HEADER] for r in receiver.received]
    transaction_ids = [
        i for i, t in zip(ids, topics, strict=True) if t == "order_transactions/create"
    ]
    assert stats.duplicates > 0
    assert len(transaction_ids) > len(set(transaction_ids))
    # Some order's transaction arrives before that order's first version.
    first_seen: dict[int, str] = {}
    for received, topic in zip(receiver.received, topics, strict=True):
        body = json.loads(received.body)
        order_id = body["order_id"] if "order_id" in body and "kind" in body else None
        if order_id is None and topic.startswith("orders/"):
            order_id = body["id"]
        if order_id is not None:
            first_seen.setdefault(order_id, topic)
    assert "order_transactions/create" in first_seen.values()
