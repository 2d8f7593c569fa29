"""Shopify webhook signatures and header names.

Shopify signs the raw request body with the app's secret: the `X-Shopify-Hmac-Sha256`
header is the base64 HMAC-SHA256 digest. Verification runs on the bytes as received,
before any decoding, and accepts any of several secrets so a secret can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_DOMAIN_HEADER = "X-Shopify-Shop-Domain"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"
API_VERSION_HEADER = "X-Shopify-API-Version"


def sign(body: bytes, secret: str) -> str:
    """Return the `X-Shopify-Hmac-Sha256` value Shopify would send for this body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_hmac(body: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """Return True when `header` is the body's signature under any of `secrets`.

    A missing or malformed header, or no secret at all, gives False. Comparison is
    constant-time on the decoded digests; empty secrets are ignored.
    """
    if not header:
        return False
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    matched = False
    for secret in secrets:
        if not secret:
            continue
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
        # Every secret is tried so the time taken does not say which one matched.
        matched |= hmac.compare_digest(expected, given)
    return matched
