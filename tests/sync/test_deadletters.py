"""Dead and parked rows are listed with their error and sent back on request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from sync.deadletters import list_dead_letters, retry, retry_all
from sync.inbox import store_delivery
from sync.intake import IntakePolicy, order_parser, process_key
from sync.orders_repo import list_orders
from sync.store.models import InboxStatus
from tests.sync.helpers import T0, Clock, FakeSource, inbox_rows, webhook

POLICY = IntakePolicy(max_attempts=2, backoff_base=1.0)


def _process(engine: Engine, source: FakeSource, key: str, clock: Clock) -> None:
    process_key(
        engine, key, parse=order_parser(source), owner="w", policy=POLICY, clock=clock
    )


def _kill(engine: Engine, source: FakeSource, number: int, clock: Clock) -> str:
    """Store an order whose processing fails until it is dead; return its key."""
    delivery = webhook(number)
    source.fail_times[f"gid://shopify/Order/{number}"] = POLICY.max_attempts
    store_delivery(engine, delivery)
    for _ in range(POLICY.max_attempts):
        _process(engine, source, delivery.key or "", clock)
        clock.advance(60)
    return delivery.key or ""


def test_dead_row_is_listed_with_its_error(engine: Engine, source: FakeSource) -> None:
    _kill(engine, source, 1, Clock(T0))

    [letter] = list_dead_letters(engine)

    assert letter.status == InboxStatus.DEAD
    assert letter.attempts == POLICY.max_attempts
    assert "simulated failure" in (letter.last_error or "")
    assert letter.as_dict()["received_at"]


def test_retry_from_dead_letters_then_processing_succeeds(
    engine: Engine, source: FakeSource
) -> None:
    clock = Clock(T0)
    key = _kill(engine, source, 1, clock)
    [letter] = list_dead_letters(engine)

    assert retry(engine, letter.id)
    [row] = inbox_rows(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        InboxStatus.PENDING,
        0,
        None,
    )

    _process(engine, source, key, clock)
    assert inbox_rows(engine)[0].status == InboxStatus.DONE
    assert len(list_orders(engine)) == 1
    assert list_dead_letters(engine) == []


def test_retry_of_a_row_that_is_not_dead_does_nothing(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, webhook(1))
    [row] = inbox_rows(engine)
    assert not retry(engine, row.id)
    assert not retry(engine, 999_999)


def test_retry_all_sends_back_dead_and_parked_rows(
    engine: Engine, source: FakeSource
) -> None:
    clock = Clock(T0)
    _kill(engine, source, 1, clock)
    store_delivery(engine, webhook(2, body=b"not json"))
    _process(engine, source, webhook(2).key or "", clock)
    assert {letter.status for letter in list_dead_letters(engine)} == {
        InboxStatus.DEAD,
        InboxStatus.PARKED,
    }

    assert retry_all(engine) == 2

    assert {row.status for row in inbox_rows(engine)} == {InboxStatus.PENDING}
    assert clock.now > T0 + timedelta(seconds=1)
