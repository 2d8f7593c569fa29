"""Tests of `POST /webhooks/shopify`: verify, store, answer, over real loopback HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from sync.store.models import InboxStatus
from tests.sync.http.support import (
    DOMAIN,
    MAX_BODY,
    OLD_SECRET,
    ROTATION_ENDS,
    Harness,
    sign,
)

ORDER_TOPICS = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
]


def test_every_public_sample_with_valid_signature_is_stored(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    for topic, body in samples.items():
        response = harness.post(body, topic=topic, webhook_id=f"wh-{topic}")
        assert response.status_code == 200, topic
    rows = {row.topic: row for row in harness.rows()}
    assert set(rows) == set(samples)
    for topic, body in samples.items():
        assert rows[topic].body == body
        assert rows[topic].event_id == f"wh-{topic}"
        assert rows[topic].account == "acme"


def test_order_samples_are_keyed_by_gid_and_queued(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    for topic in ORDER_TOPICS:
        response = harness.post(samples[topic], topic=topic)
        assert response.json()["status"] == "accepted"
    key = "shopify:acme:gid://shopify/Order/820982911946154508"
    # One job per waiting key is enough: the job takes every due row of the key.
    queued = harness.wait_enqueued(1)
    assert set(queued) == {key}
    assert 1 <= len(queued) <= len(ORDER_TOPICS)
    rows = harness.rows()
    assert {row.key for row in rows} == {key}
    assert {row.status for row in rows} == {InboxStatus.PENDING}
    assert rows[0].version is not None


def test_topic_the_hub_does_not_act_on_is_kept_as_ignored(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    response = harness.post(samples["disputes/create"], topic="disputes/create")
    assert response.json()["status"] == "ignored"
    (row,) = harness.rows()
    assert row.status == InboxStatus.IGNORED
    assert row.last_error == "topic 'disputes/create' is not acted on"
    assert harness.wait_enqueued(0) == []


def test_accepted_delivery_is_stored_on_both_backends(
    store_harness: Harness, samples: dict[str, bytes]
) -> None:
    response = store_harness.post(samples["orders/create"], webhook_id="wh-1")
    assert response.status_code == 200
    (row,) = store_harness.rows()
    assert row.body == samples["orders/create"]
    assert row.headers["x-shopify-webhook-id"] == "wh-1"


def test_duplicate_delivery_is_absorbed_and_answered_200(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    statuses = [
        harness.post(samples["orders/paid"], webhook_id="same").json()["status"]
        for _ in range(5)
    ]
    assert statuses == ["accepted"] + ["duplicate"] * 4
    assert len(harness.rows()) == 1
    assert len(harness.wait_enqueued(1)) == 1


@pytest.mark.parametrize(
    ("secret", "tamper"),
    [(None, False), ("wrong-secret", False), ("current-webhook-secret", True)],
    ids=["missing", "wrong-secret", "body-changed-after-signing"],
)
def test_bad_or_missing_signature_is_401_and_nothing_stored(
    harness: Harness, samples: dict[str, bytes], secret: str | None, tamper: bool
) -> None:
    body = samples["orders/create"]
    extra = {}
    if tamper:
        extra = {"X-Shopify-Hmac-Sha256": sign(body + b" ")}
    response = harness.post(body, secret=secret, extra=extra)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid or missing signature"}
    assert harness.rows() == []
    assert harness.enqueued == []


def test_signature_header_that_is_not_base64_is_401(harness: Harness) -> None:
    response = harness.post(
        b"{}", secret=None, extra={"X-Shopify-Hmac-Sha256": "%%% not base64 %%%"}
    )
    assert response.status_code == 401


def test_unknown_shop_is_404_and_nothing_stored(harness: Harness) -> None:
    response = harness.post(b"{}", domain="stranger.myshopify.com")
    assert response.status_code == 404
    assert harness.rows() == []


def test_missing_shop_header_is_400(harness: Harness) -> None:
    response = harness.post(b"{}", domain=None)
    assert response.status_code == 400
    assert "x-shopify-shop-domain" in response.json()["error"]


@pytest.mark.parametrize("ident", ["acme", DOMAIN])
def test_path_form_names_the_shop_by_name_or_domain(
    harness: Harness, samples: dict[str, bytes], ident: str
) -> None:
    response = harness.post(samples["orders/create"], path=f"/webhooks/shopify/{ident}")
    assert response.status_code == 200
    assert len(harness.rows()) == 1


def test_path_form_for_an_unknown_shop_is_404(harness: Harness) -> None:
    response = harness.post(b"{}", path="/webhooks/shopify/nobody")
    assert response.status_code == 404


def test_path_form_disagreeing_with_the_header_is_400(harness: Harness) -> None:
    response = harness.post(
        b"{}", path="/webhooks/shopify/acme", domain="other.myshopify.com"
    )
    assert response.status_code == 400
    assert harness.rows() == []


def test_oversized_body_is_413_and_nothing_stored(harness: Harness) -> None:
    body = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
    response = harness.post(body)
    assert response.status_code == 413
    assert harness.rows() == []


def test_oversized_chunked_body_without_length_is_413(harness: Harness) -> None:
    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(20):
            yield b"y" * 8192

    response = harness.client.post(
        f"{harness.url}/webhooks/shopify",
        content=chunks(),
        headers={"X-Shopify-Shop-Domain": DOMAIN, "X-Shopify-Hmac-Sha256": "x"},
    )
    assert response.status_code == 413


def test_body_at_the_limit_is_accepted(harness: Harness) -> None:
    prefix, suffix = b'{"id": 5, "pad": "', b'"}'
    body = prefix + b"x" * (MAX_BODY - len(prefix) - len(suffix)) + suffix
    assert len(body) == MAX_BODY
    assert harness.post(body).status_code == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"id": 1, "line_items": [', "orders/create: body is not valid JSON"),
        (b"\xff\xfe not utf-8", "orders/create: body is not valid JSON"),
        (b"[1, 2, 3]", "orders/create: body is a JSON list, not an object"),
        (b'{"name": "#1001"}', "orders/create: missing or not a positive integer id"),
        (
            b'{"admin_graphql_api_id": "gid://shopify/Product/1"}',
            "orders/create: not an order GID (at admin_graphql_api_id)",
        ),
    ],
    ids=["truncated", "not-utf8", "array", "no-id", "wrong-gid"],
)
def test_signed_unparseable_body_is_stored_parked_and_answered_200(
    harness: Harness, body: bytes, error: str
) -> None:
    response = harness.post(body)
    assert response.status_code == 200
    assert response.json()["status"] == "parked"
    (row,) = harness.rows()
    assert row.status == InboxStatus.PARKED
    assert row.body == body
    assert row.last_error is not None and row.last_error.startswith(error)
    assert harness.wait_enqueued(0) == []


def test_big_numeric_id_is_kept_exact_in_the_key(harness: Harness) -> None:
    body = json.dumps({"id": 2**60 + 1, "updated_at": "2026-01-02T03:04:05Z"})
    assert harness.post(body.encode()).status_code == 200
    (row,) = harness.rows()
    assert row.key == f"shopify:acme:gid://shopify/Order/{2**60 + 1}"


def test_previous_secret_is_accepted_before_the_rotation_deadline(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    harness.clock[0] = ROTATION_ENDS - timedelta(seconds=1)
    response = harness.post(samples["orders/create"], secret=OLD_SECRET)
    assert response.status_code == 200
    assert len(harness.rows()) == 1


def test_previous_secret_is_refused_from_the_rotation_deadline(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    harness.clock[0] = ROTATION_ENDS
    assert harness.post(samples["orders/create"], secret=OLD_SECRET).status_code == 401
    assert harness.post(samples["orders/create"]).status_code == 200
    assert len(harness.rows()) == 1


def test_event_id_header_is_the_fallback_duplicate_key(harness: Harness) -> None:
    body = b'{"id": 7}'
    for _ in range(2):
        response = harness.post(
            body, webhook_id="", extra={"X-Shopify-Event-Id": "event-7"}
        )
        assert response.status_code == 200
    (row,) = harness.rows()
    assert row.event_id == "event-7"


def test_enqueue_failure_still_answers_200_and_keeps_the_row(
    harness: Harness, samples: dict[str, bytes]
) -> None:
    failures = _enqueue_failures()
    harness.queue_down = True
    response = harness.post(samples["orders/create"])
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    (row,) = harness.rows()
    assert row.status == InboxStatus.PENDING
    deadline = time.monotonic() + 5
    while _enqueue_failures() == failures and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _enqueue_failures() == failures + 1


def _enqueue_failures() -> float:
    value = REGISTRY.get_sample_value(
        "o2c_enqueue_failures_total", {"source": "shopify"}
    )
    return value or 0.0
