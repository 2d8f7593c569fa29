"""Polling, the safety net under webhooks: fetch orders updated since the cursor.

Each poll asks for orders updated since the stored cursor minus an overlap window (so
that an update committed late on Shopify's side is not skipped), files every node in
the inbox as a polled record (duplicates are absorbed by their event id: GID plus
version), and moves the cursor to the newest version seen. The poll's time and error
are recorded on the cursor row for `status`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from config.settings import ShopSettings
from sync.inbox import (
    POLL_TOPIC,
    SHOPIFY,
    Delivery,
    insert_deliveries,
    json_bytes,
    order_key,
    parse_timestamp,
)
from sync.intake import OrderSource
from sync.store.db import dialect_insert, reading
from sync.store.models import PollCursor

logger = logging.getLogger(__name__)

ORDERS_STREAM = "orders"
POLL_OVERLAP = timedelta(minutes=5)
FIRST_POLL_LOOKBACK = timedelta(days=1)
PAGE_SIZE = 100
_BATCH = 200


@dataclass
class PollResult:
    """What one poll of one shop did."""

    fetched: int = 0
    stored: int = 0  # new inbox rows (the rest were already there)
    keys: set[str] = field(default_factory=set)  # keys that got new rows
    cursor: datetime | None = None


def poll_orders(
    engine: Engine,
    shop: ShopSettings,
    source: OrderSource,
    *,
    now: datetime,
    overlap: timedelta = POLL_OVERLAP,
) -> PollResult:
    """Poll one shop's orders into the inbox; return the counts and the keys to enqueue.

    Raises the connector's error after recording it on the cursor row; the cursor
    then stays where it was.
    """
    cursor = read_cursor(engine, SHOPIFY, shop.name, ORDERS_STREAM)
    since = cursor - overlap if cursor else now - FIRST_POLL_LOOKBACK
    result = PollResult(cursor=cursor)
    logger.info("polling shop %s for orders updated since %s", shop.name, since)
    try:
        batch: list[Delivery] = []
        for node in source.updated_since(shop, since, page_size=PAGE_SIZE):
            batch.append(_delivery(shop.name, node))
            if len(batch) >= _BATCH:
                _store(engine, batch, result, now=now)
                batch = []
        _store(engine, batch, result, now=now)
    except Exception as exc:  # recorded for `status`, then raised to the job runner
        _write_cursor(engine, shop.name, now=now, error=f"{type(exc).__name__}: {exc}")
        raise
    _write_cursor(engine, shop.name, now=now, cursor=result.cursor)
    logger.info(
        "polled shop %s: %d orders, %d new", shop.name, result.fetched, result.stored
    )
    return result


def _delivery(shop: str, node: dict[str, Any]) -> Delivery:
    body = json_bytes(node)
    gid = node.get("id") if isinstance(node.get("id"), str) else None
    version = parse_timestamp(node.get("updatedAt"))
    if gid and version:
        event_id = f"poll:{gid}:{version.isoformat()}"
    else:
        event_id = f"poll:sha256:{hashlib.sha256(body).hexdigest()}"
    return Delivery(
        source=SHOPIFY,
        account=shop,
        topic=POLL_TOPIC,
        event_id=event_id,
        key=order_key(shop, gid) if gid else None,
        body=body,
        version=version,
    )


def _store(
    engine: Engine, batch: list[Delivery], result: PollResult, *, now: datetime
) -> None:
    if not batch:
        return
    result.fetched += len(batch)
    with engine.begin() as conn:
        for delivery in batch:
            if insert_deliveries(conn, [delivery], now=now):
                result.stored += 1
                result.keys.add(delivery.row(now)["key"])
    for delivery in batch:
        if delivery.version and (not result.cursor or delivery.version > result.cursor):
            result.cursor = delivery.version


def read_cursor(
    engine: Engine, source: str, account: str, stream: str
) -> datetime | None:
    """Return a stream's cursor as a timestamp, or None before its first poll."""
    with reading(engine) as conn:
        text = conn.execute(
            select(PollCursor.cursor).where(
                PollCursor.source == source,
                PollCursor.account == account,
                PollCursor.stream == stream,
            )
        ).scalar()
    return parse_timestamp(text)


def _write_cursor(
    engine: Engine,
    shop: str,
    *,
    now: datetime,
    cursor: datetime | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"last_run_at": now, "last_error": error}
    if error is None:
        values["last_success_at"] = now
        if cursor:
            values["cursor"] = cursor.isoformat()
    with engine.begin() as conn:
        stmt = dialect_insert(conn, PollCursor).values(
            source=SHOPIFY, account=shop, stream=ORDERS_STREAM, **values
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["source", "account", "stream"], set_=values
            )
        )
