"""The inbox absorbs duplicate deliveries in the database, whatever the timing."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

from sqlalchemy import Engine, func, select

from sync.inbox import Delivery, json_bytes, order_key, store_delivery
from sync.store.models import InboxEvent, InboxStatus
from tests.sync.helpers import SHOP, inbox_rows, webhook


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count(InboxEvent.id))).scalar_one())


def test_same_webhook_id_five_times_stores_one_row(engine: Engine) -> None:
    delivery = webhook(1001, webhook_id="wh-1")
    results = [store_delivery(engine, delivery) for _ in range(5)]
    assert results == [True, False, False, False, False]
    assert _count(engine) == 1


def test_concurrent_duplicates_are_absorbed_by_the_database(engine: Engine) -> None:
    delivery = webhook(1001, webhook_id="wh-race")
    results: list[bool] = []
    barrier = threading.Barrier(5)

    def deliver() -> None:
        barrier.wait()
        results.append(store_delivery(engine, delivery))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, False, False, False, True]
    assert _count(engine) == 1


def test_same_event_id_of_another_shop_is_a_different_delivery(engine: Engine) -> None:
    first = webhook(1001, webhook_id="wh-1")
    other = Delivery(**{**first.__dict__, "account": "other-shop"})
    assert store_delivery(engine, first)
    assert store_delivery(engine, other)
    assert _count(engine) == 2


def test_stored_delivery_keeps_raw_body_headers_version_and_key(engine: Engine) -> None:
    delivery = webhook(1001, webhook_id="wh-1")
    store_delivery(engine, delivery)
    [row] = inbox_rows(engine)
    assert row.body == delivery.body
    assert row.headers == {"x-shopify-topic": "orders/create"}
    assert row.version == delivery.version
    assert row.key == order_key(SHOP, "gid://shopify/Order/1001")
    assert row.status == InboxStatus.PENDING
    assert row.attempts == 0


def test_delivery_without_key_gets_a_key_of_its_own(engine: Engine) -> None:
    delivery = Delivery(
        source="shopify",
        account=SHOP,
        topic="orders/create",
        event_id="wh-broken",
        key=None,
        body=b"{not json",
        status=InboxStatus.PARKED,
        error="body is not JSON",
    )
    store_delivery(engine, delivery)
    [row] = inbox_rows(engine)
    assert row.key == "shopify:acme:event:wh-broken"
    assert row.status == InboxStatus.PARKED
    assert row.last_error == "body is not JSON"
    assert row.body == b"{not json"


def test_json_bytes_keeps_decimal_digits_as_json_numbers() -> None:
    record = {"rate": Decimal("0.0775"), "big": Decimal("12345678901234567890.01")}
    text = json_bytes(record)
    assert text == b'{"rate":0.0775,"big":12345678901234567890.01}'
    assert json.loads(text, parse_float=Decimal) == record


def test_json_bytes_leaves_strings_that_look_like_the_marker_alone() -> None:
    record = {"note": "dec:1.5", "amount": Decimal("1.50")}
    assert json.loads(json_bytes(record), parse_float=Decimal) == record
