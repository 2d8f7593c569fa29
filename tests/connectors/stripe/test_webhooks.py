"""Stripe webhook signatures: raw bytes, constant time, several v1, a time tolerance."""

from __future__ import annotations

import pytest

from connectors.sandbox.stripe.webhooks import stripe_signature
from connectors.stripe.webhooks import load_event, parse_event, verify_signature
from o2c.errors import PayloadError, SignatureError

SECRET = "whsec_test_hub"
BODY = (
    b'{"id": "evt_1", "type": "payout.paid", "created": 1700000000, '
    b'"data": {"object": {"id": "po_1", "object": "payout"}}}'
)
NOW = 1_700_000_100


def test_good_signature_returns_its_timestamp() -> None:
    header = stripe_signature(BODY, [SECRET], timestamp=NOW - 10)
    assert verify_signature(BODY, header, SECRET, tolerance=300, now=NOW) == NOW - 10


def test_one_matching_v1_among_several_is_enough() -> None:
    header = stripe_signature(BODY, ["whsec_old", SECRET], timestamp=NOW)
    assert verify_signature(BODY, header, SECRET, tolerance=300, now=NOW) == NOW


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "no Stripe-Signature header"),
        ("", "no Stripe-Signature header"),
        ("v1=abc", "has no timestamp"),
        (f"t={NOW}", "has no v1 signature"),
        (f"t={NOW},v0=abc", "has no v1 signature"),
        (f"t={NOW},v1=00ff", "no Stripe-Signature v1 matches"),
    ],
)
def test_malformed_or_wrong_headers_are_refused(
    header: str | None, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(BODY, header, SECRET, tolerance=300, now=NOW)


def test_body_changed_by_one_byte_is_refused() -> None:
    header = stripe_signature(BODY, [SECRET], timestamp=NOW)
    with pytest.raises(SignatureError, match="no Stripe-Signature v1 matches"):
        verify_signature(BODY + b" ", header, SECRET, tolerance=300, now=NOW)


def test_other_secret_is_refused() -> None:
    header = stripe_signature(BODY, ["whsec_other"], timestamp=NOW)
    with pytest.raises(SignatureError):
        verify_signature(BODY, header, SECRET, tolerance=300, now=NOW)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_timestamp_outside_the_tolerance_is_a_replay(age: int) -> None:
    header = stripe_signature(BODY, [SECRET], timestamp=NOW - age)
    with pytest.raises(SignatureError, match="beyond the tolerance of 300 s"):
        verify_signature(BODY, header, SECRET, tolerance=300, now=NOW)


def test_event_envelope_names_the_object() -> None:
    event = parse_event(load_event(BODY))
    assert (event.id, event.type, event.object_type, event.object_id) == (
        "evt_1",
        "payout.paid",
        "payout",
        "po_1",
    )


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"id": "evt_1", "type": "x", "created": 1}']
)
def test_body_that_is_not_an_event_is_a_payload_error(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_event(load_event(body))
