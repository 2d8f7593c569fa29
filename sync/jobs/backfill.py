"""Backfill: load a shop's order history through a bulk operation, in batches.

Orders go straight to the versioned upsert, a batch per transaction (with the
storefront transactions they carry, indexed for `sync.payment_links`), which is what
makes 100,000 orders a matter of a minute: re-running a backfill changes nothing
(same versions), and a webhook racing it cannot be overwritten by an older version.
A node that cannot be parsed is filed in the inbox as a parked record, raw and with
its error, so that nothing is dropped silently.

With the Shopify source, chunks of the bulk result are parsed in worker processes
(`sync.jobs.backfill_workers`, or here when the worker count is 0) while this
process stores them, in the order read; the orders of a chunk that need details
read over the network are completed together, in batches sized by query cost.
Any other source is read node by node and parsed here.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from config.settings import ShopSettings
from connectors.shopify.bulk import chunk_bulk_lines
from o2c.errors import PayloadError
from o2c.payments import StorefrontTransaction
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
from sync.jobs.backfill_workers import ChunkParser, ParsedChunk, worker_count
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.orders_repo import order_values, stamped, upsert_rows
from sync.payment_links import order_transactions, record_transactions
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
    parse_workers: int | None = None,
) -> BackfillResult:
    """Store every order of `shop` updated since `since`; return the counts.

    `on_progress` is called with the number of orders stored so far after each
    batch. `parse_workers` is how many worker processes parse for the Shopify
    source (None: `worker_count`'s default; 0: parse here). Raises the
    connector's error when the bulk operation fails, PayloadError when its result
    cannot be joined, ParseWorkerError when a worker process fails; what was
    stored before stays stored (a rerun skips it by version).
    """
    run = _Run(engine, shop, clock, on_progress)
    shopify = _line_source(source)
    workers = worker_count(parse_workers) if shopify is not None else 0
    logger.info("backfill of shop %s since %s started", shop.name, since)
    with _collecting_less():
        if shopify is not None:
            _store_chunks(run, shopify, since=since, size=batch_size, workers=workers)
        else:
            _store_nodes(run, source, since=since, size=batch_size)
    if on_progress and run.reported != run.result.stored:
        on_progress(run.result.stored)
    logger.info(
        "backfill of shop %s done: %d orders stored, %d parked",
        shop.name,
        run.result.stored,
        run.result.parked,
    )
    return run.result


@dataclass
class _Run:
    """One backfill's store, clock and counts."""

    engine: Engine
    shop: ShopSettings
    clock: Clock
    on_progress: Callable[[int], None] | None
    result: BackfillResult = field(default_factory=BackfillResult)
    reported: int | None = None  # the count last given to `on_progress`

    def store(
        self,
        rows: list[dict[str, Any]],
        parked: list[Delivery],
        transactions: list[StorefrontTransaction],
    ) -> None:
        """Store a batch of `order_values`, the storefront transactions of their
        orders (linking the stored payments they name) and parked nodes, in one
        transaction."""
        if not rows and not parked:
            return
        now = self.clock()
        with self.engine.begin() as conn:
            upsert_rows(conn, [stamped(values, now=now) for values in rows])
            record_transactions(conn, transactions, now=now)
            insert_deliveries(conn, parked, now=now)
        self.result.stored += len(rows)
        self.result.parked += len(parked)
        if self.on_progress:
            self.on_progress(self.result.stored)
            self.reported = self.result.stored


def _line_source(source: OrderSource) -> ShopifyOrderSource | None:
    """The source when its bulk result can be parsed in worker processes: the
    Shopify source with the Shopify parser, which is a pure function of the lines."""
    if not isinstance(source, ShopifyOrderSource):
        return None
    kind = type(source)
    if kind.parse_node is not ShopifyOrderSource.parse_node:
        return None  # a parser of its own, perhaps not one a worker can run
    if kind.bulk is not ShopifyOrderSource.bulk:
        return None  # nodes of its own, not from the lines
    return source


def _store_nodes(
    run: _Run, source: OrderSource, *, since: datetime | None, size: int
) -> None:
    """Read the bulk result node by node and parse each one here."""
    rows: list[dict[str, Any]] = []
    parked: list[Delivery] = []
    transactions: list[StorefrontTransaction] = []
    for node in source.bulk(run.shop, since=since, on_progress=None):
        try:
            order = source.parse_node(node, shop=run.shop.name)
        except PayloadError as exc:
            parked.append(_parked(run.shop.name, node, str(exc)))
        else:
            rows.append(order_values(order))
            transactions += order_transactions(order)
        if len(rows) + len(parked) >= size:
            run.store(rows, parked, transactions)
            rows, parked, transactions = [], [], []
    run.store(rows, parked, transactions)


def _store_chunks(
    run: _Run,
    source: ShopifyOrderSource,
    *,
    since: datetime | None,
    size: int,
    workers: int,
) -> None:
    """Hand chunks of the undecoded bulk result to the parser; store each parsed
    chunk, oldest first, as soon as it is ready or too many wait."""
    lines = source.bulk_lines(run.shop, since=since, on_progress=None)
    chunks = chunk_bulk_lines(lines, orders=size)
    waiting: deque[Future[ParsedChunk]] = deque()
    with ChunkParser(source.parse_chunk, run.shop.name, workers) as parser:

        def store_oldest() -> None:
            _store_parsed(run, source, parser.result(waiting.popleft()))

        while True:
            try:
                chunk = next(chunks, None)
            except Exception:
                # The download broke off: store what was read, a rerun skips it.
                while waiting:
                    store_oldest()
                raise
            if chunk is None:
                break
            waiting.append(parser.submit(chunk))
            while waiting and (len(waiting) > parser.depth or waiting[0].done()):
                store_oldest()
        while waiting:
            store_oldest()


def _store_parsed(run: _Run, source: ShopifyOrderSource, parsed: ParsedChunk) -> None:
    """Store a parsed chunk, completing (in batches) and parsing here the nodes
    that need their details read; a node whose details cannot be read is parked.
    Raises the chunk's join failure after storing what preceded it."""
    rows, transactions = parsed.rows, parsed.transactions
    parked = [_parked(run.shop.name, node, error) for node, error in parsed.parked]
    # The chunk's orders with details have them read together, in a few queries.
    incomplete = parsed.incomplete
    problems = source.complete_nodes(run.shop, incomplete) if incomplete else []
    for node, problem in zip(incomplete, problems, strict=True):
        try:
            if problem is not None:
                raise problem
            order = source.parse_node(node, shop=run.shop.name)
        except PayloadError as exc:
            parked.append(_parked(run.shop.name, node, str(exc)))
            continue
        rows.append(order_values(order))
        transactions += order_transactions(order)
    run.store(rows, parked, transactions)
    if parsed.failure is not None:
        raise parsed.failure


def _parked(shop: str, node: dict[str, Any], error: str) -> Delivery:
    body = json_bytes(node)
    gid = node.get("id") if isinstance(node.get("id"), str) else None
    logger.warning("backfill: order node %s parked: %s", gid or "(no id)", error)
    return Delivery(
        source=SHOPIFY,
        account=shop,
        topic=BULK_TOPIC,
        event_id=f"bulk:sha256:{hashlib.sha256(body).hexdigest()}",
        key=order_key(shop, gid) if gid else None,
        body=body,
        version=parse_timestamp(node.get("updatedAt")),
        status=InboxStatus.PARKED,
        error=error,
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
