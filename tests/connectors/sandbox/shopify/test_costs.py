"""Query costs and the leaky bucket, computed like Shopify's calculated query cost."""

from __future__ import annotations

import pytest
from graphql import parse

from connectors.sandbox.shopify.costs import LeakyBucket, actual_cost, requested_cost
from connectors.sandbox.shopify.graph import sandbox_schema


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{ order(id: "gid://shopify/Order/1") { id name } }', 1),
        ('{ order(id: "x") { id totalPriceSet { shopMoney { amount } } } }', 3),
        ("{ orders(first: 10) { nodes { id } } }", 12),
        # Shopify's documented shape: 2 + 10 * (1 + (2 + 5 * 1)) = 82.
        (
            "{ orders(first: 10) { edges { node { name "
            "lineItems(first: 5) { edges { node { sku } } } } } } }",
            82,
        ),
        ("{ orders(first: 3) { edges { node { id } } nodes { id } } }", 5),
        (
            'mutation { bulkOperationRunQuery(query: "{}") { userErrors { field } } }',
            10,
        ),
        ('{ order(id: "x") { refunds(first: 4) { id note } } }', 5),
    ],
)
def test_requested_cost_follows_shopify_rules(document: str, expected: int) -> None:
    assert requested_cost(sandbox_schema(), parse(document)) == expected


def test_requested_cost_reads_page_sizes_from_variables() -> None:
    document = parse("query Q($n: Int!) { orders(first: $n) { nodes { id } } }")

    assert requested_cost(sandbox_schema(), document, {"n": 50}) == 52


def test_actual_cost_counts_only_the_nodes_returned() -> None:
    document = parse("{ orders(first: 10) { nodes { id customer { id } } } }")
    data = {
        "orders": {
            "nodes": [
                {"id": "1", "customer": None},
                {"id": "2", "customer": {"id": "c"}},
            ]
        }
    }

    assert requested_cost(sandbox_schema(), document) == 2 + 10 * 2
    assert actual_cost(sandbox_schema(), document, data) == 2 + 2 + 2


def test_order_transactions_cost_one_item_each_requested_and_returned() -> None:
    # A plain list, not a connection: `first` items of 1 + parentTransaction 1 +
    # a money bag 3; no 2 for a connection.
    document = parse(
        '{ order(id: "x") { transactions(first: 31) { id kind '
        "parentTransaction { id } amountSet { shopMoney { amount } "
        "presentmentMoney { amount } } } } }"
    )
    one = {"id": "t", "kind": "SALE", "parentTransaction": None, "amountSet": None}
    data = {"order": {"transactions": [one, one]}}

    assert requested_cost(sandbox_schema(), document) == 1 + 31 * 5
    assert actual_cost(sandbox_schema(), document, data) == 1 + 2 * (1 + 1 + 1)


def test_bucket_refuses_a_cost_beyond_what_is_left_and_refills_over_time() -> None:
    clock = FakeClock()
    bucket = LeakyBucket(maximum=100, restore_rate=10, clock=clock)

    assert bucket.take(80)
    assert not bucket.take(30)
    clock.now = 1.0
    assert bucket.take(30)
    assert bucket.status() == {
        "maximumAvailable": 100,
        "currentlyAvailable": 0.0,
        "restoreRate": 10,
    }


def test_bucket_refund_returns_unused_points_but_never_beyond_the_maximum() -> None:
    clock = FakeClock()
    bucket = LeakyBucket(maximum=100, restore_rate=10, clock=clock)

    bucket.take(60)
    bucket.refund(50)
    assert bucket.status()["currentlyAvailable"] == 90
    bucket.refund(500)
    assert bucket.status()["currentlyAvailable"] == 100
