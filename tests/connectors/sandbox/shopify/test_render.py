"""REST bodies carry the fields of Shopify's documented webhook samples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.sandbox.shopify import (
    SandboxOrder,
    as_of,
    render_refund,
    render_rest,
    render_transaction,
)

SAMPLES = Path(__file__).resolve().parents[5] / "shared/fixtures/shopify/webhooks"


def _sample(name: str) -> dict[str, Any]:
    path = SAMPLES / "docs-samples-2026-04" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (shared fixtures live beside the repository)")
    sample: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["response"]
    return sample


def test_order_body_has_every_field_of_the_orders_create_sample(
    orders: list[SandboxOrder],
) -> None:
    sample = _sample("orders__create.json")
    order = next(o for o in orders if o.shipping_lines and o.customer)
    body = render_rest(order)

    assert set(sample) - set(body) == set()
    assert set(sample["line_items"][0]) - set(body["line_items"][0]) == set()
    assert set(sample["shipping_lines"][0]) - set(body["shipping_lines"][0]) == set()
    assert set(sample["customer"]) - set(body["customer"]) == set()
    assert set(sample["billing_address"]) - set(body["billing_address"]) == set()


def test_refund_body_has_every_field_of_the_refunds_create_sample(
    orders: list[SandboxOrder],
) -> None:
    sample = _sample("refunds__create.json")
    order = next(o for o in orders if o.refunds)
    body = render_refund(order.refunds[0], order)

    assert set(sample) - set(body) == set()
    refund_line = sample["refund_line_items"][0]
    assert set(refund_line) - set(body["refund_line_items"][0]) == set()
    assert set(sample["transactions"][0]) - set(body["transactions"][0]) == set()


def test_transaction_body_has_every_field_of_the_order_transactions_sample(
    orders: list[SandboxOrder],
) -> None:
    sample = _sample("order_transactions__create.json")
    card = next(
        t
        for o in orders
        for t in o.transactions
        if t.gateway in ("shopify_payments", "stripe")
    )
    order = next(o for o in orders if card in o.transactions)
    body = render_transaction(card, order)
    other = next(
        (o, t) for o in orders for t in o.transactions if t.gateway == "paypal"
    )
    plain = render_transaction(other[1], other[0])

    assert set(sample) - set(body) == set()
    assert set(sample["payment_details"]) - set(body["payment_details"]) == set()
    assert set(sample["total_unsettled_set"]["shop_money"]) == set(
        body["total_unsettled_set"]["shop_money"]
    )
    assert body["order_id"] == order.id and body["id"] == card.id
    assert set(sample) - set(plain) == {"payment_details"}


def test_an_authorization_is_unsettled_until_captured_or_voided(
    orders: list[SandboxOrder],
) -> None:
    captured = next(
        o
        for o in orders
        if [t.kind for t in o.transactions][:2]
        == [
            "authorization",
            "capture",
        ]
    )
    voided = next(
        o
        for o in orders
        if [t.kind for t in o.transactions] == ["authorization", "void"]
    )
    authorization, capture = captured.transactions[:2]

    def unsettled(order: SandboxOrder, at_index: int) -> str:
        body = render_transaction(order.transactions[at_index], order)
        amount: str = body["total_unsettled_set"]["presentment_money"]["amount"]
        return amount

    at_checkout = as_of(captured, authorization.created_at)
    first = render_transaction(authorization, at_checkout)
    assert (
        first["total_unsettled_set"]["presentment_money"]["amount"] == first["amount"]
    )
    assert Decimal(unsettled(captured, 0)) == 0
    assert Decimal(unsettled(captured, 1)) == 0
    assert Decimal(unsettled(voided, 0)) == 0
    assert capture.parent_id == authorization.id


def test_amounts_are_strings_and_ids_are_integers_with_matching_gids(
    orders: list[SandboxOrder],
) -> None:
    body = render_rest(orders[0])

    assert isinstance(body["total_price"], str)
    assert isinstance(body["id"], int)
    assert body["admin_graphql_api_id"] == f"gid://shopify/Order/{body['id']}"
    line = body["line_items"][0]
    assert line["admin_graphql_api_id"] == f"gid://shopify/LineItem/{line['id']}"
    assert body["created_at"].endswith("+01:00")
