"""Group commit of webhook deliveries: many requests, one transaction, then queueing.

Requests hand their delivery to one writer thread and wait for its answer. The thread
takes every delivery waiting at that moment and stores them in one transaction (each
row still its own `ON CONFLICT DO NOTHING` insert, so each request learns whether it
was new). With SQLite this replaces a queue of threads sleeping on the file lock by
one committer; with PostgreSQL it saves a round trip and a flush per delivery.

Keys are queued after the commit by a second thread, off the request's path: the
answer does not wait for the queue, and a key already waiting is not queued twice.
If queueing fails, or the process dies first, the row is durable and the periodic
sweep queues its key.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Connection, Engine

from sync import metrics
from sync.inbox import Delivery, utcnow
from sync.store.db import dialect_insert
from sync.store.models import InboxEvent, InboxStatus

logger = logging.getLogger(__name__)

MAX_BATCH = 256
_STOP = None


class InboxWriter:
    """Stores deliveries in batches on one thread; queues their keys on another."""

    def __init__(
        self, engine: Engine, enqueue: Callable[[str], object], *, source: str
    ) -> None:
        self._engine = engine
        self._enqueue = enqueue
        self._source = source
        self._deliveries: queue.SimpleQueue[tuple[Delivery, Future[bool]] | None] = (
            queue.SimpleQueue()
        )
        self._keys: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._waiting_keys: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def submit(self, delivery: Delivery) -> Future[bool]:
        """Hand over a delivery; the future says True if new, False if a duplicate.

        The future raises the store's error when the row was not stored.
        """
        self._start()
        answer: Future[bool] = Future()
        self._deliveries.put((delivery, answer))
        return answer

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
                answer.set_running_or_notify_cancel()
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[Delivery, Future[bool]]]) -> None:
        try:
            with self._engine.begin() as conn:
                news = insert_batch(conn, [delivery for delivery, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                # One bad row must not refuse the others: try each on its own.
                for item in batch:
                    self._write([item])
                return
            # This thread must not die: every later request would wait forever.
            logger.error("inbox write failed: %s", exc)
            _answer(batch[0][1], error=exc)
            return
        for (delivery, answer), new in zip(batch, news, strict=True):
            _answer(answer, new=new)
            if new and delivery.status == InboxStatus.PENDING and delivery.key:
                self._queue_key(delivery.key)

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


def _answer(
    answer: Future[bool], *, new: bool = False, error: Exception | None = None
) -> None:
    if answer.cancelled():
        return
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(new)


def insert_batch(conn: Connection, deliveries: list[Delivery]) -> list[bool]:
    """Insert deliveries in one statement; return, for each, whether it was new.

    The database absorbs a duplicate of a stored row (`ON CONFLICT DO NOTHING`) and
    `RETURNING` names the rows it inserted; a delivery repeated inside the batch is
    new only at its first place.
    """
    now = utcnow()
    first: dict[tuple[str, str, str], int] = {}
    rows = []
    for place, delivery in enumerate(deliveries):
        sender_key = (delivery.source, delivery.account, delivery.event_id)
        if sender_key not in first:
            first[sender_key] = place
            rows.append(delivery.row(now))
    columns = (InboxEvent.source, InboxEvent.account, InboxEvent.event_id)
    statement = (
        dialect_insert(conn, InboxEvent)
        .on_conflict_do_nothing(index_elements=["source", "account", "event_id"])
        .returning(*columns)
    )
    inserted = {tuple(row) for row in conn.execute(statement, rows)}
    return [
        first[key] == place and key in inserted
        for place, key in enumerate(
            (d.source, d.account, d.event_id) for d in deliveries
        )
    ]
