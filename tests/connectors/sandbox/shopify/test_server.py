"""The sandbox Admin API on loopback: auth, paging, search, cost, throttle, faults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests

from connectors.sandbox.shopify import SandboxOrder, SandboxShopify
from connectors.shopify.client import ShopifyClient
from connectors.shopify.orders import list_updated_since
from connectors.shopify.queries import ORDERS_UPDATED

SHOP = "sandbox-test.myshopify.com"  # the shop the `sandbox` fixture serves
TOKEN = "shpat_sandbox_test_token"

PAGE = """query Page($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { cursor node { id updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _post(
    server: SandboxShopify,
    query: str,
    variables: dict[str, Any] | None = None,
    **kw: Any,
) -> requests.Response:
    headers = {"X-Shopify-Access-Token": kw.pop("token", TOKEN)}
    return requests.post(
        server.graphql_url(SHOP),
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10,
    )


def test_missing_or_wrong_access_token_is_answered_401(sandbox: SandboxShopify) -> None:
    wrong = _post(sandbox, "{ orders(first: 1) { nodes { id } } }", token="nope")
    missing = requests.post(sandbox.graphql_url(SHOP), json={"query": "{}"}, timeout=10)

    assert wrong.status_code == 401
    assert missing.status_code == 401
    assert "Invalid API key or access token" in wrong.json()["errors"]


def test_orders_page_by_updated_at_without_gaps_or_repeats(
    sandbox: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    seen: list[tuple[str, str]] = []
    variables: dict[str, Any] = {"first": 37, "after": None}
    while True:
        body = _post(sandbox, PAGE, variables).json()
        page = body["data"]["orders"]
        seen += [(e["node"]["updatedAt"], e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        variables["after"] = page["pageInfo"]["endCursor"]

    assert len(seen) == len(orders) == len(set(seen))
    assert [stamp for stamp, _ in seen] == sorted(stamp for stamp, _ in seen)


def test_updated_at_search_returns_only_orders_updated_since(
    sandbox: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    since = sorted(o.updated_at for o in orders)[200]
    client = ShopifyClient(
        domain=SHOP,
        access_token=TOKEN,
        api_version="2026-01",
        base_url=sandbox.shop_url(SHOP),
    )

    listed = list(list_updated_since(client, since, page_size=25, overlap=timedelta(0)))

    expected = {o.gid for o in orders if o.updated_at >= since}
    assert {gid for gid, _ in listed} == expected
    sent = sandbox.requests(SHOP)
    assert all(r["query"] == ORDERS_UPDATED for r in sent)
    assert sent[0]["variables"]["query"].startswith("updated_at:>=")


def test_response_carries_cost_and_throttle_status(sandbox: SandboxShopify) -> None:
    response = _post(sandbox, "{ orders(first: 5) { nodes { id } } }")
    cost = response.json()["extensions"]["cost"]

    assert response.headers["X-Request-Id"]
    assert cost["requestedQueryCost"] == 7
    assert cost["actualQueryCost"] == 7
    assert cost["throttleStatus"]["maximumAvailable"] == 2000
    assert cost["throttleStatus"]["restoreRate"] == 100


def test_unused_requested_cost_is_refunded(sandbox: SandboxShopify) -> None:
    query = '{ orders(first: 100, query: "id:1") { nodes { id } } }'
    cost = _post(sandbox, query).json()["extensions"]["cost"]

    assert cost["requestedQueryCost"] == 102
    assert cost["actualQueryCost"] == 2
    assert cost["throttleStatus"]["currentlyAvailable"] >= 1997


def test_empty_bucket_answers_throttled_with_http_200_until_it_refills(
    orders: list[SandboxOrder],
) -> None:
    clock = FakeClock()
    with SandboxShopify(bucket_size=100, restore_rate=10, clock=clock) as server:
        server.add_shop(SHOP, TOKEN, "s")
        server.add_orders(SHOP, orders)
        query = "{ orders(first: 40) { nodes { id } } }"
        first, second = _post(server, query), _post(server, query)
        throttled = _post(server, query)
        clock.now = 5.0
        recovered = _post(server, query)

    assert (
        first.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 58
    )
    assert "data" in second.json()
    assert throttled.status_code == 200
    body = throttled.json()
    assert body["errors"][0]["message"] == "Throttled"
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert "data" not in body
    assert len(recovered.json()["data"]["orders"]["nodes"]) == 40


def test_query_dearer_than_the_single_query_limit_is_refused(
    sandbox: SandboxShopify,
) -> None:
    query = (
        "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }"
    )
    body = _post(sandbox, query).json()

    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert body["errors"][0]["extensions"]["cost"] > 1000


def test_connection_without_first_or_last_is_an_error(sandbox: SandboxShopify) -> None:
    body = _post(sandbox, "{ orders { nodes { id } } }").json()

    assert "first or last" in body["errors"][0]["message"]


def test_invalid_document_is_answered_with_graphql_errors(
    sandbox: SandboxShopify,
) -> None:
    body = _post(sandbox, "{ orders(first: 1) { nodes { nope } } }").json()

    assert "nope" in body["errors"][0]["message"]
    assert "data" not in body


def test_injected_faults_answer_the_next_calls_then_recover(
    sandbox: SandboxShopify,
) -> None:
    sandbox.fail_next(SHOP, 2, status=503, retry_after=1.5)
    query = "{ orders(first: 1) { nodes { id } } }"

    failed = [_post(sandbox, query) for _ in range(2)]
    ok = _post(sandbox, query)

    assert [r.status_code for r in failed] == [503, 503]
    assert failed[0].headers["Retry-After"] == "1.5"
    assert ok.status_code == 200 and ok.json()["data"]["orders"]["nodes"]


def test_order_by_id_and_unknown_id(
    sandbox: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    query = "query O($id: ID!) { order(id: $id) { id name } }"

    found = _post(sandbox, query, {"id": orders[7].gid}).json()
    missing = _post(sandbox, query, {"id": "gid://shopify/Order/1"}).json()

    assert found["data"]["order"] == {"id": orders[7].gid, "name": orders[7].name}
    assert missing["data"]["order"] is None
    assert missing["extensions"]["cost"]["actualQueryCost"] == 1


def test_node_reaches_parts_of_an_order_by_their_gid(
    sandbox: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    order = next(o for o in orders if o.refunds and o.fulfillments)
    query = """query N($id: ID!) { node(id: $id) { __typename id
        ... on Refund { note } ... on Fulfillment { status } } }"""
    refund_gid = f"gid://shopify/Refund/{order.refunds[0].id}"
    fulfillment_gid = f"gid://shopify/Fulfillment/{order.fulfillments[0].id}"

    refund = _post(sandbox, query, {"id": refund_gid}).json()["data"]["node"]
    fulfillment = _post(sandbox, query, {"id": fulfillment_gid}).json()["data"]["node"]
    missing = _post(sandbox, query, {"id": "gid://shopify/Refund/1"}).json()["data"]

    assert refund["__typename"] == "Refund" and refund["id"] == refund_gid
    assert fulfillment == {
        "__typename": "Fulfillment",
        "id": fulfillment_gid,
        "status": "SUCCESS",
    }
    assert missing["node"] is None
