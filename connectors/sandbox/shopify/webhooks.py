"""Sandbox Shopify webhooks: an order's life as deliveries, signed, sent.

`events_for(order)` lists the webhooks an order's life produces, each a (topic, body)
pair whose body is the order (or refund, or transaction) at that version.
`WebhookSender` POSTs them with Shopify's headers and HMAC, retries a delivery that is
not answered 2xx, and can duplicate (same webhook id again), delay and reorder
deliveries.

Where real Shopify is unknown, the sandbox assumes:
- each delivery (topic and version) has its own `X-Shopify-Event-Id`, and a duplicate
  resends the same webhook id and event id (Shopify says a repeated event id means a
  duplicate);
- `orders/updated` follows every change after creation, beside the specific topic,
  but not an `order_transactions/create` (the `orders/paid` or other topic of the
  same moment announces the order's change);
- retries are immediate or `retry_delay` apart, not Shopify's hours-long schedule.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.sandbox.shopify.lifecycle import versions
from connectors.sandbox.shopify.records import SandboxOrder
from connectors.sandbox.shopify.render import (
    render_refund,
    render_rest,
    render_transaction,
)
from connectors.shopify import webhooks as shopify_webhooks

logger = logging.getLogger(__name__)


TRANSACTION_TOPIC = "order_transactions/create"


def events_for(order: SandboxOrder) -> list[tuple[str, dict[str, Any]]]:
    """Return the (topic, body) webhooks of the order's life, oldest first.

    Each transaction is its own `order_transactions/create` webhook (the REST
    transaction), since the `orders/*` bodies carry no transactions.
    """
    events: list[tuple[str, dict[str, Any]]] = []
    for milestone, version in versions(order):
        if milestone.topic == TRANSACTION_TOPIC:
            transaction = next(
                t for t in version.transactions if t.id == milestone.transaction_id
            )
            events.append((TRANSACTION_TOPIC, render_transaction(transaction, version)))
            continue
        if milestone.topic == "refunds/create":
            refund = next(r for r in version.refunds if r.created_at == milestone.at)
            events.append(("refunds/create", render_refund(refund, version)))
        else:
            events.append((milestone.topic, render_rest(version)))
        if milestone.topic != "orders/create":
            events.append(("orders/updated", render_rest(version)))
    return events


@dataclass(frozen=True)
class Delivery:
    """One webhook as Shopify queues it: the raw body and the ids that stay on retry."""

    topic: str
    body: bytes
    webhook_id: str
    event_id: str
    triggered_at: datetime


@dataclass
class SendStats:
    """What a `send` did: attempts and outcomes, in the order they happened."""

    delivered: int = 0  # deliveries (first or duplicate) answered 2xx
    duplicates: int = 0  # extra sends of a webhook id already sent
    failures: int = 0  # deliveries never answered 2xx after every attempt
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)  # 0 for a connection error
    sent: list[Delivery] = field(default_factory=list)  # in sending order


class WebhookSender:
    """Signs and POSTs webhooks to one target as one shop's subscription would."""

    def __init__(
        self,
        target_url: str,
        secret: str,
        shop_domain: str,
        api_version: str = "2026-01",
        *,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        max_attempts: int = 3,
        retry_delay: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target_url = target_url
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.sleep = sleep
        self._secret = secret

    def __repr__(self) -> str:  # never shows the secret
        return f"WebhookSender({self.target_url!r}, shop={self.shop_domain!r})"

    def delivery(
        self, topic: str, body: dict[str, Any], *, triggered_at: datetime | None = None
    ) -> Delivery:
        """Return a delivery of `body` under `topic`, with new webhook and event ids."""
        return Delivery(
            topic=topic,
            body=json.dumps(body).encode(),
            webhook_id=str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
            triggered_at=triggered_at or datetime.now(UTC),
        )

    def deliveries_for(self, orders: Sequence[SandboxOrder]) -> list[Delivery]:
        """Return the deliveries of every order's life, in the order they happened."""
        timed = []
        for order in orders:
            for topic, body in events_for(order):
                at = _version_time(body)
                timed.append((at, self.delivery(topic, body, triggered_at=at)))
        timed.sort(key=lambda pair: pair[0])
        return [d for _, d in timed]

    def headers(self, delivery: Delivery) -> dict[str, str]:
        """Return Shopify's webhook headers for a delivery (HMAC of the raw body)."""
        return {
            "Content-Type": "application/json",
            shopify_webhooks.TOPIC_HEADER: delivery.topic,
            shopify_webhooks.HMAC_HEADER: shopify_webhooks.sign(
                delivery.body, self._secret
            ),
            shopify_webhooks.SHOP_DOMAIN_HEADER: self.shop_domain,
            shopify_webhooks.WEBHOOK_ID_HEADER: delivery.webhook_id,
            shopify_webhooks.EVENT_ID_HEADER: delivery.event_id,
            shopify_webhooks.TRIGGERED_AT_HEADER: delivery.triggered_at.isoformat(),
            shopify_webhooks.API_VERSION_HEADER: self.api_version,
        }

    def post(self, delivery: Delivery) -> int:
        """POST once; return the HTTP status (0 when the target is unreachable)."""
        try:
            response = self.session.post(
                self.target_url,
                data=delivery.body,
                headers=self.headers(delivery),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            logger.warning(
                "webhook %s to %s failed: %s", delivery.topic, self.target_url, exc
            )
            return 0
        return response.status_code

    def send(
        self,
        deliveries: Sequence[Delivery],
        *,
        duplicate_rate: float = 0.0,
        reorder_window: int = 0,
        delay: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
    ) -> SendStats:
        """Send deliveries, perhaps duplicated, delayed and reordered; return stats.

        `duplicate_rate` is the chance a delivery is sent a second time (same webhook
        id), `reorder_window` shuffles deliveries within windows of that size (so
        `orders/paid` may arrive before `orders/create`), `delay` is a (min, max)
        pause in seconds before each send. The same seed gives the same plan.
        """
        rng = random.Random(seed)
        plan = _reordered(list(deliveries), reorder_window, rng)
        plan = _with_duplicates(plan, duplicate_rate, rng)
        stats = SendStats()
        seen: set[str] = set()
        for delivery in plan:
            if delay[1] > 0:
                self.sleep(rng.uniform(*delay))
            if delivery.webhook_id in seen:
                stats.duplicates += 1
            seen.add(delivery.webhook_id)
            self._deliver(delivery, stats)
        return stats

    def _deliver(self, delivery: Delivery, stats: SendStats) -> None:
        """Attempt until a 2xx answer or the attempts are spent (Shopify retries)."""
        stats.sent.append(delivery)
        for attempt in range(self.max_attempts):
            if attempt and self.retry_delay:
                self.sleep(self.retry_delay)
            status = self.post(delivery)
            stats.attempts += 1
            stats.statuses.append(status)
            if 200 <= status < 300:
                stats.delivered += 1
                return
        stats.failures += 1
        logger.warning(
            "webhook %s %s gave up after %d attempts",
            delivery.topic,
            delivery.webhook_id,
            self.max_attempts,
        )


def _version_time(body: dict[str, Any]) -> datetime:
    stamp = body.get("updated_at") or body.get("created_at")
    return datetime.fromisoformat(str(stamp))


def _reordered(plan: list[Delivery], window: int, rng: random.Random) -> list[Delivery]:
    if window <= 1:
        return plan
    result: list[Delivery] = []
    for start in range(0, len(plan), window):
        chunk = plan[start : start + window]
        rng.shuffle(chunk)
        result.extend(chunk)
    return result


def _with_duplicates(
    plan: list[Delivery], rate: float, rng: random.Random
) -> list[Delivery]:
    if rate <= 0:
        return plan
    result: list[Delivery] = []
    for delivery in plan:
        result.append(delivery)
        if rng.random() < rate:
            result.append(delivery)
    return result
