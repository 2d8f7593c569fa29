"""Bulk operations end to end: run, poll, download JSONL, re-nest with the connector."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.sandbox.shopify import SandboxOrder, SandboxShopify, webhook_order
from connectors.shopify.bulk import bulk_orders, join_bulk_lines
from connectors.shopify.client import ShopifyClient
from connectors.shopify.parse import order_from_graphql
from connectors.shopify.queries import BULK_OPERATION, BULK_RUN_QUERY, bulk_orders_query

SHOP = "bulk.myshopify.com"
TOKEN = "shpat_bulk"


@pytest.fixture
def server(orders: list[SandboxOrder]) -> Iterator[SandboxShopify]:
    """A sandbox whose bulk operations linger a little in RUNNING."""
    with SandboxShopify(bulk_delay_seconds=0.3) as sandbox:
        sandbox.add_shop(SHOP, TOKEN, "secret")
        sandbox.add_orders(SHOP, orders[:120])
        yield sandbox


def _graphql(server: SandboxShopify, query: str, variables: dict[str, Any]) -> Any:
    response = requests.post(
        server.graphql_url(SHOP),
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def _run(server: SandboxShopify, search: str | None) -> dict[str, Any]:
    body = _graphql(server, BULK_RUN_QUERY, {"query": bulk_orders_query(search)})
    return body["data"]["bulkOperationRunQuery"]


def _wait(server: SandboxShopify, gid: str) -> tuple[dict[str, Any], list[str]]:
    statuses = []
    for _ in range(200):
        operation = _graphql(server, BULK_OPERATION, {"id": gid})["data"][
            "bulkOperation"
        ]
        statuses.append(operation["status"])
        if operation["status"] == "COMPLETED":
            return operation, statuses
        time.sleep(0.05)
    raise AssertionError(f"bulk operation stuck: {statuses[-3:]}")


def test_bulk_run_completes_with_a_jsonl_file_shaped_like_shopify(
    server: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    started = _run(server, None)
    operation, statuses = _wait(server, started["bulkOperation"]["id"])
    download = requests.get(operation["url"], timeout=10)
    lines = [json.loads(line) for line in download.text.splitlines()]

    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] in ("CREATED", "RUNNING")
    assert "RUNNING" in statuses
    assert int(operation["objectCount"]) == len(lines)
    assert int(operation["rootObjectCount"]) == 120
    assert int(
        _graphql(server, BULK_OPERATION, {"id": operation["id"]})["data"][
            "bulkOperation"
        ]["objectCount"]
    ) == len(lines)
    roots = [line for line in lines if "__parentId" not in line]
    assert [r["id"] for r in roots] == [
        o.gid for o in sorted(orders[:120], key=lambda o: o.id)
    ]
    current = None
    for line in lines:
        if "__parentId" not in line:
            current = line["id"]
        else:
            assert line["__parentId"] == current
            kind = line["__typename"]
            assert kind in ("LineItem", "ShippingLine") or kind.endswith("Application")
    expected_lines = sum(len(o.lines) for o in orders[:120])
    assert (
        sum(1 for line in lines if line.get("__typename") == "LineItem")
        == expected_lines
    )


def test_bulk_file_size_matches_the_bytes_served(server: SandboxShopify) -> None:
    gid = _run(server, None)["bulkOperation"]["id"]
    _wait(server, gid)
    query = "query B($id: ID!) { bulkOperation(id: $id) { url fileSize } }"
    operation = _graphql(server, query, {"id": gid})["data"]["bulkOperation"]
    download = requests.get(operation["url"], timeout=10)

    assert int(operation["fileSize"]) == len(download.content)
    assert download.headers["Content-Type"] == "application/jsonl"


def test_bulk_search_with_no_match_completes_without_a_url(
    server: SandboxShopify,
) -> None:
    started = _run(server, "updated_at:>='2099-01-01T00:00:00Z'")
    operation, _ = _wait(server, started["bulkOperation"]["id"])

    assert operation["objectCount"] == "0"
    assert operation["url"] is None


def test_second_bulk_query_while_one_runs_is_refused(server: SandboxShopify) -> None:
    first = _run(server, None)
    second = _run(server, None)

    assert first["userErrors"] == []
    assert second["bulkOperation"] is None
    assert second["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"


def test_invalid_bulk_query_gets_an_invalid_user_error(server: SandboxShopify) -> None:
    body = _graphql(
        server, BULK_RUN_QUERY, {"query": "{ orders { edges { node { nope } } } }"}
    )
    payload = body["data"]["bulkOperationRunQuery"]

    assert payload["bulkOperation"] is None
    assert payload["userErrors"][0]["code"] == "INVALID"
    assert payload["userErrors"][0]["field"] == ["query"]


def test_connector_join_rebuilds_each_order_with_its_line_items(
    server: SandboxShopify, orders: list[SandboxOrder]
) -> None:
    operation, _ = _wait(server, _run(server, None)["bulkOperation"]["id"])
    download = requests.get(operation["url"], timeout=10)
    by_id = {o.gid: o for o in orders}

    joined = list(join_bulk_lines(download.content.splitlines()))

    assert len(joined) == 120
    for node in joined:
        order = by_id[node["id"]]
        assert [li["id"] for li in node["lineItems"]["nodes"]] == [
            f"gid://shopify/LineItem/{line.id}" for line in order.lines
        ]


def test_connector_backfill_through_the_sandbox_gives_the_webhook_orders(
    orders: list[SandboxOrder],
) -> None:
    with SandboxShopify(bucket_size=10_000, restore_rate=1000) as sandbox:
        sandbox.add_shop(SHOP, TOKEN, "secret")
        sandbox.add_orders(SHOP, orders[:60])
        client = ShopifyClient(
            domain=SHOP,
            access_token=TOKEN,
            api_version="2026-01",
            base_url=sandbox.shop_url(SHOP),
        )
        nodes = list(bulk_orders(client, poll_interval=0.02))

    by_id = {o.gid: o for o in orders}
    assert len(nodes) == 60
    for node in nodes:
        expected = webhook_order(by_id[node["id"]], shop="s")
        assert order_from_graphql(node, shop="s") == expected
