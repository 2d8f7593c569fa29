"""Backfill's parse workers: chunks of a bulk result in, rows ready to store out.

Parsing an order costs several times what storing it does (bench.backfill), so a
backfill hands chunks of undecoded result lines to worker processes and only stores
what comes back: the `orders` row values of each order and the storefront
transactions it carries. Lines and rows cost little
to pickle; decoded nodes cost as much as parsing them, so a node travels only when
it must: to be completed over the network (payment terms, refunds, fulfillments) or
parked with its error, both in the storing process.

When every worker has its chunks, the storing process parses the next chunk itself,
so that one worker and the storing process keep two CPUs busy. What parses a chunk
is the source's own function (`ShopifyOrderSource.parse_chunk`), sent to the
workers by reference.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from connectors.shopify.bulk import BulkChunk
from o2c.errors import ConfigurationError, HubError, PayloadError
from o2c.payments import StorefrontTransaction

logger = logging.getLogger(__name__)

WORKERS_ENV = "O2C_HUB_BACKFILL_WORKERS"
MAX_DEFAULT_WORKERS = 4
CHUNKS_PER_WORKER = 2  # one being parsed, one waiting: a worker never idles


class ParseWorkerError(HubError):
    """A backfill's parse worker process failed: a parser bug, or the process died."""


@dataclass
class ParsedChunk:
    """What parsing one chunk gave, in the order its orders were read."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # `order_values`
    # The storefront transactions the rows' orders carry, to be indexed with them.
    transactions: list[StorefrontTransaction] = field(default_factory=list)
    # Nodes that cannot be parsed, each with its error's text, to be parked.
    parked: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    # Nodes to complete over the network, then parse, in the storing process.
    incomplete: list[dict[str, Any]] = field(default_factory=list)
    # Why the lines could not be joined past the orders above, when they could not.
    failure: PayloadError | None = None


# Joins and parses one chunk of a shop's bulk result; a module-level function, so
# that worker processes can be sent it by name.
ChunkParse = Callable[[BulkChunk, str], ParsedChunk]


def worker_count(wanted: int | None = None) -> int:
    """Return how many worker processes a backfill parses in (0: in process).

    `wanted`, else `$O2C_HUB_BACKFILL_WORKERS`, else one per CPU this process may
    use beyond its own (at most MAX_DEFAULT_WORKERS). A daemonic process (a job
    worker's) may start none. Raises ConfigurationError for a setting that is not
    a whole number of at least 0.
    """
    if wanted is None:
        setting = os.environ.get(WORKERS_ENV, "").strip()
        if setting:
            wanted = _whole_number(setting)
        else:
            wanted = min(_usable_cpus() - 1, MAX_DEFAULT_WORKERS)
    if wanted < 0:
        raise ConfigurationError(f"backfill parse workers must be 0 or more: {wanted}")
    if wanted and multiprocessing.current_process().daemon:
        return 0
    return wanted


def _whole_number(setting: str) -> int:
    try:
        return int(setting)
    except ValueError:
        raise ConfigurationError(
            f"{WORKERS_ENV} must be a whole number of worker processes "
            f"(0: parse in process), not {setting[:40]!r}"
        ) from None


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _parse_in_worker(parse: ChunkParse, chunk: BulkChunk, shop: str) -> ParsedChunk:
    """Run `parse` in a worker process: whatever breaks comes back as one error
    type, whose message names the chunk and the original error."""
    try:
        return parse(chunk, shop)
    except Exception as exc:  # the process boundary: the pool sends the traceback
        raise ParseWorkerError(
            f"parsing bulk result lines from {chunk.first_line} failed in a worker "
            f"process: {type(exc).__name__}: {exc}"
        ) from exc


def _start_worker(gc_threshold: tuple[int, ...]) -> None:
    # Ctrl-C reaches the whole process group: the storing process stops the
    # workers, which must not die mid-chunk with a traceback of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(*gc_threshold)


class ChunkParser:
    """Parses chunks in worker processes, or in this process when they are busy.

    The workers start with the second chunk (a one-chunk backfill starts none)
    and stop when the parser is left, cancelling chunks not yet started. `depth`
    is how many parsed chunks may wait to be stored, which bounds memory.
    """

    def __init__(self, parse: ChunkParse, shop: str, workers: int) -> None:
        self._parse, self._shop, self._workers = parse, shop, workers
        self._pool: ProcessPoolExecutor | None = None
        self._running: set[Future[ParsedChunk]] = set()
        self._chunks = 0
        self._most_running = workers * CHUNKS_PER_WORKER
        self.depth = self._most_running + 1

    def submit(self, chunk: BulkChunk) -> Future[ParsedChunk]:
        """Return the future of a chunk's parse, done at once when parsed here."""
        self._chunks += 1
        self._running = {f for f in self._running if not f.done()}
        if self._chunks > 1 and len(self._running) < self._most_running:
            pool = self._started()
            future = pool.submit(_parse_in_worker, self._parse, chunk, self._shop)
            self._running.add(future)
            return future
        done: Future[ParsedChunk] = Future()
        done.set_result(self._parse(chunk, self._shop))
        return done

    def result(self, future: Future[ParsedChunk]) -> ParsedChunk:
        """Wait for a parse; raises ParseWorkerError when its worker failed or died."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise ParseWorkerError(
                "a backfill parse worker process ended unexpectedly (killed, or "
                "out of memory?); the chunks stored before it stay stored"
            ) from exc

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Forking is safe only while no other thread may hold a lock.
            method = "fork" if threading.active_count() == 1 else "spawn"
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_start_worker,
                initargs=(gc.get_threshold(),),
            )
            logger.info(
                "backfill: parsing in %d worker process(es) (%s) and this one",
                self._workers,
                method,
            )
        return self._pool

    def __enter__(self) -> ChunkParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
