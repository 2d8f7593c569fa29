"""Backfill: load a shop's order history through a bulk operation, in batches.

Orders go straight to the versioned upsert, a batch per transaction, which is what
makes 100,000 orders a matter of a minute: re-running a backfill changes nothing
(same versions), and a webhook racing it cannot be overwritten by an older version.
A node that cannot be parsed is filed in the inbox as a parked record, raw and with
its error, so that nothing is dropped silently.

Parsing costs more than storing, so with the Shopify parser (a pure function of the
node) batches are parsed in worker processes while this one reads the bulk result
and stores: a bounded pipeline, batches stored in the order they were read.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from config.settings import ShopSettings
from o2c.errors import PayloadError
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
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.orders_repo import order_values, stored_row, upsert_rows
from sync.store.models import InboxStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_PARSE_WORKERS = 4

# What parsing one node gives: the order's row values, or the parse error's text.
Parsed = dict[str, Any] | str


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
    batch. `parse_workers` processes parse batches beside this one (None: one per
    CPU when at least one CPU is idle, else none; 0: parse here); they are used
    only with the Shopify parser and from the second batch on. Raises the
    connector's error when the bulk operation fails; every full batch read before
    the failure is stored first (a rerun skips them by version).
    """
    result = BackfillResult()
    logger.info("backfill of shop %s since %s started", shop.name, since)
    nodes = source.bulk(shop, since=since, on_progress=None)
    with _Parser(source, shop.name, _workers(source, parse_workers)) as parser:
        pending: deque[tuple[list[dict[str, Any]], Future[list[Parsed]]]] = deque()

        def store_oldest() -> None:
            batch, parsed = pending.popleft()
            rows = parser.result(batch, parsed)
            _flush(engine, shop.name, batch, rows, result, now=clock())
            if on_progress:
                on_progress(result.stored)

        def store_all() -> None:
            while pending:
                store_oldest()

        for batch in _batches(nodes, batch_size, on_failure=store_all):
            pending.append((batch, parser.submit(batch)))
            while len(pending) > parser.depth:
                store_oldest()
        store_all()
    logger.info(
        "backfill of shop %s done: %d orders stored, %d parked",
        shop.name,
        result.stored,
        result.parked,
    )
    return result


def _batches(
    nodes: Iterable[dict[str, Any]], size: int, *, on_failure: Callable[[], None]
) -> Iterator[list[dict[str, Any]]]:
    """Yield the nodes in lists of `size`; when reading fails, call `on_failure`
    (which stores the full batches already read) before the error propagates."""
    batch: list[dict[str, Any]] = []
    read = iter(nodes)
    while True:
        try:
            node = next(read)
        except StopIteration:
            break
        except Exception:
            on_failure()
            raise
        batch.append(node)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _flush(
    engine: Engine,
    shop: str,
    batch: list[dict[str, Any]],
    parsed: list[Parsed],
    result: BackfillResult,
    *,
    now: datetime,
) -> None:
    rows = [stored_row(p, now=now) for p in parsed if not isinstance(p, str)]
    parked = [
        _parked(shop, node, error)
        for node, error in zip(batch, parsed, strict=True)
        if isinstance(error, str)
    ]
    with engine.begin() as conn:
        upsert_rows(conn, rows)
        insert_deliveries(conn, parked, now=now)
    result.stored += len(rows)
    result.parked += len(parked)


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


# -- parsing, here or in worker processes -------------------------------------


def _workers(source: OrderSource, wanted: int | None) -> int:
    """How many worker processes may parse for `source` (0: parse here)."""
    if type(source).parse_node is not ShopifyOrderSource.parse_node:
        return 0  # a parser of its own, perhaps not a pure function of the node
    if multiprocessing.current_process().daemon:
        return 0  # a daemonic process (a job worker) may not start children
    if wanted is None:
        # Workers cost CPU (pickling every node) to save wall time: on a machine
        # with no idle CPU they only slow its other work down (bench.backfill at
        # load 3.6 on 2 CPUs: +45% CPU seconds, the same orders per second).
        cpus = os.cpu_count() or 1
        idle = cpus - os.getloadavg()[0]
        wanted = cpus if cpus > 1 and idle >= 1 else 0
    return max(0, min(wanted, MAX_PARSE_WORKERS))


def parse_batch(nodes: list[dict[str, Any]], shop: str) -> list[Parsed]:
    """Parse bulk order nodes with the Shopify parser; return each one's row values
    or its PayloadError's text. Runs in a worker process."""
    from connectors.shopify.parse import order_from_graphql

    parsed: list[Parsed] = []
    for node in nodes:
        try:
            parsed.append(order_values(order_from_graphql(node, shop=shop)))
        except PayloadError as exc:
            parsed.append(str(exc))
    return parsed


class _Parser:
    """Parses batches: the first one here, later ones in a process pool when allowed.

    `depth` is how many parsed batches may wait to be stored: it bounds memory.
    """

    def __init__(self, source: OrderSource, shop: str, workers: int) -> None:
        self._source, self._shop, self._workers = source, shop, workers
        self._pool: ProcessPoolExecutor | None = None
        self._batches = 0
        self.depth = 0

    def submit(self, nodes: list[dict[str, Any]]) -> Future[list[Parsed]]:
        """Start parsing a batch; return the future of its parsed nodes."""
        self._batches += 1
        # A backfill of one batch is not worth starting processes for.
        if self._workers and self._batches == 2:
            # Forking is safe only while no other thread may hold a lock.
            method = "fork" if threading.active_count() == 1 else "spawn"
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=multiprocessing.get_context(method)
            )
            self.depth = self._workers
            logger.info("backfill: parsing in %d worker processes", self._workers)
        if self._pool is not None:
            return self._pool.submit(parse_batch, nodes, self._shop)
        done: Future[list[Parsed]] = Future()
        done.set_result([self._parse_here(node) for node in nodes])
        return done

    def result(
        self, nodes: list[dict[str, Any]], parsed: Future[list[Parsed]]
    ) -> list[Parsed]:
        """Return a submitted batch's parsed nodes, parsing it here when the pool
        broke (a worker killed, or a main module that cannot be re-imported)."""
        try:
            return parsed.result()
        except BrokenProcessPool:
            if self._pool is not None:
                logger.warning("backfill: parse workers lost, parsing in process")
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._workers = None, 0
            return [self._parse_here(node) for node in nodes]

    def _parse_here(self, node: dict[str, Any]) -> Parsed:
        try:
            return order_values(self._source.parse_node(node, shop=self._shop))
        except PayloadError as exc:
            return str(exc)

    def __enter__(self) -> _Parser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
