"""Intake turns inbox rows into stored orders exactly once, whatever arrives when."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from o2c.orders import Order
from o2c.payments import StorefrontTransaction
from sync import leases
from sync.http.deliveries import delivery_from_webhook
from sync.inbox import Delivery, order_key, store_delivery
from sync.intake import IntakePolicy, order_parser, process_key, retry_delay
from sync.orders_repo import get_order, list_orders
from sync.payment_links import transactions_naming
from sync.store.models import InboxStatus, OrderEvent, OrderState
from tests.sync.helpers import (
    SHOP,
    T0,
    Clock,
    FakeSource,
    audit_counts,
    inbox_rows,
    webhook,
)

GID = "gid://shopify/Order/1001"
KEY = order_key(SHOP, GID)
POLICY = IntakePolicy(lease_seconds=30, max_attempts=3, backoff_base=2.0)


def _run(
    engine: Engine,
    source: FakeSource,
    key: str = KEY,
    *,
    owner: str = "w1",
    clock: Clock | None = None,
    policy: IntakePolicy = POLICY,
):  # type: ignore[no-untyped-def]
    return process_key(
        engine,
        key,
        parse=order_parser(source),
        owner=owner,
        policy=policy,
        clock=clock or Clock(T0 + timedelta(hours=1)),
    )


def _stored(engine: Engine) -> Order:
    found = get_order(engine, GID)
    assert found is not None
    return found[1]


def test_duplicate_webhook_five_times_stores_one_order(
    engine: Engine, source: FakeSource
) -> None:
    for _ in range(5):
        store_delivery(engine, webhook(1001, webhook_id="wh-1"))
        _run(engine, source)

    assert len(list_orders(engine)) == 1
    [row] = inbox_rows(engine)
    assert row.status == InboxStatus.DONE
    assert audit_counts(engine) == {row.id: 1}


def test_new_order_is_stored_received_with_its_total(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, webhook(1001, total="12.34"))
    outcome = _run(engine, source)

    assert outcome.done == 1
    [record] = list_orders(engine)
    assert record.state == OrderState.RECEIVED
    assert (record.total_amount, record.currency) == ("12.34", "EUR")
    assert record.number == "#1001"
    assert record.version == T0


def _paid_and_create() -> list:  # type: ignore[type-arg]
    create = webhook(1001, topic="orders/create", updated_at=T0)
    paid = webhook(
        1001,
        topic="orders/paid",
        updated_at=T0 + timedelta(minutes=2),
        financial_status="paid",
    )
    return [create, paid]


@pytest.mark.parametrize("arrival", ["in order", "paid first"])
def test_paid_before_create_converges_to_the_same_order(
    engine: Engine, source: FakeSource, arrival: str
) -> None:
    deliveries = _paid_and_create()
    if arrival == "paid first":
        deliveries.reverse()
    for delivery in deliveries:
        store_delivery(engine, delivery)
        _run(engine, source)

    order = _stored(engine)
    assert order.financial_status == "paid"
    assert order.version == T0 + timedelta(minutes=2)
    assert [r.status for r in inbox_rows(engine)] == [InboxStatus.DONE] * 2


def test_paid_before_create_in_one_batch_converges_too(
    engine: Engine, source: FakeSource
) -> None:
    for delivery in reversed(_paid_and_create()):
        store_delivery(engine, delivery)
    _run(engine, source)
    assert _stored(engine).financial_status == "paid"


def test_older_version_never_overwrites_a_newer_one(
    engine: Engine, source: FakeSource
) -> None:
    newer = webhook(1001, topic="orders/updated", updated_at=T0 + timedelta(hours=1))
    older = webhook(
        1001, topic="orders/updated", updated_at=T0, financial_status="refunded"
    )
    store_delivery(engine, newer)
    _run(engine, source)
    store_delivery(engine, older)
    _run(engine, source)

    order = _stored(engine)
    assert order.version == T0 + timedelta(hours=1)
    assert order.financial_status == "pending"
    with engine.connect() as conn:
        outcomes = conn.execute(
            select(OrderEvent.outcome).order_by(OrderEvent.id)
        ).scalars()
        assert list(outcomes) == ["created", "stale"]


def test_same_version_with_different_bodies_converges_whatever_the_order(
    engine: Engine, store_url: str
) -> None:
    a = webhook(1001, topic="orders/updated", webhook_id="a", financial_status="paid")
    b = webhook(1001, topic="orders/updated", webhook_id="b", financial_status="voided")
    results = []
    for pair in ([a, b], [b, a]):
        with engine.begin() as conn:
            conn.exec_driver_sql("delete from orders")
            conn.exec_driver_sql("delete from inbox_events")
        for delivery in pair:
            store_delivery(engine, delivery)
            _run(engine, FakeSource())
        results.append(_stored(engine))
    assert results[0] == results[1]


def test_malformed_body_is_parked_with_error_and_raw_kept(
    engine: Engine, source: FakeSource
) -> None:
    broken = webhook(1001, webhook_id="wh-bad", body=b'{"id": 1001, "name": ')
    store_delivery(engine, broken)
    store_delivery(engine, webhook(1001, webhook_id="wh-good"))

    outcome = _run(engine, source)

    assert (outcome.parked, outcome.done) == (1, 1)
    bad, good = inbox_rows(engine)
    assert bad.status == InboxStatus.PARKED
    assert bad.body == b'{"id": 1001, "name": '
    assert bad.last_error
    assert good.status == InboxStatus.DONE
    assert _stored(engine).number == "#1001"


def test_body_missing_a_required_field_is_parked_naming_it(
    engine: Engine, source: FakeSource
) -> None:
    body = webhook(1001).body
    data = json.loads(body)
    del data["currency"]
    store_delivery(engine, webhook(1001, body=json.dumps(data).encode()))

    _run(engine, source)

    [row] = inbox_rows(engine)
    assert row.status == InboxStatus.PARKED
    assert "currency" in row.last_error


def test_topic_intake_does_not_act_on_is_kept_and_ignored(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, webhook(1001, topic="orders/delete"))
    outcome = _run(engine, source)
    [row] = inbox_rows(engine)
    assert outcome.ignored == 1
    assert row.status == InboxStatus.IGNORED
    assert "orders/delete" in row.last_error
    assert list_orders(engine) == []


def test_failures_back_off_exponentially_then_end_dead(
    engine: Engine, source: FakeSource
) -> None:
    source.fail_times[GID] = 10
    store_delivery(engine, webhook(1001))
    clock = Clock(T0 + timedelta(hours=1))

    first = _run(engine, source, clock=clock)
    [row] = inbox_rows(engine)
    assert first.retried == 1
    assert (row.status, row.attempts) == (InboxStatus.PENDING, 1)
    assert row.next_attempt_at == clock.now + timedelta(seconds=2)
    assert "simulated failure" in row.last_error
    assert first.next_attempt_at == row.next_attempt_at

    # Not due yet: nothing is tried.
    assert _run(engine, source, clock=clock).retried == 0

    clock.advance(2)
    _run(engine, source, clock=clock)
    [row] = inbox_rows(engine)
    assert row.attempts == 2
    assert row.next_attempt_at == clock.now + timedelta(seconds=4)

    clock.advance(4)
    last = _run(engine, source, clock=clock)
    [row] = inbox_rows(engine)
    assert last.dead == 1
    assert (row.status, row.attempts) == (InboxStatus.DEAD, 3)
    assert row.next_attempt_at is None
    assert list_orders(engine) == []


def test_retry_delay_doubles_up_to_the_cap_and_honours_longer_hints() -> None:
    policy = IntakePolicy(backoff_base=2.0, backoff_cap=60.0)
    assert [retry_delay(n, policy) for n in (1, 2, 3, 6, 7)] == [2, 4, 8, 60, 60]
    assert retry_delay(1, policy, hint=30.0) == 30.0
    assert retry_delay(3, policy, hint=1.0) == 8.0


def test_key_leased_by_a_live_worker_is_left_alone(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, webhook(1001))
    clock = Clock(T0 + timedelta(hours=1))
    # Worker A took the key and died without releasing it.
    assert leases.acquire(engine, KEY, "dead-worker", seconds=30, now=clock.now)

    outcome = _run(engine, source, owner="w2", clock=clock, policy=POLICY)

    assert outcome.busy
    assert inbox_rows(engine)[0].status == InboxStatus.PENDING


def test_lease_expiry_lets_another_worker_take_the_key(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, webhook(1001))
    # Worker A took the key with a lease that has run out, and died.
    leases.acquire(engine, KEY, "dead-worker", seconds=30, now=T0)

    outcome = _run(engine, source, owner="w2", clock=Clock(T0 + timedelta(hours=1)))

    assert not outcome.busy
    assert outcome.done == 1
    assert leases.holder(engine, KEY) is None


def test_two_workers_racing_on_one_key_process_each_row_once(
    engine: Engine, source: FakeSource
) -> None:
    for minute in range(20):
        store_delivery(
            engine,
            webhook(
                1001, topic="orders/updated", updated_at=T0 + timedelta(minutes=minute)
            ),
        )
    # Leases so short they expire between rows: the row lock must still hold.
    policy = IntakePolicy(lease_seconds=0.001, max_attempts=3)
    barrier = threading.Barrier(3)

    def work(owner: str) -> None:
        barrier.wait()
        process_key(engine, KEY, parse=order_parser(source), owner=owner, policy=policy)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    rows = inbox_rows(engine)
    assert {row.status for row in rows} == {InboxStatus.DONE}
    assert audit_counts(engine) == {row.id: 1 for row in rows}
    assert _stored(engine).version == T0 + timedelta(minutes=19)
    with engine.connect() as conn:
        assert conn.execute(select(func.count(OrderEvent.id))).scalar_one() == 20


def test_order_hook_runs_for_new_versions_only(
    engine: Engine, source: FakeSource
) -> None:
    seen: list[tuple[str, object]] = []
    newer = webhook(1001, topic="orders/updated", updated_at=T0 + timedelta(hours=1))
    older = webhook(1001, topic="orders/updated", updated_at=T0)
    for delivery in (newer, older):
        store_delivery(engine, delivery)
        process_key(
            engine,
            KEY,
            parse=order_parser(source),
            owner="w",
            policy=POLICY,
            on_order=lambda conn, order, now: seen.append(
                (order.number, order.version)
            ),
        )
    assert seen == [("#1001", T0 + timedelta(hours=1))]


def test_failing_order_hook_rolls_the_whole_step_back(
    engine: Engine, source: FakeSource
) -> None:
    def refuse(conn: object, order: Order, now: object) -> None:
        raise RuntimeError("the ERP lookup timed out")

    store_delivery(engine, webhook(1001))
    outcome = process_key(
        engine,
        KEY,
        parse=order_parser(source),
        owner="w",
        policy=POLICY,
        on_order=refuse,
    )

    assert outcome.retried == 1
    assert list_orders(engine) == []  # the upsert rolled back with the hook
    assert audit_counts(engine) == {}
    [row] = inbox_rows(engine)
    assert row.status == InboxStatus.PENDING
    assert "ERP lookup timed out" in row.last_error


# -- storefront transactions ------------------------------------------------------


def _transaction_delivery(webhook_id: str = "wh-t1", **changes: object) -> Delivery:
    """An `order_transactions/create` webhook, filed the way the endpoint files it."""
    body = {
        "id": 7001,
        "admin_graphql_api_id": "gid://shopify/OrderTransaction/7001",
        "order_id": 1001,
        "kind": "sale",
        "gateway": "stripe",
        "status": "success",
        "created_at": T0.isoformat(),
        "authorization": "ch_1",
        "payment_id": "pi_1",
        "amount": "10.00",
        "currency": "EUR",
        **changes,
    }
    headers = {
        "X-Shopify-Topic": "order_transactions/create",
        "X-Shopify-Webhook-Id": webhook_id,
    }
    return delivery_from_webhook(SHOP, headers, json.dumps(body).encode())


def _naming(engine: Engine, reference: str) -> list[StorefrontTransaction]:
    with engine.connect() as conn:
        return transactions_naming(conn, [reference])


def test_transaction_webhook_is_filed_under_its_order_and_stored_once(
    engine: Engine, source: FakeSource
) -> None:
    delivery = _transaction_delivery()
    assert (delivery.key, delivery.status) == (KEY, InboxStatus.PENDING)
    for _ in range(3):
        store_delivery(engine, delivery)
        outcome = _run(engine, source)

    assert outcome.done == 0  # the first run did the work
    [row] = inbox_rows(engine)
    assert row.status == InboxStatus.DONE
    [found] = _naming(engine, "pi_1")
    assert (found.source, found.order_external_id) == (SHOP, GID)
    assert found.transaction.authorization == "ch_1"
    assert audit_counts(engine) == {}  # no order version was applied
    assert list_orders(engine) == []


def test_transaction_and_its_order_in_any_order_are_both_stored(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, _transaction_delivery())
    store_delivery(engine, webhook(1001))

    outcome = _run(engine, source)

    assert outcome.done == 2
    assert _stored(engine).external_id == GID
    assert [t.order_external_id for t in _naming(engine, "ch_1")] == [GID]


def test_malformed_transaction_webhook_is_parked_with_the_reason_and_its_body(
    engine: Engine, source: FakeSource
) -> None:
    delivery = _transaction_delivery(kind="teleport")
    store_delivery(engine, delivery)

    outcome = _run(engine, source)

    assert outcome.parked == 1
    [row] = inbox_rows(engine)
    assert row.status == InboxStatus.PARKED
    assert row.last_error == "unknown transaction kind 'teleport' (at kind)"
    assert row.body == delivery.body
    assert _naming(engine, "ch_1") == []


def test_transaction_webhook_naming_no_order_is_parked_on_receipt() -> None:
    delivery = _transaction_delivery(order_id=None)
    assert delivery.status == InboxStatus.PARKED
    assert delivery.error is not None and "order_id" in delivery.error


def test_new_order_version_indexes_the_transactions_it_carries(
    engine: Engine, source: FakeSource
) -> None:
    pair = (
        Path(__file__).parents[1] / "fixtures/shopify/pair__order_b2b_eur_usd.rest.json"
    )
    body = pair.read_bytes()
    gid = json.loads(body)["admin_graphql_api_id"]
    store_delivery(
        engine,
        Delivery(
            source="shopify",
            account=SHOP,
            topic="orders/updated",
            event_id="wh-pair",
            key=order_key(SHOP, gid),
            body=body,
        ),
    )

    _run(engine, source, order_key(SHOP, gid))

    # The refund's transaction names the charge it gave money back on.
    [found] = _naming(engine, "ch_refund_1")
    assert found.order_external_id == gid
    assert found.transaction.external_id == "gid://shopify/OrderTransaction/70002"


def test_a_transaction_before_its_order_is_part_of_the_stored_order(
    engine: Engine, source: FakeSource
) -> None:
    store_delivery(engine, _transaction_delivery())
    _run(engine, source)
    store_delivery(engine, webhook(1001))  # order webhooks carry no transactions

    _run(engine, source)

    [transaction] = _stored(engine).transactions
    assert transaction.external_id == "gid://shopify/OrderTransaction/7001"
    assert transaction.payment_reference == "pi_1"


def test_a_transaction_after_its_order_completes_the_stored_order_and_decides_again(
    engine: Engine, source: FakeSource
) -> None:
    seen: list[int] = []

    def decide(conn: object, order: Order, now: object) -> None:
        seen.append(len(order.transactions))

    for delivery in (webhook(1001), _transaction_delivery()):
        store_delivery(engine, delivery)
        process_key(
            engine,
            KEY,
            parse=order_parser(source),
            owner="w",
            policy=POLICY,
            on_order=decide,
        )
    before = _stored(engine)

    # The same transaction again, and the same order version again: nothing changes.
    for delivery in (_transaction_delivery("wh-t2"), webhook(1001, webhook_id="wh-2")):
        store_delivery(engine, delivery)
        _run(engine, source)

    assert seen == [0, 1]
    assert [t.authorization for t in before.transactions] == ["ch_1"]
    assert _stored(engine) == before
    assert _stored(engine).version == T0


def test_either_arrival_order_stores_the_same_order_content(
    tmp_path: Path, source: FakeSource
) -> None:
    from sync.store.db import make_engine, migrate
    from sync.store.models import OrderRecord

    contents = []
    for first, second in (
        (_transaction_delivery(), webhook(1001)),
        (webhook(1001), _transaction_delivery()),
    ):
        engine = make_engine(f"sqlite:///{tmp_path / f'{len(contents)}.db'}")
        migrate(engine)
        for delivery in (first, second):
            store_delivery(engine, delivery)
            _run(engine, source)
        with engine.connect() as conn:
            contents.append(
                conn.execute(select(OrderRecord.data, OrderRecord.content_hash)).one()
            )
        engine.dispose()
    assert contents[0] == contents[1]
