"""Property tests: hostile webhook bodies never give a 500; a signed body is kept."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.store.models import InboxEvent, InboxStatus
from tests.sync.http.support import MAX_BODY, Harness

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _stored(harness: Harness, event_id: str) -> InboxEvent | None:
    with Session(harness.engine) as session:
        query = select(InboxEvent).where(InboxEvent.event_id == event_id)
        return session.scalars(query).one_or_none()


def _deliver_signed(
    harness: Harness, body: bytes, topic: str = "orders/create"
) -> None:
    webhook_id = str(uuid.uuid4())
    response = harness.post(body, topic=topic, webhook_id=webhook_id)
    row = _stored(harness, webhook_id)
    if len(body) > MAX_BODY:
        assert response.status_code == 413
        assert row is None
        return
    assert response.status_code == 200, response.text
    assert row is not None and row.body == body
    assert row.status in (InboxStatus.PENDING, InboxStatus.PARKED, InboxStatus.IGNORED)
    assert response.json()["status"] == row.status.replace("pending", "accepted")


@FUZZ
@given(body=st.binary(max_size=2048), topic=st.sampled_from(["orders/paid", "x/y"]))
def test_random_signed_bytes_are_kept_never_500(
    harness: Harness, body: bytes, topic: str
) -> None:
    _deliver_signed(harness, body, topic)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=4000))
def test_truncated_real_payload_is_kept_and_parked(
    harness: Harness, samples: dict[str, bytes], cut: int
) -> None:
    body = samples["orders/create"][:cut]
    _deliver_signed(harness, body)


@FUZZ
@given(data=st.data(), value=json_values)
def test_wrongly_typed_field_of_a_real_payload_is_kept(
    harness: Harness, samples: dict[str, bytes], data: st.DataObject, value: Any
) -> None:
    order = json.loads(samples["orders/updated"])
    field = data.draw(st.sampled_from(sorted(order)))
    order[field] = value
    _deliver_signed(harness, json.dumps(order).encode(), "orders/updated")


@FUZZ
@given(extra=st.integers(min_value=1, max_value=3 * MAX_BODY))
def test_oversized_body_is_413_never_stored(harness: Harness, extra: int) -> None:
    _deliver_signed(harness, b"[" + b"1," * ((MAX_BODY + extra) // 2) + b"1]")


@FUZZ
@given(body=st.binary(max_size=512), header=st.text(max_size=60))
def test_unsigned_or_garbage_signature_is_401_never_stored(
    harness: Harness, body: bytes, header: str
) -> None:
    webhook_id = str(uuid.uuid4())
    printable = "".join(c for c in header if " " <= c <= "~").strip()
    response = harness.post(
        body,
        secret=None,
        webhook_id=webhook_id,
        extra={"X-Shopify-Hmac-Sha256": printable} if printable else None,
    )
    assert response.status_code == 401
    assert _stored(harness, webhook_id) is None
