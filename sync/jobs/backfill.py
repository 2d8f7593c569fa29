"""Backfill: load a shop's order history through a bulk operation, in batches.

Orders go straight to the versioned upsert, a batch per transaction, which is what
makes 100,000 orders a matter of a minute: re-running a backfill changes nothing
(same versions), and a webhook racing it cannot be overwritten by an older version.
A node that cannot be parsed is filed in the inbox as a parked record, raw and with
its error, so that nothing is dropped silently.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from config.settings import ShopSettings
from o2c.errors import PayloadError
from o2c.orders import Order
from sync.inbox import (
    BULK_TOPIC,
    SHOPIFY,
    Delivery,
    insert_deliveries,
    json_bytes,
    order_key,
    parse_timestamp,
)
from sync.intake import Clock, OrderSource
from sync.orders_repo import upsert_orders
from sync.store.models import InboxStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
GC_THRESHOLD = 50_000  # allocations between young-generation collections


@dataclass
class BackfillResult:
    """What one backfill did."""

    stored: int = 0  # orders handed to the versioned upsert
    parked: int = 0  # nodes filed in the inbox with their parse error


def backfill_orders(
    engine: Engine,
    shop: ShopSettings,
    source: OrderSource,
    *,
    since: datetime | None,
    clock: Clock,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> BackfillResult:
    """Store every order of `shop` updated since `since`; return the counts.

    `on_progress` is called with the number of orders stored so far after each
    batch. Raises the connector's error when the bulk operation fails; batches
    stored before the failure stay stored (a rerun skips them by version).
    """
    result = BackfillResult()
    orders: list[Order] = []
    parked: list[Delivery] = []
    logger.info("backfill of shop %s since %s started", shop.name, since)
    with _collecting_less():
        for node in source.bulk(shop, since=since, on_progress=None):
            try:
                orders.append(source.parse_node(node, shop=shop.name))
            except PayloadError as exc:
                parked.append(_parked(shop.name, node, exc))
            if len(orders) + len(parked) >= batch_size:
                _flush(engine, orders, parked, result, now=clock())
                orders, parked = [], []
                if on_progress:
                    on_progress(result.stored)
        _flush(engine, orders, parked, result, now=clock())
    if on_progress:
        on_progress(result.stored)
    logger.info(
        "backfill of shop %s done: %d orders stored, %d parked",
        shop.name,
        result.stored,
        result.parked,
    )
    return result


def _flush(
    engine: Engine,
    orders: list[Order],
    parked: list[Delivery],
    result: BackfillResult,
    *,
    now: datetime,
) -> None:
    if not orders and not parked:
        return
    with engine.begin() as conn:
        upsert_orders(conn, orders, now=now)
        insert_deliveries(conn, parked, now=now)
    result.stored += len(orders)
    result.parked += len(parked)


def _parked(shop: str, node: dict[str, Any], exc: PayloadError) -> Delivery:
    body = json_bytes(node)
    gid = node.get("id") if isinstance(node.get("id"), str) else None
    logger.warning("backfill: order node %s parked: %s", gid or "(no id)", exc)
    return Delivery(
        source=SHOPIFY,
        account=shop,
        topic=BULK_TOPIC,
        event_id=f"bulk:sha256:{hashlib.sha256(body).hexdigest()}",
        key=order_key(shop, gid) if gid else None,
        body=body,
        version=parse_timestamp(node.get("updatedAt")),
        status=InboxStatus.PARKED,
        error=str(exc),
    )


@contextmanager
def _collecting_less() -> Iterator[None]:
    """Run the cycle collector less often while backfilling, then as before.

    Parsing allocates thousands of objects an order, none of them in cycles, while a
    batch of orders stays alive: at the default threshold the collector keeps
    walking that batch for nothing (a quarter of the backfill's time in
    bench.backfill). Backfills running at once in threads share one setting; the
    last to finish restores the threshold found by the first.
    """
    with _GC.lock:
        if not _GC.running:
            _GC.saved = gc.get_threshold()
            gc.set_threshold(GC_THRESHOLD, *_GC.saved[1:])
        _GC.running += 1
    try:
        yield
    finally:
        with _GC.lock:
            _GC.running -= 1
            if not _GC.running:
                gc.set_threshold(*_GC.saved)


@dataclass
class _Collector:
    """How many backfills run, and the threshold found by the first of them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    saved: tuple[int, ...] = ()


_GC = _Collector()
