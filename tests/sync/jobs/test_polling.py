"""Polling files updated orders in the inbox and moves the cursor, with an overlap."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from huey import MemoryHuey
from sqlalchemy import Engine

from config.settings import Settings
from o2c.errors import AuthenticationError, RetryableError
from sync.jobs.polling import FIRST_POLL_LOOKBACK, POLL_OVERLAP, read_cursor
from sync.orders_repo import list_orders
from sync.runtime import Hub
from sync.status import hub_status
from sync.store.models import InboxStatus
from tests.sync.helpers import SHOP, T0, Clock, FakeSource, graphql_node, inbox_rows


@pytest.fixture
def hub(settings: Settings, engine: Engine, source: FakeSource) -> Hub:
    hub = Hub(settings, orders=source, clock=Clock(T0 + timedelta(hours=2)))
    yield hub  # type: ignore[misc]
    hub.close()


def _queued_keys(hub: Hub) -> list[str]:
    return sorted(task.args[0] for task in hub.huey.pending())


def test_first_poll_looks_back_a_day_and_files_every_node(
    hub: Hub, source: FakeSource, tmp_path: Path
) -> None:
    source.nodes = [
        graphql_node(n, updated_at=T0 + timedelta(minutes=n)) for n in (1, 2)
    ]

    stored = hub.poll_shop(SHOP)

    assert stored == 2
    assert source.since_asked == [hub.clock() - FIRST_POLL_LOOKBACK]
    rows = inbox_rows(hub.engine)
    assert [row.topic for row in rows] == ["poll/orders", "poll/orders"]
    assert _queued_keys(hub) == sorted(row.key for row in rows)
    assert read_cursor(hub.engine, "shopify", SHOP, "orders") == T0 + timedelta(
        minutes=2
    )


def test_next_poll_starts_at_the_cursor_minus_overlap_and_absorbs_repeats(
    hub: Hub, source: FakeSource
) -> None:
    source.nodes = [graphql_node(1, updated_at=T0)]
    hub.poll_shop(SHOP)

    assert hub.poll_shop(SHOP) == 0

    assert source.since_asked[-1] == T0 - POLL_OVERLAP
    assert len(inbox_rows(hub.engine)) == 1


def test_a_newer_version_of_a_polled_order_is_a_new_record(
    hub: Hub, source: FakeSource
) -> None:
    source.nodes = [graphql_node(1, updated_at=T0)]
    hub.poll_shop(SHOP)
    source.nodes = [graphql_node(1, updated_at=T0 + timedelta(minutes=1))]

    assert hub.poll_shop(SHOP) == 1
    assert len(inbox_rows(hub.engine)) == 2


def test_polled_records_become_stored_orders(hub: Hub, source: FakeSource) -> None:
    source.nodes = [graphql_node(n, updated_at=T0) for n in (1, 2, 3)]
    hub.poll_shop(SHOP)

    for key in _queued_keys(hub):
        hub.process_key(key)

    assert sorted(r.number for r in list_orders(hub.engine)) == ["#1", "#2", "#3"]
    assert {row.status for row in inbox_rows(hub.engine)} == {InboxStatus.DONE}


def test_failed_poll_records_its_error_keeps_the_cursor_and_raises(
    hub: Hub, source: FakeSource
) -> None:
    source.nodes = [graphql_node(1, updated_at=T0)]
    hub.poll_shop(SHOP)
    source.poll_error = RetryableError(
        "throttled", system="shopify", operation="orders", status=429
    )

    with pytest.raises(RetryableError):
        hub.poll_shop(SHOP)

    assert read_cursor(hub.engine, "shopify", SHOP, "orders") == T0
    [poll] = hub_status(hub.engine, hub.settings)["polls"]
    assert poll["shop"] == SHOP
    assert "throttled" in poll["last_error"]
    assert poll["last_success_at"] is not None


def test_polling_an_unknown_shop_is_a_configuration_error(hub: Hub) -> None:
    from o2c.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="nowhere"):
        hub.poll_shop("nowhere")


@pytest.mark.parametrize(
    ("error", "level"),
    [
        (
            RetryableError("connection refused", system="shopify", operation="orders"),
            "WARNING",
        ),
        (
            AuthenticationError(
                "invalid token", system="shopify", operation="orders", status=401
            ),
            "ERROR",
        ),
    ],
)
def test_a_failed_poll_job_logs_one_line_and_leaves_the_next_run_to_try(
    settings: Settings,
    engine: Engine,
    source: FakeSource,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    level: str,
) -> None:
    hub = Hub(
        settings,
        orders=source,
        clock=Clock(T0),
        huey=MemoryHuey("polls", immediate=True),
    )
    source.poll_error = error

    with caplog.at_level(logging.INFO):
        hub.enqueue_poll(SHOP)  # runs now: the queue is immediate
    hub.close()

    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.name == "sync.runtime"
    assert record.levelname == level
    assert record.exc_info is None  # no traceback while the shop is down
    assert record.getMessage() == (
        f"poll_shop {SHOP} failed, the next run tries again: {error}"
    )
    [poll] = hub_status(hub.engine, hub.settings)["polls"]
    assert str(error) in poll["last_error"]
