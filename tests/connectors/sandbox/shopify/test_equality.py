"""The equality proof: an order parsed from its webhook body equals the same order
parsed from the Admin GraphQL node the sandbox serves for the connector's query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.sandbox.shopify import (
    SandboxOrder,
    SandboxShopify,
    generate_orders,
    render_graphql,
    versions,
    webhook_order,
)
from connectors.sandbox.shopify.costs import MAX_SINGLE_QUERY_COST, requested_cost
from connectors.sandbox.shopify.graph import sandbox_schema
from connectors.shopify import queries
from connectors.shopify.client import ShopifyClient
from connectors.shopify.orders import fetch_order
from connectors.shopify.parse import order_from_graphql

SHOP = "equality.myshopify.com"
TOKEN = "shpat_equality"


def _from_webhook(order: SandboxOrder) -> object:
    # The order webhook plus its transaction webhooks, through bytes as they arrive.
    return webhook_order(order, shop=SHOP)


@pytest.fixture
def client(orders: list[SandboxOrder]) -> Iterator[ShopifyClient]:
    # Shopify Plus limits: 1000 points per query, 1000 points a second back.
    with SandboxShopify(bucket_size=10_000, restore_rate=1000) as sandbox:
        sandbox.add_shop(SHOP, TOKEN, "secret")
        sandbox.add_orders(SHOP, orders)
        yield ShopifyClient(
            domain=SHOP,
            access_token=TOKEN,
            api_version="2026-01",
            base_url=sandbox.shop_url(SHOP),
        )


def test_webhook_and_graphql_parse_to_equal_orders_over_http(
    client: ShopifyClient, orders: list[SandboxOrder]
) -> None:
    for order in orders[:80]:
        node = fetch_order(client, order.gid)

        assert node is not None
        assert order_from_graphql(node, shop=SHOP) == _from_webhook(order), order.name


def test_graphql_orders_carry_their_transactions_with_stripe_ids_over_http(
    client: ShopifyClient, orders: list[SandboxOrder]
) -> None:
    stripe_orders = [
        o for o in orders if {t.gateway for t in o.transactions} & {"stripe"}
    ]
    order = order_from_graphql(fetch_order(client, stripe_orders[0].gid), shop=SHOP)

    collected = [t for t in order.transactions if t.kind in ("sale", "capture")]
    assert collected and collected[0].gateway == "stripe"
    assert (collected[0].payment_reference or "").startswith("pi_")
    assert (collected[0].authorization or "").startswith("ch_")
    assert len(order.transactions) == len(stripe_orders[0].transactions)


def test_every_version_of_every_order_parses_equal_both_ways(
    orders: list[SandboxOrder],
) -> None:
    compared = 0
    for order in orders[:60]:
        for _, version in versions(order):
            node = render_graphql(version)
            assert order_from_graphql(node, shop=SHOP) == _from_webhook(version)
            compared += 1
    assert compared > 180


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    currency=st.sampled_from(["USD", "JPY", "KWD", "GBP"]),
)
def test_equality_holds_for_any_seed_and_shop_currency(
    seed: int, currency: str
) -> None:
    for order in generate_orders(6, seed=seed, shop_domain=SHOP, currency=currency):
        node = render_graphql(order)
        assert order_from_graphql(node, shop=SHOP) == _from_webhook(order)


def _read_documents() -> list[str]:
    """Every query document the connector module defines (names in capitals)."""
    return sorted(
        name
        for name, value in vars(queries).items()
        if name.isupper()
        and isinstance(value, str)
        and value.lstrip().startswith("query")
    )


@pytest.mark.parametrize("name", _read_documents())
def test_connector_queries_fit_the_single_query_cost_limit(name: str) -> None:
    variables = {"id": "gid://shopify/Order/1", "first": 250, "after": None}
    cost = requested_cost(sandbox_schema(), parse(getattr(queries, name)), variables)

    assert cost <= MAX_SINGLE_QUERY_COST
