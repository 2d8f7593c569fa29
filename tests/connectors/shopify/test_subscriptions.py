"""Webhook subscriptions against the sandbox Shopify, over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.sandbox.shopify import SandboxShopify
from connectors.sandbox.shopify.subscriptions import TAKEN
from connectors.shopify import subscriptions
from connectors.shopify.client import ShopifyClient
from connectors.shopify.subscriptions import (
    graphql_topic,
    list_subscriptions,
    subscribe,
)
from o2c.errors import RejectedError

DOMAIN = "hooks.myshopify.com"
TOKEN = "shpat_hooks"
HUB = "https://hub.example.com/webhooks/shopify"
TOPICS = ["orders/create", "orders/partially_fulfilled", "order_transactions/create"]


@pytest.fixture
def sandbox() -> Iterator[SandboxShopify]:
    with SandboxShopify() as server:
        server.add_shop(DOMAIN, TOKEN, "whsec_hooks")
        yield server


@pytest.fixture
def client(sandbox: SandboxShopify) -> ShopifyClient:
    return ShopifyClient(
        domain=DOMAIN,
        access_token=TOKEN,
        api_version="2026-01",
        base_url=sandbox.shop_url(DOMAIN),
    )


def test_topics_are_named_as_shopifys_enum_on_the_wire() -> None:
    assert graphql_topic("orders/create") == "ORDERS_CREATE"
    assert graphql_topic("orders/partially_fulfilled") == "ORDERS_PARTIALLY_FULFILLED"
    assert graphql_topic("order_transactions/create") == "ORDER_TRANSACTIONS_CREATE"


def test_subscribe_creates_each_topic_once_and_again_creates_nothing(
    client: ShopifyClient, sandbox: SandboxShopify
) -> None:
    first = subscribe(client, HUB, TOPICS)
    again = subscribe(client, HUB, TOPICS)

    assert [(s.topic, s.uri, created) for s, created in first] == [
        (topic, HUB, True) for topic in TOPICS
    ]
    assert [(s.id, created) for s, created in again] == [
        (s.id, False) for s, _ in first
    ]
    held = sandbox.shops[DOMAIN].subscriptions.list()
    assert sorted(s["topic"] for s in held) == sorted(map(graphql_topic, TOPICS))
    assert {s["format"] for s in held} == {"JSON"}


def test_another_address_gets_its_own_subscription(client: ShopifyClient) -> None:
    subscribe(client, HUB, ["orders/create"])
    [(_, created)] = subscribe(client, "https://new.example.com/w", ["orders/create"])

    assert created is True
    listed = list_subscriptions(client, ["orders/create"])
    assert [(s.topic, s.uri) for s in listed] == [
        ("orders/create", HUB),
        ("orders/create", "https://new.example.com/w"),
    ]


def test_listing_pages_through_every_subscription(
    client: ShopifyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe(client, HUB, TOPICS)
    monkeypatch.setattr(subscriptions, "PAGE_SIZE", 2)

    listed = list_subscriptions(client)

    # Unknown to the caller, topics keep Shopify's enum value.
    assert [s.topic for s in listed] == [graphql_topic(t) for t in TOPICS]


def test_an_address_shopify_refuses_is_a_rejected_error(
    client: ShopifyClient,
) -> None:
    with pytest.raises(RejectedError, match="Address is invalid"):
        subscribe(client, "not a url", ["orders/create"])


def test_the_sandbox_refuses_the_same_topic_and_address_twice(
    sandbox: SandboxShopify,
) -> None:
    registry = sandbox.shops[DOMAIN].subscriptions
    registry.create("ORDERS_CREATE", {"uri": HUB})

    payload = registry.create("ORDERS_CREATE", {"uri": HUB})

    assert payload["webhookSubscription"] is None
    assert payload["userErrors"] == [
        {"field": ["webhookSubscription", "uri"], "message": TAKEN}
    ]
