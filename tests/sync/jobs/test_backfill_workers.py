"""Backfill with parse worker processes stores what parsing in process stores."""

from __future__ import annotations

import json
import logging
import multiprocessing
import resource
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from config.settings import ShopSettings, settings_from_dict
from connectors.sandbox.shopify import SandboxShopify, generate_orders
from o2c.errors import ConfigurationError, PayloadError, RetryableError
from sync.inbox import order_key
from sync.jobs.backfill import BackfillResult, backfill_orders
from sync.jobs.backfill_workers import WORKERS_ENV, ParseWorkerError, worker_count
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.store.db import make_engine, migrate
from sync.store.models import InboxEvent, InboxStatus, OrderRecord
from tests.sync.helpers import SHOP, T0, Clock, hub_settings, inbox_rows
from tests.sync.jobs.backfill_sources import (
    BrokenOffSource,
    BulkResultSource,
    die_in_workers,
    explode_in_workers,
    sandbox_nodes,
)


@pytest.fixture
def shop(tmp_path: Path) -> ShopSettings:
    return hub_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path).shop(SHOP)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    """Make migrated SQLite stores by name."""
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _backfill(
    engine: Engine,
    shop: ShopSettings,
    source: ShopifyOrderSource,
    *,
    workers: int,
    batch_size: int = 6,
    on_progress: Callable[[int], None] | None = None,
) -> BackfillResult:
    return backfill_orders(
        engine,
        shop,
        source,
        since=None,
        clock=Clock(T0),
        on_progress=on_progress,
        batch_size=batch_size,
        parse_workers=workers,
    )


def _orders(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored order's columns but the row id, by external id."""
    columns = [c for c in OrderRecord.__table__.columns if c.name != "id"]
    with engine.connect() as conn:
        query = select(*columns).order_by(OrderRecord.external_id)
        return [tuple(row) for row in conn.execute(query)]


def _parked(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(select(InboxEvent).order_by(InboxEvent.event_id))
        return [
            (r.topic, r.event_id, r.key, r.body, r.status, r.last_error, r.version)
            for r in rows
        ]


def _order_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count(OrderRecord.id))).scalar_one())


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been reaped."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _poison(node: dict[str, Any], number: int) -> dict[str, Any]:
    """A copy of `node` under its own id whose total is not a money bag."""
    return {
        **node,
        "id": f"gid://shopify/Order/{number}",
        "name": f"#{number}",
        "totalPriceSet": "ten euros",
    }


def test_workers_store_exactly_the_rows_and_parked_nodes_of_parsing_in_process(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    nodes = sandbox_nodes(40, seed=11)
    with_details = next(n for n in nodes[1::2] if n["fulfillments"])
    # One poison node parsed by a worker, one completed and parsed here.
    nodes[20:20] = [_poison(nodes[0], 990001), _poison(with_details, 990002)]
    here, there = BulkResultSource(nodes), BulkResultSource(nodes)
    in_process, in_workers = fresh("in-process"), fresh("in-workers")
    reaped = _children_cpu()

    assert _backfill(in_process, shop, here, workers=0) == BackfillResult(40, 2)
    assert _backfill(in_workers, shop, there, workers=1) == BackfillResult(40, 2)

    assert _children_cpu() > reaped  # a worker process parsed, and was stopped
    assert len(_orders(in_workers)) == 40
    assert _orders(in_workers) == _orders(in_process)
    assert _parked(in_workers) == _parked(in_process)
    assert sorted(there.completed) == sorted(here.completed)
    assert len(here.completed) > 10


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_workers_store_what_parsing_in_process_stores_from_the_sandbox_over_http(
    tmp_path: Path,
    fresh: Callable[[str], Engine],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="sync.jobs.backfill_workers")
    monkeypatch.setattr("sync.jobs.shopify_source.BULK_POLL_INTERVAL", 0.05)
    domain = "acme.myshopify.com"
    # Shopify Plus limits, so that completing the orders' details is not throttled.
    with SandboxShopify(bucket_size=10_000, restore_rate=1000) as shopify:
        shopify.add_shop(domain, "shpat_test", "whsec_test")
        shopify.add_orders(domain, generate_orders(30, seed=21, shop_domain=domain))
        shop = _sandbox_shop(tmp_path, shopify.shop_url(domain))
        in_process, in_workers = fresh("in-process"), fresh("in-workers")

        # The server's threads make the pool spawn its workers, not fork them.
        first = _backfill(in_process, shop, ShopifyOrderSource(), workers=0)
        second = _backfill(in_workers, shop, ShopifyOrderSource(), workers=1)

    assert first == second == BackfillResult(stored=30, parked=0)
    assert _orders(in_workers) == _orders(in_process)
    assert "1 worker process(es) (spawn)" in caplog.text


def _sandbox_shop(base_dir: Path, url: str) -> ShopSettings:
    shop = {
        "name": SHOP,
        "domain": "acme.myshopify.com",
        "access_token": "shpat_test",
        "webhook_secret": "whsec_test",
        "api_base_url": url,
    }
    data = {"environment": "development", "shops": [shop]}
    return settings_from_dict(data, base_dir=base_dir).shop(SHOP)


def test_a_poison_node_amid_the_chunks_is_parked_raw_and_the_rest_stored(
    engine: Engine, shop: ShopSettings
) -> None:
    nodes = sandbox_nodes(20, seed=3)
    nodes.insert(10, _poison(nodes[2], 990003))

    result = _backfill(engine, shop, BulkResultSource(nodes), workers=1, batch_size=4)

    assert result == BackfillResult(stored=20, parked=1)
    assert _order_count(engine) == 20
    [parked] = inbox_rows(engine)
    assert parked.status == InboxStatus.PARKED
    assert parked.topic == "bulk/orders"
    assert parked.key == order_key(SHOP, "gid://shopify/Order/990003")
    assert json.loads(parked.body)["totalPriceSet"] == "ten euros"
    assert "totalPriceSet" in parked.last_error


def test_workers_never_overwrite_a_newer_stored_version(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    older = sandbox_nodes(24, seed=19)
    newer = [
        {**node, "updatedAt": "2027-01-01T00:00:00Z", "tags": ["newer"]}
        for node in older
    ]
    _backfill(engine, shop, BulkResultSource(newer), workers=0)
    stored = _orders(engine)

    result = _backfill(engine, shop, BulkResultSource(older), workers=1, batch_size=4)

    assert result.stored == 24  # handed to the upsert, which kept the newer ones
    assert _orders(engine) == stored
    assert all('"tags":["newer"]' in row.data for row in _stored_data(engine))


def _stored_data(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(OrderRecord.data)))


def test_progress_advances_after_each_chunk_stored_by_workers(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    nodes = sandbox_nodes(50, seed=7)[::2]  # 25 orders without details
    progress: list[int] = []

    _backfill(
        fresh("hub"),
        shop,
        BulkResultSource(nodes),
        workers=1,
        batch_size=10,
        on_progress=progress.append,
    )

    assert progress == [10, 20, 25]


def test_a_download_broken_off_stores_the_chunks_read_before_it_then_raises(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    nodes = sandbox_nodes(60, seed=13)[::2]  # 30 orders without details
    whole = BulkResultSource(nodes).lines
    # The break comes in the middle of the 26th order: 6 chunks of 4 are whole.
    roots = [n for n, line in enumerate(whole) if b"__parentId" not in line]
    source = BrokenOffSource(nodes, lines_before_error=roots[25] + 1)

    with pytest.raises(RetryableError, match="broke off"):
        _backfill(engine, shop, source, workers=1, batch_size=4)

    assert _order_count(engine) == 24
    assert multiprocessing.active_children() == []


def test_a_line_that_cannot_be_joined_stores_the_orders_before_it_and_names_it(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    source = BulkResultSource(sandbox_nodes(40, seed=17)[::2])
    roots = [n for n, line in enumerate(source.lines) if b"__parentId" not in line]
    broken = roots[10] + 1  # the 11th order's first child line
    source.lines[broken] = b'{"__typename": "LineItem", "id": '

    with pytest.raises(PayloadError, match=f"at line {broken + 1}\\)"):
        _backfill(engine, shop, source, workers=1, batch_size=4)

    # Two chunks, and the orders of the third before the broken line.
    assert _order_count(engine) == 10


class _Exploding(BulkResultSource):
    parse_chunk = staticmethod(explode_in_workers)


class _Dying(BulkResultSource):
    parse_chunk = staticmethod(die_in_workers)


@pytest.mark.timeout(60)
def test_an_error_in_a_worker_process_surfaces_named_and_nothing_is_left_running(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    source = _Exploding(sandbox_nodes(24, seed=5)[::2])

    with pytest.raises(ParseWorkerError) as raised:
        _backfill(engine, shop, source, workers=1, batch_size=4)

    message = str(raised.value)
    assert "lines from " in message
    assert "failed in a worker process: RuntimeError: parser bug on purpose" in message
    assert multiprocessing.active_children() == []
    # The first chunk is parsed here, before any worker starts, and stays stored.
    assert _order_count(engine) == 4


@pytest.mark.timeout(60)
def test_a_worker_process_that_dies_is_a_clear_error_not_a_hang(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    source = _Dying(sandbox_nodes(24, seed=5)[::2])

    with pytest.raises(ParseWorkerError, match="ended unexpectedly"):
        _backfill(engine, shop, source, workers=1, batch_size=4)

    assert multiprocessing.active_children() == []
    assert _order_count(engine) == 4


@pytest.mark.timeout(60)
def test_an_interrupt_while_storing_stops_the_workers_and_propagates(
    shop: ShopSettings, fresh: Callable[[str], Engine]
) -> None:
    engine = fresh("hub")
    source = BulkResultSource(sandbox_nodes(60, seed=9)[::2])
    seen: list[int] = []

    def interrupt_on_second(stored: int) -> None:
        seen.append(stored)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _backfill(
            engine,
            shop,
            source,
            workers=1,
            batch_size=4,
            on_progress=interrupt_on_second,
        )

    assert seen == [4, 8]
    assert _order_count(engine) == 8
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    ("setting", "expected"), [("0", 0), ("3", 3), (" 2 ", 2)], ids=str
)
def test_the_worker_count_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, setting: str, expected: int
) -> None:
    monkeypatch.setenv(WORKERS_ENV, setting)
    assert worker_count() == expected
    assert worker_count(1) == 1


def test_by_default_one_worker_per_cpu_beyond_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert worker_count() == 1
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert worker_count() == 0


@pytest.mark.parametrize("setting", ["two", "-1", "1.5"])
def test_a_worker_count_that_is_not_a_whole_number_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setenv(WORKERS_ENV, setting)
    with pytest.raises(ConfigurationError, match="worker"):
        worker_count()
