"""REST bodies carry the fields of Shopify's documented webhook samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.sandbox.shopify import SandboxOrder, render_refund, render_rest

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
    assert set(sample["transactions"][0]) - set(body["transactions"][0]) == {
        "total_unsettled_set"
    }


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
