"""The sweep finds keys with undone work that no live worker holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from config.settings import Settings
from sync import leases
from sync.inbox import order_key, store_delivery
from sync.jobs.sweep import due_keys
from sync.runtime import Hub
from sync.store.models import InboxEvent, InboxStatus
from tests.sync.helpers import SHOP, T0, Clock, FakeSource, webhook

LATER = T0 + timedelta(minutes=10)


def _key(number: int) -> str:
    return order_key(SHOP, f"gid://shopify/Order/{number}")


@pytest.fixture
def stored(engine: Engine) -> Engine:
    """Four orders received at T0: 1 pending, 2 pending but leased, 3 done, 4 dead."""
    for number in (1, 2, 3, 4):
        store_delivery(engine, webhook(number), now=T0)
    with engine.begin() as conn:
        for number, status in ((3, InboxStatus.DONE), (4, InboxStatus.DEAD)):
            conn.execute(
                update(InboxEvent)
                .where(InboxEvent.key == _key(number))
                .values(status=status)
            )
    leases.acquire(engine, _key(2), "busy-worker", seconds=3600, now=LATER)
    return engine


def test_sweep_finds_pending_keys_without_a_live_lease(stored: Engine) -> None:
    keys = due_keys(stored, now=LATER, grace=timedelta(seconds=60))
    assert keys == [_key(1)]


def test_sweep_leaves_fresh_rows_to_their_own_job(stored: Engine) -> None:
    assert due_keys(stored, now=T0 + timedelta(seconds=30), grace=timedelta(60)) == []


def test_sweep_takes_a_key_whose_lease_has_expired(stored: Engine) -> None:
    much_later = LATER + timedelta(hours=2)
    keys = due_keys(stored, now=much_later, grace=timedelta(seconds=60))
    assert keys == [_key(1), _key(2)]


def test_sweep_waits_for_a_retry_to_fall_due(stored: Engine) -> None:
    with stored.begin() as conn:
        conn.execute(
            update(InboxEvent)
            .where(InboxEvent.key == _key(1))
            .values(next_attempt_at=LATER + timedelta(minutes=5))
        )
    assert due_keys(stored, now=LATER, grace=timedelta(seconds=60)) == []


@pytest.fixture
def hub(settings: Settings, stored: Engine, source: FakeSource) -> Iterator[Hub]:
    hub = Hub(settings, orders=source, clock=Clock(LATER))
    yield hub
    hub.close()


def test_hub_sweep_enqueues_the_undone_keys_and_counts_them(hub: Hub) -> None:
    assert hub.sweep() == 1
    assert [task.args for task in hub.huey.pending()] == [(_key(1),)]
