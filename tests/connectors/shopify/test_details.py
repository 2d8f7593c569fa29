"""Order details read in batches through `nodes(ids:)`, sized by requested cost."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from graphql import parse

from connectors.sandbox.shopify.costs import requested_cost
from connectors.sandbox.shopify.graph import sandbox_schema
from connectors.shopify import queries
from connectors.shopify.client import ShopifyClient
from connectors.shopify.cost import MAX_QUERY_COST, selection_cost
from connectors.shopify.details import (
    FULFILLMENT_KIND,
    PAYMENT_TERMS_KIND,
    REFUND_KIND,
    _batch_document,
    complete_orders,
    plan_batches,
)

ENDPOINT = "https://demo.myshopify.com/admin/api/2026-10/graphql.json"
PAGE_INFO_DONE = {"hasNextPage": False, "endCursor": None}


def _ok(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": data,
        "extensions": {
            "cost": {
                "requestedQueryCost": 500,
                "actualQueryCost": 50,
                "throttleStatus": {
                    "maximumAvailable": 2000,
                    "currentlyAvailable": 1900,
                    "restoreRate": 100,
                },
            }
        },
    }


def _empty(items: int = 0) -> dict[str, Any]:
    return {"nodes": [{"quantity": 1}] * items, "pageInfo": PAGE_INFO_DONE}


def _refund(gid: str, *, more_lines: bool = False) -> dict[str, Any]:
    lines = _empty(1)
    if more_lines:
        lines["pageInfo"] = {"hasNextPage": True, "endCursor": "C1"}
    return {
        "__typename": "Refund",
        "id": gid,
        "refundLineItems": lines,
        "refundShippingLines": _empty(),
        "orderAdjustments": _empty(),
        "transactions": _empty(),
    }


def _sent(mocked: responses.RequestsMock) -> list[dict[str, Any]]:
    return [json.loads(c.request.body) for c in mocked.calls]


@pytest.mark.parametrize(
    "document",
    [
        queries.ORDER_BY_ID,
        queries.ORDER_LINE_ITEMS_PAGE,
    ],
)
def test_selection_cost_agrees_with_the_sandbox_cost_model(document: str) -> None:
    # The selection inside the one root field (`order(id:) { ... }`).
    operation = parse(document).definitions[0]
    inner = operation.selection_set.selections[0].selection_set  # type: ignore[attr-defined]
    selection = document[inner.loc.start + 1 : inner.loc.end - 1]

    expected = requested_cost(sandbox_schema(), parse(document), {"id": "x"})

    assert 1 + selection_cost(selection) == expected


def test_batch_documents_cost_what_the_plan_says() -> None:
    kinds = [FULFILLMENT_KIND, PAYMENT_TERMS_KIND, REFUND_KIND]
    ids = {"fulfillment": ["f"] * 5, "paymentTerms": ["p"] * 2, "refund": ["r"] * 3}

    cost = requested_cost(sandbox_schema(), parse(_batch_document(kinds)), ids)

    assert cost == 5 * FULFILLMENT_KIND.cost + 2 * PAYMENT_TERMS_KIND.cost + 3 * (
        REFUND_KIND.cost
    )


def test_batches_fill_up_to_the_single_query_limit_and_no_further() -> None:
    wanted = [(REFUND_KIND, f"gid://shopify/Refund/{n}") for n in range(20)]
    wanted += [(FULFILLMENT_KIND, f"gid://shopify/Fulfillment/{n}") for n in range(30)]

    batches = plan_batches(wanted)

    per_query = MAX_QUERY_COST // REFUND_KIND.cost
    assert len(batches[0]) == per_query
    for batch in batches:
        cost = sum(kind.cost for kind, _ in batch)
        assert cost <= MAX_QUERY_COST
    assert [gid for batch in batches for _, gid in batch] == [g for _, g in wanted]
    assert len(batches) == -(-sum(k.cost for k, _ in wanted) // MAX_QUERY_COST)


def test_many_orders_details_come_in_cost_sized_queries(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    orders = [
        {
            "id": f"gid://shopify/Order/{n}",
            "refunds": [{"id": f"R{n}"}],
            "fulfillments": [],
        }
        for n in range(10)
    ]
    per_query = MAX_QUERY_COST // REFUND_KIND.cost
    for start in range(0, 10, per_query):
        count = min(per_query, 10 - start)
        answer = [_refund(f"R{n}") for n in range(start, start + count)]
        mocked.post(ENDPOINT, json=_ok({"refund": answer}))

    problems = complete_orders(client, orders)

    assert problems == [None] * 10
    assert len(mocked.calls) == -(-10 // per_query)
    assert [len(s["variables"]["refund"]) for s in _sent(mocked)] == [
        min(per_query, 10 - start) for start in range(0, 10, per_query)
    ]
    assert orders[3]["refunds"][0]["id"] == "R3"


def test_a_connection_beyond_its_first_page_is_paged_in_full(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    order = {"id": "gid://shopify/Order/1", "refunds": [{"id": "R1"}]}
    mocked.post(ENDPOINT, json=_ok({"refund": [_refund("R1", more_lines=True)]}))
    more = {
        "nodes": [{"quantity": 2}, {"quantity": 3}],
        "pageInfo": {"hasNextPage": True, "endCursor": "C2"},
    }
    last = {"nodes": [{"quantity": 4}], "pageInfo": PAGE_INFO_DONE}
    for page in (more, last):
        mocked.post(ENDPOINT, json=_ok({"node": {"refundLineItems": page}}))

    assert complete_orders(client, [order]) == [None]

    lines = order["refunds"][0]["refundLineItems"]
    assert [line["quantity"] for line in lines["nodes"]] == [1, 2, 3, 4]
    assert lines["pageInfo"] == PAGE_INFO_DONE
    sent = _sent(mocked)
    assert [s["variables"] for s in sent[1:]] == [
        {"id": "R1", "after": "C1"},
        {"id": "R1", "after": "C2"},
    ]
    assert f"first: {queries.REFUND_LINES_MAX}, after: $after" in sent[1]["query"]


def test_a_missing_node_fails_only_its_own_order_with_a_clear_error(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    orders = [
        {"id": "gid://shopify/Order/1", "refunds": [{"id": "R1"}]},
        {"id": "gid://shopify/Order/2", "refunds": [{"id": "R2"}]},
    ]
    mocked.post(ENDPOINT, json=_ok({"refund": [None, _refund("R2")]}))

    first, second = complete_orders(client, orders)

    assert first is not None and "R1 did not come back as a Refund" in str(first)
    assert second is None


def test_an_order_with_more_refunds_than_read_is_refused_without_a_query(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    listed = [{"id": f"R{n}"} for n in range(queries.REFUNDS_MAX + 1)]

    (problem,) = complete_orders(client, [{"id": "O", "refunds": listed}])

    assert problem is not None and "more than 50 refunds" in str(problem)
    assert len(mocked.calls) == 0
