"""Webhook signatures: base64 HMAC-SHA256 of the raw body, any of several secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from connectors.shopify import webhooks
from connectors.shopify.webhooks import sign, verify_hmac

SECRET = "whsec-test-secret"


def test_sign_is_base64_hmac_sha256_of_the_raw_body(fixture_bytes: Any) -> None:
    body = fixture_bytes("docs_sample__orders__create.json")
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    ).decode()
    assert sign(body, SECRET) == expected


@pytest.mark.parametrize(
    "name",
    ["docs_sample__orders__create.json", "docs_sample__refunds__create.json"],
)
def test_verify_accepts_the_signature_of_a_real_payload(
    fixture_bytes: Any, name: str
) -> None:
    body = fixture_bytes(name)
    assert verify_hmac(body, sign(body, SECRET), [SECRET])


def test_verify_refuses_a_body_changed_by_one_byte(fixture_bytes: Any) -> None:
    body = fixture_bytes("docs_sample__orders__paid.json")
    header = sign(body, SECRET)
    tampered = body.replace(b'"404.95"', b'"404.96"', 1)
    assert tampered != body
    assert not verify_hmac(tampered, header, [SECRET])


def test_verify_refuses_a_signature_made_with_another_secret() -> None:
    assert not verify_hmac(b"{}", sign(b"{}", "other"), [SECRET])


def test_verify_accepts_the_previous_secret_during_rotation() -> None:
    body = b'{"id": 1}'
    header = sign(body, "old-secret")
    assert verify_hmac(body, header, ["new-secret", "old-secret"])
    assert not verify_hmac(body, header, ["new-secret"])


@pytest.mark.parametrize("header", [None, "", "not base64 !!", "AAAA", "===="])
def test_verify_refuses_missing_or_malformed_headers(header: str | None) -> None:
    assert not verify_hmac(b"{}", header, [SECRET])


def test_verify_with_no_usable_secret_is_false() -> None:
    body = b"{}"
    assert not verify_hmac(body, sign(body, ""), [])
    assert not verify_hmac(body, sign(body, ""), [""])


def test_header_names_match_shopify() -> None:
    assert webhooks.HMAC_HEADER == "X-Shopify-Hmac-Sha256"
    assert webhooks.TOPIC_HEADER == "X-Shopify-Topic"
    assert webhooks.SHOP_DOMAIN_HEADER == "X-Shopify-Shop-Domain"
    assert webhooks.WEBHOOK_ID_HEADER == "X-Shopify-Webhook-Id"
    assert webhooks.EVENT_ID_HEADER == "X-Shopify-Event-Id"
    assert webhooks.TRIGGERED_AT_HEADER == "X-Shopify-Triggered-At"
    assert webhooks.API_VERSION_HEADER == "X-Shopify-API-Version"
