"""Prometheus metrics of the hub, served by `GET /metrics`.

Counters and histograms live on the process's default registry so any part of the hub
(the webhook endpoint, jobs, connectors) can count what it does by importing this
module. Gauges that describe the store (inbox backlog, orders per state) are read
from the database when the endpoint is scraped, not kept in memory.
"""

from __future__ import annotations

import logging

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from sync.store.models import InboxEvent, InboxStatus, OrderRecord

logger = logging.getLogger(__name__)

WEBHOOK_DELIVERIES = Counter(
    "o2c_webhook_deliveries",
    "Webhook requests received, by sender and outcome.",
    ["source", "outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "o2c_webhook_seconds",
    "Time to verify and store one webhook delivery.",
    ["source"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
ENQUEUE_FAILURES = Counter(
    "o2c_enqueue_failures",
    "Keys stored but not queued (the sweep queues them later).",
    ["source"],
)
INBOX_EVENTS = Gauge(
    "o2c_inbox_events",
    "Inbox rows by status, read from the store at scrape time.",
    ["status"],
)
ORDERS = Gauge(
    "o2c_orders",
    "Stored orders by pipeline state, read from the store at scrape time.",
    ["state"],
)
STORE_UP = Gauge("o2c_store_up", "1 when the last scrape could read the store.")


class Outcome:
    """The outcomes a webhook request can have (the `outcome` label)."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    IGNORED = "ignored"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_SHOP = "unknown_shop"
    TOO_LARGE = "too_large"
    BAD_REQUEST = "bad_request"
    ERROR = "error"


def refresh_store_gauges(engine: Engine) -> None:
    """Read inbox and order counts from the store into the gauges.

    A store that cannot be read sets `o2c_store_up` to 0 instead of raising.
    """
    try:
        with engine.connect() as conn:
            inbox: dict[str, int] = {
                status: count
                for status, count in conn.execute(
                    select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
                )
            }
            orders: dict[str, int] = {
                state: count
                for state, count in conn.execute(
                    select(OrderRecord.state, func.count()).group_by(OrderRecord.state)
                )
            }
    except SQLAlchemyError as exc:
        logger.warning("metrics: store unreadable: %s", exc.__class__.__name__)
        STORE_UP.set(0)
        return
    STORE_UP.set(1)
    for status in InboxStatus.ALL:
        INBOX_EVENTS.labels(status=status).set(inbox.get(status, 0))
    # A state no order is in any more must not keep its last count.
    ORDERS.clear()
    for state, count in orders.items():
        ORDERS.labels(state=state).set(count)


def exposition() -> tuple[bytes, str]:
    """Return the text exposition of every registered metric and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
