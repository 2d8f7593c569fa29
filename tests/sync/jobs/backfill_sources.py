"""Shopify sources for the backfill tests: the real parser on a bulk result held in
memory, and chunk parsers that fail in worker processes (importable by name, as
worker processes are sent them)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from config.settings import ShopSettings
from connectors.sandbox.shopify import generate_orders, render_graphql
from connectors.shopify.bulk import (
    DETAIL_FIELDS,
    BulkChunk,
    bulk_lines_of,
    needs_details,
)
from o2c.errors import PayloadError, RetryableError
from sync.jobs.backfill_workers import ParsedChunk
from sync.jobs.shopify_source import ShopifyOrderSource, parse_bulk_chunk


class BulkResultSource(ShopifyOrderSource):
    """The Shopify source with its bulk result file and order details in memory:
    `lines` as Shopify writes them, `details[gid]` the order's payment terms,
    refunds and fulfillments as read by id."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        super().__init__()
        self.lines = [line.encode() for node in nodes for line in bulk_lines_of(node)]
        self.details = {node["id"]: node for node in nodes}
        self.completed: list[str] = []

    def bulk_lines(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[bytes]:
        return iter(self.lines)

    def complete_node(self, shop: ShopSettings, node: dict[str, Any]) -> dict[str, Any]:
        if not needs_details(node):
            return node
        full = self.details[node["id"]]
        self.completed.append(node["id"])
        return {**node, **{key: full.get(key) for key in DETAIL_FIELDS}}

    def complete_nodes(
        self, shop: ShopSettings, nodes: list[dict[str, Any]]
    ) -> list[PayloadError | None]:
        for node in nodes:
            node.update(self.complete_node(shop, node))
        return [None] * len(nodes)


class BrokenOffSource(BulkResultSource):
    """A bulk result whose download breaks off after `lines_before_error` lines."""

    def __init__(self, nodes: list[dict[str, Any]], lines_before_error: int) -> None:
        super().__init__(nodes)
        self.lines_before_error = lines_before_error

    def bulk_lines(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[bytes]:
        yield from self.lines[: self.lines_before_error]
        raise RetryableError(
            "download broke off: ChunkedEncodingError",
            system="shopify",
            operation="bulk_download",
        )


def sandbox_nodes(count: int, *, seed: int) -> list[dict[str, Any]]:
    """Return `count` generated GraphQL order nodes; every second one without
    payment terms, refunds and fulfillments, so that its chunk's worker parses it
    (the others are completed and parsed in the storing process)."""
    orders = generate_orders(
        count,
        seed=seed,
        shop_domain="acme.myshopify.com",
        start=datetime(2026, 3, 1, tzinfo=UTC),
    )
    nodes = [render_graphql(order) for order in orders]
    for node in nodes[::2]:
        node.update(paymentTerms=None, refunds=[], fulfillments=[])
    return nodes


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


def explode_in_workers(chunk: BulkChunk, shop: str) -> ParsedChunk:
    """Parse as the Shopify source does, but raise in a worker process (a bug)."""
    if _in_worker():
        raise RuntimeError("parser bug on purpose")
    return parse_bulk_chunk(chunk, shop)


def die_in_workers(chunk: BulkChunk, shop: str) -> ParsedChunk:
    """Parse as the Shopify source does, but end a worker process on the spot."""
    if _in_worker():
        os._exit(70)
    return parse_bulk_chunk(chunk, shop)
