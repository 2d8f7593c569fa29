"""Malformed, truncated, oversized and wrongly-typed bodies: every mutation of a real
payload parses into an Order or raises PayloadError, never another exception."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.shopify.parse import (
    loads,
    order_from_graphql,
    order_from_webhook,
    refund_from_webhook,
)
from o2c.errors import PayloadError
from o2c.orders import Order

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"

REST_BODIES = [
    (FIXTURES / "pair__order_b2b_eur_usd.rest.json").read_bytes(),
    loads((FIXTURES / "docs_sample__orders__paid.json").read_bytes())["response"],
]
REFUND_BODY = loads((FIXTURES / "docs_sample__refunds__create.json").read_bytes())[
    "response"
]
GRAPHQL_NODE = loads((FIXTURES / "pair__order_b2b_eur_usd.graphql.json").read_bytes())

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "USD", "gid://shopify/Order/1", "2026-01-01T00:00:00Z"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `body` with one to three fields replaced or deleted."""
    result = copy.deepcopy(body)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(result)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = result
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return result


def _parses_or_refuses(parse: Any, body: Any) -> None:
    try:
        result = parse(body, shop="demo")
    except PayloadError as exc:
        assert str(exc)
    else:
        assert result is not None


@SETTINGS
@given(data=st.data(), which=st.sampled_from(range(len(REST_BODIES))))
def test_mutated_webhook_body_gives_order_or_payload_error(
    data: st.DataObject, which: int
) -> None:
    body = REST_BODIES[which]
    decoded = loads(body) if isinstance(body, bytes) else body
    _parses_or_refuses(order_from_webhook, data.draw(mutated(decoded)))


@SETTINGS
@given(data=st.data())
def test_mutated_graphql_node_gives_order_or_payload_error(data: st.DataObject) -> None:
    _parses_or_refuses(order_from_graphql, data.draw(mutated(GRAPHQL_NODE)))


@SETTINGS
@given(data=st.data())
def test_mutated_refund_body_gives_refund_or_payload_error(data: st.DataObject) -> None:
    _parses_or_refuses(refund_from_webhook, data.draw(mutated(REFUND_BODY)))


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(REST_BODIES[0].rstrip()) - 1))
def test_truncated_raw_body_is_refused(cut: int) -> None:
    with pytest.raises(PayloadError):
        order_from_webhook(REST_BODIES[0][:cut], shop="demo")


@SETTINGS
@given(position=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255))
def test_one_corrupted_byte_gives_order_or_payload_error(
    position: int, byte: int
) -> None:
    raw = bytearray(REST_BODIES[0])
    raw[position % len(raw)] = byte
    _parses_or_refuses(order_from_webhook, bytes(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than the decoder's stack
        b'{"id": ' + b"9" * 5000 + b"}",  # an integer too long to convert
        b'{"total_price": "' + b"9" * 100_000 + b'"}',
    ],
)
def test_oversized_bodies_are_refused(raw: bytes) -> None:
    with pytest.raises(PayloadError):
        order_from_webhook(raw, shop="demo")


def test_oversized_amount_is_refused_with_its_field() -> None:
    body = loads(REST_BODIES[0])
    body["total_price_set"]["shop_money"]["amount"] = "9" * 40
    with pytest.raises(PayloadError) as caught:
        order_from_webhook(body, shop="demo")
    assert caught.value.where == "total_price_set.shop_money.amount"


def test_many_line_items_still_parse() -> None:
    body = loads(REST_BODIES[0])
    line = body["line_items"][1]
    body["line_items"] = [
        {
            **line,
            "id": 10_000 + n,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{n}",
        }
        for n in range(1, 2001)
    ]
    order = order_from_webhook(body, shop="demo")
    assert isinstance(order, Order) and len(order.lines) == 2000
    assert order.lines[-1].unit_price.shop.amount == Decimal("5.00")
