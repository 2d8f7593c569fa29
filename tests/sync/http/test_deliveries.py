"""Tests of how a verified webhook becomes an inbox delivery (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync.http.deliveries import delivery_from_webhook, event_id
from sync.store.models import InboxStatus

GID = "gid://shopify/Order/820982911946154508"


def test_order_body_gives_key_version_and_kept_headers() -> None:
    body = (
        b'{"id": 820982911946154508, "admin_graphql_api_id": "' + GID.encode() + b'",'
        b' "updated_at": "2026-01-02T03:04:05-05:00"}'
    )
    headers = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Webhook-Id": "wh-1",
        "Content-Type": "application/json",
    }
    delivery = delivery_from_webhook("acme", headers, body)
    assert delivery.key == f"shopify:acme:{GID}"
    assert delivery.version == datetime(2026, 1, 2, 8, 4, 5, tzinfo=UTC)
    assert delivery.status == InboxStatus.PENDING
    assert delivery.event_id == "wh-1"
    assert delivery.headers == {
        "x-shopify-topic": "orders/updated",
        "x-shopify-webhook-id": "wh-1",
    }
    assert delivery.body == body


def test_gid_is_built_from_the_exact_numeric_id() -> None:
    body = b'{"id": 820982911946154508}'
    delivery = delivery_from_webhook("acme", {"x-shopify-topic": "orders/paid"}, body)
    assert delivery.key == f"shopify:acme:{GID}"


def test_missing_topic_is_kept_as_unknown_and_ignored() -> None:
    delivery = delivery_from_webhook("acme", {}, b"{}")
    assert delivery.topic == "unknown"
    assert delivery.status == InboxStatus.IGNORED


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-shopify-webhook-id": "w", "x-shopify-event-id": "e"}, "w"),
        ({"x-shopify-event-id": "e"}, "e"),
        ({"x-shopify-webhook-id": "  "}, "sha256:"),
    ],
)
def test_event_id_prefers_webhook_id_then_event_id_then_digest(
    headers: dict[str, str], expected: str
) -> None:
    assert event_id(headers, "orders/paid", b"{}").startswith(expected)


def test_digest_event_id_differs_by_topic_and_body() -> None:
    first = event_id({}, "orders/paid", b"{}")
    assert first == event_id({}, "orders/paid", b"{}")
    assert first != event_id({}, "orders/create", b"{}")
    assert first != event_id({}, "orders/paid", b"{ }")


def test_id_past_64_bits_is_read_by_the_exact_decoder() -> None:
    # orjson reads integers past 64 bits as floats; the project's decoder keeps
    # them exact.
    body = b'{"id": 1180591620717411303425, "price": 1.10}'
    delivery = delivery_from_webhook("acme", {"x-shopify-topic": "orders/paid"}, body)
    assert delivery.status == InboxStatus.PENDING
    assert delivery.key == "shopify:acme:gid://shopify/Order/1180591620717411303425"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"id": NaN}', "JSON constant NaN is not allowed"),
        (b'{"id": 1, "note": "\\ud800"', "body is not valid JSON"),
        (b'{"id": 1}  x', "body is not valid JSON"),
        (b'{"id": 1.5e300}', "missing or not a positive integer id"),
    ],
    ids=["nan", "truncated-after-surrogate", "trailing-text", "float-id"],
)
def test_body_both_decoders_refuse_is_parked(body: bytes, error: str) -> None:
    delivery = delivery_from_webhook("acme", {"x-shopify-topic": "orders/paid"}, body)
    assert delivery.status == InboxStatus.PARKED
    assert delivery.error is not None and error in delivery.error


def test_lone_surrogate_refused_by_orjson_is_read_by_the_exact_decoder() -> None:
    body = b'{"id": 3, "note": "\\ud800"}'
    delivery = delivery_from_webhook("acme", {"x-shopify-topic": "orders/paid"}, body)
    assert delivery.status == InboxStatus.PENDING
    assert delivery.key == "shopify:acme:gid://shopify/Order/3"
