"""Webhook subscriptions: point a shop's order webhooks at the hub.

`subscribe` reads the shop's subscriptions, then creates, for each topic asked for,
the one missing for the hub's address; run again it creates nothing. Topics are
named as webhooks name them (`orders/create`), and as Shopify's enum
(`ORDERS_CREATE`) only on the wire. A subscription Shopify refuses (an address it
will not call, say) raises RejectedError with Shopify's words; a create that may
have happened raises AmbiguousWriteError, and running `subscribe` again settles it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from connectors.shopify.client import ShopifyClient
from connectors.shopify.queries import (
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTIONS,
)
from o2c.errors import PayloadError

PAGE_SIZE = 100


@dataclass(frozen=True)
class Subscription:
    """One webhook subscription of a shop."""

    id: str
    topic: str  # as webhooks name it: `orders/create`
    uri: str
    format: str
    created_at: str


def graphql_topic(topic: str) -> str:
    """Return Shopify's enum value for a webhook topic: `orders/create` gives
    `ORDERS_CREATE`."""
    return topic.replace("/", "_").upper()


def list_subscriptions(
    client: ShopifyClient, topics: Iterable[str] = ()
) -> list[Subscription]:
    """Return every webhook subscription of the shop, oldest first.

    `topics` are the topics the caller knows by name; a subscription to another
    keeps Shopify's enum value. Raises the client's errors; PayloadError for an
    answer not shaped as asked.
    """
    return list(_pages(client, {graphql_topic(topic): topic for topic in topics}))


def subscribe(
    client: ShopifyClient, uri: str, topics: Iterable[str]
) -> list[tuple[Subscription, bool]]:
    """Make sure each topic has a subscription to `uri`; return them, each with
    whether it was created now (False: it was there already), in `topics`' order."""
    wanted = list(dict.fromkeys(topics))
    names = {graphql_topic(topic): topic for topic in wanted}
    existing = {(s.topic, s.uri): s for s in _pages(client, names)}
    result = []
    for topic in wanted:
        found = existing.get((topic, uri))
        if found is None:
            result.append((_create(client, topic, uri), True))
        else:
            result.append((found, False))
    return result


def _pages(client: ShopifyClient, names: dict[str, str]) -> Iterator[Subscription]:
    variables: dict[str, Any] = {"first": PAGE_SIZE, "after": None}
    while True:
        data = client.execute(
            WEBHOOK_SUBSCRIPTIONS, variables, operation="webhook_subscriptions"
        )
        page = data.get("webhookSubscriptions")
        if not isinstance(page, dict) or not isinstance(page.get("nodes"), list):
            raise PayloadError("webhookSubscriptions is not a connection", where="data")
        for node in page["nodes"]:
            yield _subscription(node, names)
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        variables = {**variables, "after": info.get("endCursor")}


def _create(client: ShopifyClient, topic: str, uri: str) -> Subscription:
    data = client.execute(
        WEBHOOK_SUBSCRIPTION_CREATE,
        {"topic": graphql_topic(topic), "uri": uri},
        operation="webhook_subscription_create",
        external_id=topic,
    )
    payload = data.get("webhookSubscriptionCreate") or {}
    node = payload.get("webhookSubscription")
    if not isinstance(node, dict):
        raise PayloadError(
            "webhookSubscriptionCreate answered no subscription and no user error",
            where="data.webhookSubscriptionCreate",
        )
    return _subscription(node, {graphql_topic(topic): topic})


def _subscription(node: Any, names: dict[str, str]) -> Subscription:
    if not isinstance(node, dict):
        raise PayloadError("subscription is not an object", where="nodes")
    try:
        enum = str(node["topic"])
        return Subscription(
            id=str(node["id"]),
            topic=names.get(enum, enum),
            uri=str(node["uri"]),
            format=str(node["format"]),
            created_at=str(node["createdAt"]),
        )
    except KeyError as exc:
        raise PayloadError(f"subscription lacks {exc.args[0]}", where="nodes") from None
