"""Stripe webhook signatures and event envelopes.

A delivery carries `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where
each v1 is HMAC-SHA256 of `<t>.<raw body>` under one of the endpoint's signing secrets
(several during a secret roll). The body is checked on its raw bytes, in constant time,
and refused when `t` is further than the tolerance from now (a replayed delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from o2c.errors import PayloadError, SignatureError

SIGNATURE_HEADER = "Stripe-Signature"
SCHEME = "v1"


class StripeEvent(BaseModel):
    """The envelope of one Stripe event: which object changed, and when."""

    model_config = ConfigDict(frozen=True)

    id: str  # evt_...
    type: str  # charge.succeeded, payout.paid, ...
    created: datetime
    object_type: str  # charge, payout, dispute, ...
    object_id: str | None  # None for objects without one (balance.available)
    account: str | None = None  # the connected account, for Connect events
    livemode: bool = False
    api_version: str | None = None


def verify_signature(
    payload: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int,
    now: float,
) -> int:
    """Check a delivery's signature; return its timestamp.

    Raises SignatureError when the header is missing or malformed, when no v1
    signature matches, or when the timestamp is outside `tolerance` seconds of `now`.
    """
    timestamp, signatures = _parse_header(header)
    signed = str(timestamp).encode() + b"." + payload
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise SignatureError("no Stripe-Signature v1 matches the signing secret")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"Stripe-Signature timestamp {timestamp} is {abs(now - timestamp):.0f} s "
            f"from now, beyond the tolerance of {tolerance} s (possible replay)"
        )
    return timestamp


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise SignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError(f"{SIGNATURE_HEADER} has no timestamp")
    if not signatures:
        raise SignatureError(f"{SIGNATURE_HEADER} has no {SCHEME} signature")
    return timestamp, signatures


def load_event(payload: bytes) -> dict[str, Any]:
    """Decode an event body (numbers as Decimal, never float).

    Raises PayloadError when the body is not a JSON object.
    """
    try:
        data = json.loads(payload, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"Stripe event body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError("Stripe event body is not a JSON object")
    return data


def parse_event(data: Mapping[str, Any]) -> StripeEvent:
    """Read an event envelope; raises PayloadError when a required part is missing."""
    obj = (data.get("data") or {}).get("object")
    if not isinstance(obj, Mapping):
        raise PayloadError("Stripe event has no data.object", where="data.object")
    created = data.get("created")
    for field, value in (("id", data.get("id")), ("type", data.get("type"))):
        if not isinstance(value, str) or not value:
            raise PayloadError(f"Stripe event has no {field}", where=field)
    if not isinstance(created, int) or isinstance(created, bool):
        raise PayloadError("Stripe event has no created time", where="created")
    object_id = obj.get("id")
    return StripeEvent(
        id=data["id"],
        type=data["type"],
        created=datetime.fromtimestamp(created, tz=UTC),
        object_type=str(obj.get("object") or data["type"].split(".")[0]),
        object_id=object_id if isinstance(object_id, str) and object_id else None,
        account=data.get("account") if isinstance(data.get("account"), str) else None,
        livemode=bool(data.get("livemode")),
        api_version=data.get("api_version") or None,
    )
