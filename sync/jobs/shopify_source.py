"""Intake's view of the Shopify connector: parsing, polling and bulk reads per shop.

One client per shop is built on first use and kept, so that its throttle state (the
query-cost budget Shopify reports) carries over from one poll to the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from config.settings import ShopSettings
from connectors.shopify.bulk import BulkChunk
from o2c.errors import PayloadError
from o2c.orders import Order
from sync.jobs.backfill_workers import ParsedChunk

BULK_POLL_INTERVAL = 2.0  # seconds between bulk operation status checks


def parse_bulk_chunk(chunk: BulkChunk, shop: str) -> ParsedChunk:
    """Join a chunk of bulk result lines and parse each order into its row values
    and storefront transactions.

    A node that cannot be parsed is returned to be parked, a node with details to
    be completed first; lines that cannot be joined end the chunk with its
    `failure`. Runs in a backfill's worker processes, or in the storing one.
    """
    from connectors.shopify.bulk import join_bulk_lines, needs_details
    from connectors.shopify.parse import order_from_graphql
    from sync.orders_repo import order_values
    from sync.payment_links import order_transactions

    parsed = ParsedChunk()
    try:
        for node in join_bulk_lines(chunk.lines, first_line=chunk.first_line):
            if needs_details(node):
                parsed.incomplete.append(node)
                continue
            try:
                order = order_from_graphql(node, shop=shop)
            except PayloadError as exc:
                parsed.parked.append((node, str(exc)))
                continue
            parsed.rows.append(order_values(order))
            parsed.transactions += order_transactions(order)
    except PayloadError as exc:
        parsed.failure = exc
    return parsed


class ShopifyOrderSource:
    """The `OrderSource` backed by `connectors.shopify`.

    `parse_chunk` is what a backfill's worker processes run on chunks of the bulk
    result; it must give what `parse_node` gives for each node of the chunk.
    """

    parse_chunk = staticmethod(parse_bulk_chunk)

    def __init__(self, *, stopping: threading.Event | None = None) -> None:
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        # Set when the hub stops: the clients' waits (retry backoff, throttle
        # pacing) return at once, so the jobs in hand end instead of holding the
        # stop for up to a minute while Shopify is unreachable.
        self.stopping = stopping or threading.Event()

    def parse_webhook(self, body: bytes, *, shop: str) -> Order:
        """Return the order in a REST-shaped webhook body; raises PayloadError."""
        from connectors.shopify.parse import order_from_webhook

        order: Order = order_from_webhook(body, shop=shop)
        return order

    def parse_node(self, node: dict[str, Any], *, shop: str) -> Order:
        """Return the order in a GraphQL order node; raises PayloadError."""
        from connectors.shopify.parse import order_from_graphql

        order: Order = order_from_graphql(node, shop=shop)
        return order

    def updated_since(
        self, shop: ShopSettings, since: datetime, *, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """Yield order nodes updated at or after `since`; raises ConnectorError."""
        from connectors.shopify.orders import orders_updated_since

        # The caller has already moved `since` back by its overlap window.
        nodes = orders_updated_since(
            self.client(shop), since, page_size=page_size, overlap=timedelta(0)
        )
        return iter(nodes)

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every order node through a bulk operation; raises ConnectorError,
        and PayloadError for result lines that cannot be joined."""
        from connectors.shopify.bulk import join_bulk_lines

        lines = self.bulk_lines(shop, since=since, on_progress=on_progress)
        for node in join_bulk_lines(lines):
            yield self.complete_node(shop, node)

    def bulk_lines(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[bytes]:
        """Yield the undecoded lines of a bulk operation's result, to be joined into
        order nodes (`bulk`, or a backfill's worker processes) and completed with
        `complete_node`; raises ConnectorError."""
        from connectors.shopify.bulk import bulk_result_lines

        return bulk_result_lines(
            self.client(shop),
            since=since,
            poll_interval=BULK_POLL_INTERVAL,
            on_progress=on_progress,
        )

    def complete_node(self, shop: ShopSettings, node: dict[str, Any]) -> dict[str, Any]:
        """Return a joined bulk node with its payment terms, refunds and fulfillments
        read in full, when it has any; raises ConnectorError."""
        from connectors.shopify.bulk import complete_order

        return complete_order(self.client(shop), node)

    def complete_nodes(
        self, shop: ShopSettings, nodes: list[dict[str, Any]]
    ) -> list[PayloadError | None]:
        """Complete joined bulk nodes in place, their payment terms, refunds and
        fulfillments read together in batches sized by query cost; return per node
        None, or the PayloadError that keeps it from being read (to be parked).
        Raises ConnectorError."""
        from connectors.shopify.details import complete_orders

        return complete_orders(self.client(shop), nodes)

    def client(self, shop: ShopSettings) -> Any:
        """Return this shop's client, built on first use."""
        from connectors.shopify.client import ShopifyClient

        with self._lock:
            if shop.name not in self._clients:
                self._clients[shop.name] = ShopifyClient.from_settings(
                    shop, sleep=self._pause
                )
            return self._clients[shop.name]

    def _pause(self, seconds: float) -> None:
        self.stopping.wait(seconds)
