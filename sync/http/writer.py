"""Group commit of webhook deliveries: many requests, one transaction, then queueing.

Requests hand their delivery to one writer thread and wait for its answer. The thread
takes every delivery waiting at that moment and stores them in one transaction, on
a connection it keeps (`inbox_sql`: the database absorbs duplicates, and each
request learns whether it was new). With SQLite this replaces a queue of threads
sleeping on the file lock by one committer and one fsync per batch; with PostgreSQL
it saves a flush per delivery. Waiters on an event loop are woken per batch.

Keys are queued after the commit by a second thread, off the request's path: the
answer does not wait for the queue, and a key already waiting is not queued twice.
If queueing fails, or the process dies first, the row is durable and the periodic
sweep queues its key.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Connection, Engine

from sync import metrics
from sync.http.inbox_sql import insert_batch, prepare_connection
from sync.inbox import Delivery
from sync.store.models import InboxStatus

logger = logging.getLogger(__name__)

MAX_BATCH = 256
_STOP = None
# A waiter's answer: a thread's future (`submit`) or an event loop's (`store`).
Answer = Future[bool] | asyncio.Future[bool]
Item = tuple[Delivery, Answer]


class InboxWriter:
    """Stores deliveries in batches on one thread; queues their keys on another."""

    def __init__(
        self, engine: Engine, enqueue: Callable[[str], object], *, source: str
    ) -> None:
        self._engine = engine
        self._enqueue = enqueue
        self._source = source
        self._deliveries: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._keys: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._waiting_keys: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conn: Connection | None = None

    def submit(self, delivery: Delivery) -> Future[bool]:
        """Hand over a delivery; the future says True if new, False if a duplicate.

        The future raises the store's error when the row was not stored.
        """
        self._start()
        answer: Future[bool] = Future()
        self._deliveries.put((delivery, answer))
        return answer

    async def store(self, delivery: Delivery) -> bool:
        """Hand over a delivery and wait for its commit, without blocking the loop.

        Returns True if it is new, False if it was a duplicate; raises the store's
        error when the row was not stored. Waiters of one batch on one event loop
        are woken together, by one call into that loop.
        """
        self._start()
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._deliveries.put((delivery, answer))
        return await answer

    def close(self, timeout: float = 10.0) -> None:
        """Store what was handed over, queue its keys, then stop both threads."""
        with self._lock:
            threads, self._threads = self._threads, []
        if not threads:
            return
        self._deliveries.put(_STOP)
        threads[0].join(timeout)
        self._keys.put(_STOP)
        threads[1].join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._threads:
                return
            self._threads = [
                threading.Thread(target=self._write_loop, name="o2c-inbox-writer"),
                threading.Thread(target=self._enqueue_loop, name="o2c-enqueuer"),
            ]
            for thread in self._threads:
                thread.daemon = True
                thread.start()

    def _write_loop(self) -> None:
        try:
            self._write_batches()
        finally:
            self._disconnect()

    def _write_batches(self) -> None:
        while True:
            first = self._deliveries.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH and not self._deliveries.empty():
                item = self._deliveries.get_nowait()
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            # From here a request that went away can no longer cancel its answer;
            # its delivery is stored all the same (a resend is then a duplicate).
            for _, answer in batch:
                if isinstance(answer, Future):
                    answer.set_running_or_notify_cancel()
            _settle(self._write(batch))
            if stop:
                return

    def _write(self, batch: list[Item]) -> list[tuple[Answer, bool | Exception]]:
        """Store a batch; return each answer with its result (new?) or error."""
        try:
            conn = self._connection()
            with conn.begin():
                news = insert_batch(conn, [delivery for delivery, _ in batch])
        except Exception as exc:
            # The next attempt starts on a fresh connection (a broken one is
            # dropped by the pool).
            self._disconnect()
            if len(batch) > 1:
                # One bad row must not refuse the others: try each on its own.
                return [result for item in batch for result in self._write([item])]
            # This thread must not die: every later request would wait forever.
            logger.error("inbox write failed: %s", exc)
            return [(batch[0][1], exc)]
        for (delivery, _), new in zip(batch, news, strict=True):
            if new and delivery.status == InboxStatus.PENDING and delivery.key:
                self._queue_key(delivery.key)
        return [(answer, new) for (_, answer), new in zip(batch, news, strict=True)]

    def _connection(self) -> Connection:
        """The writer thread's own connection, kept between batches."""
        if self._conn is None:
            conn = self._engine.connect()
            try:
                prepare_connection(conn)
            except Exception:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception as exc:
                # A connection that cannot even close is left to the pool.
                logger.warning("inbox writer connection not closed: %s", exc)

    def _queue_key(self, key: str) -> None:
        """Hand a key to the enqueuer thread unless it is already waiting there."""
        with self._lock:
            if key in self._waiting_keys:
                return
            self._waiting_keys.add(key)
        self._keys.put(key)

    def _enqueue_loop(self) -> None:
        while (key := self._keys.get()) is not _STOP:
            with self._lock:
                self._waiting_keys.discard(key)
            try:
                self._enqueue(key)
            except Exception as exc:
                # Any queue failure (Redis down, SQLite locked, ...): the row is
                # durable and the sweep queues its key later.
                metrics.ENQUEUE_FAILURES.labels(source=self._source).inc()
                logger.warning("key %s stored, not queued: %s", key, exc)


def _settle(results: list[tuple[Answer, bool | Exception]]) -> None:
    """Give every waiter its result: thread futures at once, event-loop futures
    with one call into each loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Answer, bool | Exception]]]
    by_loop = {}
    for answer, result in results:
        if isinstance(answer, Future):
            _answer(answer, result)
        else:
            by_loop.setdefault(answer.get_loop(), []).append((answer, result))
    for loop, group in by_loop.items():
        try:
            loop.call_soon_threadsafe(_answer_all, group)
        except RuntimeError:
            # The loop is closed: nobody waits for these answers any more.
            logger.debug("%d answers dropped: their event loop is closed", len(group))


def _answer_all(results: list[tuple[Answer, bool | Exception]]) -> None:
    for answer, result in results:
        _answer(answer, result)


def _answer(answer: Answer, result: bool | Exception) -> None:
    # A request that went away cancelled its answer; its row is kept all the same.
    if answer.cancelled():
        return
    if isinstance(result, Exception):
        answer.set_exception(result)
    else:
        answer.set_result(result)
