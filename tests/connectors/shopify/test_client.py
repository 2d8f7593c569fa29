"""The GraphQL client against a fake transport (`responses`): requests sent, cost
pacing, retries and the errors each failure becomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from config.settings import settings_from_dict
from connectors.shopify.client import ShopifyClient
from connectors.shopify.orders import (
    fetch_order,
    list_updated_since,
    orders_updated_since,
)
from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    PermanentError,
    RejectedError,
    RetryableError,
)

ENDPOINT = "https://demo.myshopify.com/admin/api/2026-10/graphql.json"
QUERY = "query Shop { shop { name } }"


def _cost(requested: int, available: int, restore: int = 50) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested // 2,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": available,
                "restoreRate": restore,
            },
        }
    }


def _ok(
    data: dict[str, Any], extensions: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"data": data, "extensions": extensions or _cost(10, 990)}


def _sent(mocked: responses.RequestsMock, index: int = -1) -> dict[str, Any]:
    return json.loads(mocked.calls[index].request.body)  # type: ignore[no-any-return]


def test_execute_posts_the_document_with_token_and_returns_data(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, json=_ok({"shop": {"name": "Demo"}}))

    data = client.execute(QUERY, {"a": 1}, operation="shop")

    assert data == {"shop": {"name": "Demo"}}
    request = mocked.calls[0].request
    assert request.headers["X-Shopify-Access-Token"] == "shpat_test_token"
    assert _sent(mocked) == {"query": QUERY, "variables": {"a": 1}}
    assert client.calls == 1


def test_client_repr_never_shows_the_token(client: ShopifyClient) -> None:
    assert "shpat" not in repr(client)


def test_from_settings_uses_the_pinned_version_and_base_url(tmp_path: Path) -> None:
    settings = settings_from_dict(
        {
            "environment": "sandbox",
            "shops": [
                {
                    "name": "demo",
                    "domain": "demo.myshopify.com",
                    "api_version": "2026-01",
                    "access_token": "shpat_x",
                    "webhook_secret": "s",
                    "api_base_url": "http://127.0.0.1:8123/",
                }
            ],
        },
        base_dir=tmp_path,
    )
    client = ShopifyClient.from_settings(settings.shop("demo"))
    assert client.endpoint == "http://127.0.0.1:8123/admin/api/2026-01/graphql.json"


def test_pacing_waits_until_the_operations_cost_fits_the_bucket(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    mocked.post(ENDPOINT, json=_ok({"shop": {}}, _cost(requested=200, available=50)))

    client.execute(QUERY, operation="shop")
    assert clock.sleeps == []  # nothing known before the first answer

    client.execute(QUERY, operation="shop")
    assert clock.sleeps == [pytest.approx(3.0)]  # (200 - 50) / 50 per second


def test_pacing_counts_the_refill_since_the_last_answer(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    mocked.post(ENDPOINT, json=_ok({"shop": {}}, _cost(requested=200, available=50)))

    client.execute(QUERY, operation="shop")
    clock.now += 2.0  # 100 points back
    client.execute(QUERY, operation="shop")
    client.execute(QUERY, operation="other")  # cost unknown: no wait

    assert clock.sleeps == [pytest.approx(1.0)]


def test_a_cost_given_by_the_caller_paces_instead_of_the_last_one_seen(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    # Batched reads change cost from batch to batch: a small batch, then a large one.
    mocked.post(ENDPOINT, json=_ok({"shop": {}}, _cost(requested=100, available=250)))

    client.execute(QUERY, operation="batch", cost=100)
    client.execute(QUERY, operation="batch", cost=400)
    client.execute(QUERY, operation="batch", cost=200)

    assert clock.sleeps == [pytest.approx(3.0)]  # (400 - 250) / 50; 200 fits


def test_throttled_answer_is_retried_after_the_bucket_refills(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": _cost(requested=100, available=20),
    }
    mocked.post(ENDPOINT, json=throttled)
    mocked.post(ENDPOINT, json=_ok({"shop": {"name": "Demo"}}))

    assert client.execute(QUERY, operation="shop") == {"shop": {"name": "Demo"}}
    assert clock.sleeps == [pytest.approx(1.6)]  # (100 - 20) / 50
    assert client.calls == 2


def test_server_errors_are_retried_with_exponential_backoff(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    mocked.post(ENDPOINT, status=502)
    mocked.post(ENDPOINT, status=503)
    mocked.post(ENDPOINT, json=_ok({"shop": {}}))

    client.execute(QUERY, operation="shop")

    assert clock.sleeps == [1.0, 2.0]


def test_429_waits_for_retry_after_first(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    mocked.post(ENDPOINT, status=429, headers={"Retry-After": "4"})
    mocked.post(ENDPOINT, json=_ok({"shop": {}}))

    client.execute(QUERY, operation="shop")

    assert clock.sleeps == [4.0]


def test_retries_give_up_with_retryable_error_carrying_the_request_id(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, status=503, headers={"X-Request-Id": "req-503"})

    with pytest.raises(RetryableError) as caught:
        client.execute(QUERY, operation="shop", external_id="gid://shopify/Order/1")

    error = caught.value
    assert (error.system, error.operation, error.status) == ("shopify", "shop", 503)
    assert error.request_id == "req-503"
    assert error.external_id == "gid://shopify/Order/1"
    assert client.calls == 4  # one try and three retries


def test_network_errors_are_retried(
    client: ShopifyClient, mocked: responses.RequestsMock, clock: Any
) -> None:
    mocked.post(ENDPOINT, body=requests.ConnectionError("refused"))
    mocked.post(ENDPOINT, json=_ok({"shop": {}}))

    client.execute(QUERY, operation="shop")

    assert clock.sleeps == [1.0]


def test_a_mutation_that_times_out_is_ambiguous_and_not_retried(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=requests.ReadTimeout("slow"))

    with pytest.raises(AmbiguousWriteError):
        client.execute("mutation M { x }", operation="write")
    assert client.calls == 1


def test_a_mutation_that_cannot_connect_is_retried(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body=requests.ConnectTimeout("no route"))
    mocked.post(ENDPOINT, json=_ok({"x": {"userErrors": []}}))

    assert client.execute("mutation M { x }", operation="write") == {
        "x": {"userErrors": []}
    }


def test_garbled_json_is_retried(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, body="<html>proxy error</html>")
    mocked.post(ENDPOINT, json=_ok({"shop": {}}))

    assert client.execute(QUERY, operation="shop") == {"shop": {}}


def test_user_errors_become_rejected_error_without_retry(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    payload = {
        "bulkOperationRunQuery": {
            "bulkOperation": None,
            "userErrors": [{"field": ["query"], "message": "already running"}],
        }
    }
    mocked.post(ENDPOINT, json=_ok(payload), headers={"X-Request-Id": "req-ue"})

    with pytest.raises(RejectedError) as caught:
        client.execute("mutation M { x }", operation="bulk_start")

    assert "query: already running" in str(caught.value)
    assert caught.value.request_id == "req-ue"
    assert client.calls == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ({"message": "Field 'x' doesn't exist"}, PermanentError),
        ({"message": "no", "extensions": {"code": "ACCESS_DENIED"}}, AccessError),
        (
            {"message": "cost", "extensions": {"code": "MAX_COST_EXCEEDED"}},
            PermanentError,
        ),
    ],
)
def test_graphql_errors_become_typed_errors(
    client: ShopifyClient,
    mocked: responses.RequestsMock,
    error: dict[str, Any],
    kind: type[Exception],
) -> None:
    mocked.post(ENDPOINT, json={"errors": [error]})

    with pytest.raises(kind) as caught:
        client.execute(QUERY, operation="shop")

    assert type(caught.value) is kind
    assert error["message"] in str(caught.value)
    assert client.calls == 1


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "[API] Invalid API key or access token", AuthenticationError),
        (403, "[API] Invalid access token", AuthenticationError),
        (403, "requires merchant approval for read_orders scope", AccessError),
        (404, "Not Found", PermanentError),
    ],
)
def test_http_client_errors_are_permanent_and_typed(
    client: ShopifyClient,
    mocked: responses.RequestsMock,
    status: int,
    body: str,
    kind: type[Exception],
) -> None:
    mocked.post(ENDPOINT, status=status, body=body, headers={"X-Request-Id": "r-4"})

    with pytest.raises(kind) as caught:
        client.execute(QUERY, operation="shop")

    assert type(caught.value) is kind
    assert caught.value.status == status  # type: ignore[attr-defined]
    assert caught.value.request_id == "r-4"  # type: ignore[attr-defined]
    assert client.calls == 1


# -- reading orders ------------------------------------------------------------


def _order_node(gid: str, *, more_lines: bool = False) -> dict[str, Any]:
    return {
        "id": gid,
        "lineItems": {
            "nodes": [{"id": f"{gid}-line-1"}],
            "pageInfo": {"hasNextPage": more_lines, "endCursor": "L1"},
        },
        "refunds": [],
        "fulfillments": [],
    }


def test_orders_updated_since_pages_the_listing_and_reads_each_order(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    def listing(nodes: list[str], more: bool, cursor: str) -> dict[str, Any]:
        return _ok(
            {
                "orders": {
                    "nodes": [
                        {"id": n, "updatedAt": "2026-03-01T10:00:00Z"} for n in nodes
                    ],
                    "pageInfo": {"hasNextPage": more, "endCursor": cursor},
                }
            }
        )

    a, b = "gid://shopify/Order/1", "gid://shopify/Order/2"
    mocked.post(ENDPOINT, json=listing([a], True, "P1"))
    mocked.post(ENDPOINT, json=_ok({"order": _order_node(a, more_lines=True)}))
    line_page = {
        "id": a,
        "lineItems": {
            "nodes": [{"id": f"{a}-line-2"}],
            "pageInfo": {"hasNextPage": False, "endCursor": "L2"},
        },
    }
    mocked.post(ENDPOINT, json=_ok({"order": line_page}))
    mocked.post(ENDPOINT, json=listing([b], False, "P2"))
    mocked.post(ENDPOINT, json=_ok({"order": _order_node(b)}))

    since = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    orders = list(orders_updated_since(client, since, page_size=1))

    assert [o["id"] for o in orders] == [a, b]
    assert [li["id"] for li in orders[0]["lineItems"]["nodes"]] == [
        f"{a}-line-1",
        f"{a}-line-2",
    ]
    sent = [_sent(mocked, i)["variables"] for i in range(5)]
    assert sent[0] == {
        "first": 1,
        "after": None,
        "query": "updated_at:>='2026-03-01T11:55:00+00:00'",  # 5 minutes overlap
    }
    assert sent[1] == {"id": a}
    assert sent[2] == {"id": a, "after": "L1"}
    assert sent[3]["after"] == "P1"
    assert sent[4] == {"id": b}


def test_list_updated_since_refuses_a_naive_moment(client: ShopifyClient) -> None:
    with pytest.raises(ValueError):
        next(list_updated_since(client, datetime(2026, 1, 1)))


def test_list_updated_since_uses_the_given_overlap(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    empty = {"orders": {"nodes": [], "pageInfo": {"hasNextPage": False}}}
    mocked.post(ENDPOINT, json=_ok(empty))
    since = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)

    assert list(list_updated_since(client, since, overlap=timedelta(hours=1))) == []
    assert (
        _sent(mocked)["variables"]["query"]
        == "updated_at:>='2026-03-01T12:00:00+00:00'"
    )


def test_fetch_order_returns_none_for_an_unknown_order(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(ENDPOINT, json=_ok({"order": None}))
    assert fetch_order(client, "gid://shopify/Order/404") is None


def test_fetch_order_refuses_more_refunds_than_it_reads(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    from connectors.shopify.queries import REFUNDS_MAX
    from o2c.errors import PayloadError

    node = _order_node("gid://shopify/Order/9")
    node["refunds"] = [
        {"id": f"gid://shopify/Refund/{n}"} for n in range(REFUNDS_MAX + 1)
    ]
    mocked.post(ENDPOINT, json=_ok({"order": node}))

    with pytest.raises(PayloadError) as caught:
        fetch_order(client, "gid://shopify/Order/9")
    assert caught.value.where == "refunds"


def test_fetch_order_reads_its_refunds_and_fulfillments_in_one_query(
    client: ShopifyClient, mocked: responses.RequestsMock, fixture_bytes: Any
) -> None:
    from connectors.shopify.parse import order_from_graphql

    full = json.loads(fixture_bytes("pair__order_b2b_eur_usd.graphql.json"))
    listed = {
        **full,
        "refunds": [{"id": r["id"]} for r in full["refunds"]],
        "fulfillments": [{"id": f["id"]} for f in full["fulfillments"]],
    }
    mocked.post(ENDPOINT, json=_ok({"order": listed}))
    mocked.post(
        ENDPOINT,
        json=_ok(
            {
                "fulfillment": [
                    {"__typename": "Fulfillment", **full["fulfillments"][0]}
                ],
                "refund": [{"__typename": "Refund", **full["refunds"][0]}],
            }
        ),
    )

    node = fetch_order(client, full["id"])

    assert node is not None
    assert order_from_graphql(node, shop="demo") == order_from_graphql(
        full, shop="demo"
    )
    assert len(mocked.calls) == 2
    assert _sent(mocked, 1)["variables"] == {
        "fulfillment": ["gid://shopify/Fulfillment/71001"],
        "refund": ["gid://shopify/Refund/66001"],
    }


def test_fetch_order_refuses_a_node_of_another_type(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    from o2c.errors import PayloadError

    node = _order_node("gid://shopify/Order/9")
    node["refunds"] = [{"id": "gid://shopify/Refund/1"}]
    mocked.post(ENDPOINT, json=_ok({"order": node}))
    mocked.post(ENDPOINT, json=_ok({"refund": [{"__typename": "Order"}]}))

    with pytest.raises(PayloadError, match="Refund/1 did not come back as a Refund"):
        fetch_order(client, "gid://shopify/Order/9")
