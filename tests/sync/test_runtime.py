"""The hub end to end: jobs through a real queue (SQLite, Redis, PostgreSQL), worker
threads, retries scheduled in the queue, and the scheduler's leader lease."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.settings import Settings, settings_from_dict
from sync import leases
from sync.inbox import Delivery, store_delivery
from sync.orders_repo import list_orders
from sync.runtime import Hub
from sync.scheduler import LEADER_KEY, LeaderGate, default_jobs
from sync.store.db import make_engine, migrate
from sync.store.models import InboxStatus
from tests.sync.helpers import T0, FakeSource, hub_settings, inbox_rows, webhook


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _all_done(engine: Engine, count: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = inbox_rows(engine)
        return len(rows) == count and all(r.status == InboxStatus.DONE for r in rows)

    return check


def _deliver_and_enqueue(hub: Hub, numbers: range) -> None:
    for number in numbers:
        delivery = webhook(number)
        store_delivery(hub.engine, delivery)
        hub.enqueue(delivery.key or "")


def _run_worker_round(hub: Hub, count: int) -> None:
    _deliver_and_enqueue(hub, range(1, count + 1))
    worker = hub.start_worker(2)
    try:
        _wait_for(_all_done(hub.engine, count))
    finally:
        worker.stop()
    assert len(list_orders(hub.engine, limit=1000)) == count


@pytest.fixture
def hub(settings: Settings, engine: Engine, source: FakeSource) -> Iterator[Hub]:
    hub = Hub(settings, orders=source)
    yield hub
    hub.close()


def test_embedded_worker_processes_enqueued_keys_with_sqlite_queue(hub: Hub) -> None:
    _run_worker_round(hub, 10)


def test_worker_with_redis_queue_processes_enqueued_keys(
    redis_url: str, sqlite_url: str, tmp_path: Path, source: FakeSource
) -> None:
    name = f"o2c-test-{uuid.uuid4().hex[:8]}"
    settings = hub_settings(
        sqlite_url, tmp_path, backend="redis", url=redis_url, name=name
    )
    hub = Hub(settings, orders=source)
    hub.migrate()
    try:
        _run_worker_round(hub, 5)
    finally:
        hub.huey.flush()
        hub.close()


def test_worker_with_postgres_queue_processes_enqueued_keys(
    postgres_url: str, tmp_path: Path, source: FakeSource
) -> None:
    settings = hub_settings(
        postgres_url, tmp_path, backend="postgres", url=postgres_url
    )
    hub = Hub(settings, orders=source)
    hub.migrate()
    try:
        _run_worker_round(hub, 5)
    finally:
        hub.close()


def test_failing_key_schedules_its_retry_in_the_queue(
    hub: Hub, source: FakeSource
) -> None:
    delivery = webhook(1)
    source.fail_times["gid://shopify/Order/1"] = 1
    store_delivery(hub.engine, delivery)

    outcome = hub.process_key(delivery.key or "")

    assert outcome.retried == 1
    [queued] = hub.huey.pending()
    assert queued.args == (delivery.key,)
    assert outcome.next_attempt_at is not None
    # Huey keeps etas as naive UTC.
    eta = queued.eta.replace(tzinfo=UTC)
    assert abs((eta - outcome.next_attempt_at).total_seconds()) < 1


def test_retry_then_success_through_the_worker(hub: Hub, source: FakeSource) -> None:
    source.fail_times["gid://shopify/Order/1"] = 1
    object.__setattr__(hub.policy, "backoff_base", 0.2)
    _deliver_and_enqueue(hub, range(1, 2))
    worker = hub.start_worker(1)
    try:
        _wait_for(_all_done(hub.engine, 1))
    finally:
        worker.stop()
    [row] = inbox_rows(hub.engine)
    assert row.attempts == 2


def test_only_one_scheduler_is_leader_until_it_resigns(engine: Engine) -> None:
    first, second = LeaderGate(engine, seconds=30), LeaderGate(engine, seconds=30)

    assert first.is_leader()
    assert not second.is_leader()
    assert first.is_leader()  # renewal

    first.resign()
    assert second.is_leader()
    assert not first.is_leader()


def test_leadership_passes_on_when_the_leader_stops_renewing(engine: Engine) -> None:
    gone = LeaderGate(engine, seconds=30)
    assert leases.acquire(
        engine, LEADER_KEY, gone.owner, seconds=30, now=T0
    )  # a leader that died long ago
    assert LeaderGate(engine, seconds=30).is_leader()


def test_scheduler_enqueues_on_the_leader_only(store_url: str, tmp_path: Path) -> None:
    migrate(make_engine(store_url))
    # Two schedulers on one store, each enqueueing into a queue of its own.
    hubs = [
        Hub(hub_settings(store_url, tmp_path, name=f"q{i}"), orders=FakeSource())
        for i in range(2)
    ]
    handles = [hub.start_scheduler() for hub in hubs]
    try:
        _wait_for(lambda: sum(len(h.huey.pending()) for h in hubs) >= 3, timeout=10)
    finally:
        for handle in handles:
            handle.stop()
    counts = sorted(len(hub.huey.pending()) for hub in hubs)
    assert counts[0] == 0
    assert counts[1] >= 3
    tasks = [task for hub in hubs for task in hub.huey.pending()]
    assert {task.name for task in tasks} == {"o2c_sweep"}
    assert leases.holder(hubs[0].engine, LEADER_KEY) is None  # resigned on stop
    for hub in hubs:
        hub.close()


def test_hub_policy_follows_the_queue_settings(hub: Hub) -> None:
    assert hub.policy.lease_seconds == hub.settings.queue.lease_seconds
    assert hub.policy.max_attempts == hub.settings.queue.max_attempts


def test_worker_parks_a_malformed_body_and_goes_on_with_the_rest(hub: Hub) -> None:
    broken = webhook(99, body=b'{"id": 99, "line_items": [')
    store_delivery(hub.engine, broken)
    hub.enqueue(broken.key or "")
    _deliver_and_enqueue(hub, range(1, 4))
    worker = hub.start_worker(2)
    try:
        _wait_for(
            lambda: (
                sorted(r.status for r in inbox_rows(hub.engine))
                == ["done", "done", "done", "parked"]
            )
        )
    finally:
        worker.stop()
    parked = inbox_rows(hub.engine)[0]
    assert parked.body == b'{"id": 99, "line_items": ['
    assert parked.last_error
    assert len(list_orders(hub.engine)) == 3


def _stripe_delivery() -> Delivery:
    return Delivery(
        source="stripe",
        account="default",
        topic="payout.paid",
        event_id="evt_1",
        key="stripe:default:payout:po_1",
        body=b'{"id": "evt_1"}',
    )


def test_order_intake_never_touches_another_source_s_rows(hub: Hub) -> None:
    store_delivery(hub.engine, _stripe_delivery())

    outcome = hub.process_key("stripe:default:payout:po_1")

    assert outcome is None  # Stripe is not configured: nothing routes the key
    [row] = inbox_rows(hub.engine)
    assert (row.status, row.attempts) == (InboxStatus.PENDING, 0)


def test_scheduler_jobs_include_stripe_and_bank_only_when_configured(
    sqlite_url: str, tmp_path: Path
) -> None:
    plain = hub_settings(sqlite_url, tmp_path)
    data = plain.model_dump(mode="json", exclude={"base_dir"})
    data["shops"][0].update(access_token="shpat_x", webhook_secret="whsec_x")
    data["stripe"] = {"api_key": "sk_test_x", "webhook_secret": "whsec_y"}
    data["bank"]["statements_dir"] = str(tmp_path / "in")
    full = settings_from_dict(data, base_dir=tmp_path)

    def names(settings: Settings) -> list[str]:
        hub = Hub(settings, orders=FakeSource())
        try:
            return [job.name for job in default_jobs(hub)]
        finally:
            hub.close()

    assert names(plain) == ["poll:acme", "sweep"]
    assert names(full) == ["poll:acme", "sweep", "stripe-catch-up", "bank-scan"]


def test_the_sweep_fires_at_start_and_polls_wait_their_interval(
    store_url: str, tmp_path: Path
) -> None:
    migrate(make_engine(store_url))
    settings = hub_settings(store_url, tmp_path, name="start", sweep_interval=3600)
    hub = Hub(settings, orders=FakeSource())
    handle = hub.start_scheduler()
    try:
        _wait_for(lambda: len(hub.huey.pending()) >= 1, timeout=10)
        time.sleep(0.5)  # nothing more comes before an interval has passed
    finally:
        handle.stop()
    # The sweep (every hour) fired at start; the shop's poll waits its 10 s.
    names = sorted(task.name for task in hub.huey.pending())
    assert names == ["o2c_sweep"]
    hub.close()
