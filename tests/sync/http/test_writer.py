"""Tests of the group-committing inbox writer, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from sync.http.inbox_sql import SQLITE_ROWS_PER_STATEMENT, prepare_connection
from sync.http.writer import InboxWriter, insert_batch
from sync.inbox import Delivery
from sync.store.db import make_engine, migrate
from sync.store.models import InboxEvent, InboxStatus
from tests.sync.http.support import Harness


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _delivery(event_id: str, key: str | None = "k1", **fields: str) -> Delivery:
    return Delivery(
        source="shopify",
        account="acme",
        topic="orders/paid",
        event_id=event_id,
        key=key,
        body=event_id.encode(),
        **fields,
    )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(InboxEvent)).scalar())


def test_insert_batch_marks_stored_and_repeated_deliveries(engine: Engine) -> None:
    with engine.begin() as conn:
        assert insert_batch(conn, [_delivery("a")]) == [True]
    with engine.begin() as conn:
        flags = insert_batch(
            conn, [_delivery("a"), _delivery("b"), _delivery("b"), _delivery("c")]
        )
    assert flags == [False, True, False, True]
    assert _count(engine) == 3


def test_writer_answers_each_delivery_and_queues_each_key_once(
    engine: Engine,
) -> None:
    queued: list[str] = []
    writer = InboxWriter(engine, queued.append, source="shopify")
    answers = [
        writer.submit(_delivery(f"e{n}", key=f"k{n % 3}")) for n in range(30)
    ] + [writer.submit(_delivery("e0"))]
    results = [answer.result(timeout=10) for answer in answers]
    writer.close()
    assert results == [True] * 30 + [False]
    assert _count(engine) == 30
    assert set(queued) == {"k0", "k1", "k2"}
    assert len(queued) <= 30


def test_writer_does_not_queue_parked_or_ignored_rows(engine: Engine) -> None:
    queued: list[str] = []
    writer = InboxWriter(engine, queued.append, source="shopify")
    parked = _delivery("p", status=InboxStatus.PARKED, error="bad")
    ignored = _delivery("i", status=InboxStatus.IGNORED, error="topic")
    assert writer.submit(parked).result(timeout=10) is True
    assert writer.submit(ignored).result(timeout=10) is True
    writer.close()
    assert queued == []


def test_concurrent_duplicates_over_http_store_one_row(harness: Harness) -> None:
    body = b'{"id": 42}'
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(
            pool.map(lambda _: harness.post(body, webhook_id="same-id"), range(40))
        )
    statuses = sorted(response.json()["status"] for response in responses)
    assert statuses == ["accepted"] + ["duplicate"] * 39
    assert len(harness.rows()) == 1
    deadline = time.monotonic() + 5
    while not harness.enqueued and time.monotonic() < deadline:
        time.sleep(0.01)
    assert harness.enqueued == ["shopify:acme:gid://shopify/Order/42"]


def test_a_cancelled_answer_does_not_stop_the_writer(engine: Engine) -> None:
    writer = InboxWriter(engine, lambda key: None, source="shopify")
    gone = writer.submit(_delivery("gone"))
    gone.cancel()
    assert writer.submit(_delivery("next")).result(timeout=10) is True
    writer.close()
    assert _count(engine) == 2  # a verified delivery is kept even if nobody waits


def test_a_failing_store_answers_with_the_error_and_keeps_going(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")
    writer = InboxWriter(engine, lambda key: None, source="shopify")
    with pytest.raises(OperationalError):
        writer.submit(_delivery("a")).result(timeout=10)
    migrate(engine)
    assert writer.submit(_delivery("b")).result(timeout=10) is True
    writer.close()
    engine.dispose()


def test_insert_batch_past_one_statement_keeps_every_flag(engine: Engine) -> None:
    count = SQLITE_ROWS_PER_STATEMENT + 37
    with engine.begin() as conn:
        insert_batch(conn, [_delivery("e3"), _delivery(f"e{count - 1}")])
    batch = [_delivery(f"e{n}") for n in range(count)] + [_delivery("e5")]
    with engine.begin() as conn:
        flags = insert_batch(conn, batch)
    expected = [n not in (3, count - 1) for n in range(count)] + [False]
    assert flags == expected
    assert _count(engine) == count


def test_writer_connection_syncs_every_commit_and_the_pool_keeps_its_level(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")

    def level(conn: Connection) -> int:
        # On the driver's connection: no transaction (and no write lock) begins.
        return int(conn.connection.execute("PRAGMA synchronous").fetchone()[0])

    with engine.connect() as writer_conn, engine.connect() as other:
        prepare_connection(writer_conn)
        levels = level(writer_conn), level(other)
    engine.dispose()
    assert levels == (2, 1)  # FULL for the inbox writer, NORMAL elsewhere


def test_store_answers_an_event_loop_without_blocking_it(engine: Engine) -> None:
    writer = InboxWriter(engine, lambda key: None, source="shopify")

    async def deliver() -> list[bool]:
        first = await writer.store(_delivery("a"))
        rest = await asyncio.gather(*(writer.store(_delivery(e)) for e in "abc"))
        return [first, *rest]

    assert asyncio.run(deliver()) == [True, False, True, True]
    writer.close()
    assert _count(engine) == 3


def test_store_raises_the_store_error_to_the_waiting_request(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")
    writer = InboxWriter(engine, lambda key: None, source="shopify")
    with pytest.raises(OperationalError):
        asyncio.run(writer.store(_delivery("a")))
    writer.close()
    engine.dispose()
