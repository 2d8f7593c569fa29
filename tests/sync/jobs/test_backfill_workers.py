"""Backfill parsing in worker processes stores what parsing in process stores."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from config.settings import Settings, ShopSettings
from connectors.shopify.parse import loads
from o2c.errors import RetryableError
from sync.jobs.backfill import backfill_orders, parse_batch
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.store.models import InboxEvent, InboxStatus, OrderRecord
from tests.sync.helpers import SHOP, T0, Clock

NODE = loads(
    (
        Path(__file__).resolve().parents[2]
        / "fixtures"
        / "shopify"
        / "pair__order_b2b_eur_usd.graphql.json"
    ).read_bytes()
)


def _node(number: int) -> dict[str, Any]:
    node = copy.deepcopy(NODE)
    node.update(id=f"gid://shopify/Order/{number}", name=f"#{number}")
    return node


class BulkSource(ShopifyOrderSource):
    """The real GraphQL parser (not overridden); the bulk read served from a list,
    failing after `fail_after` nodes when set."""

    def __init__(self, nodes: list[dict[str, Any]], fail_after: int = -1) -> None:
        super().__init__()
        self.nodes, self.fail_after = nodes, fail_after

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        for index, node in enumerate(self.nodes):
            if index == self.fail_after:
                raise RetryableError(
                    "bulk read failed", system="shopify", operation="bulk_poll"
                )
            yield node


def _stored(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrderRecord.external_id, OrderRecord.data, OrderRecord.content_hash)
        )
        return {row[0]: (row[1], row[2]) for row in rows}


def _backfill(
    engine: Engine, settings: Settings, source: BulkSource, workers: int
) -> list[int]:
    progress: list[int] = []
    backfill_orders(
        engine,
        settings.shop(SHOP),
        source,
        since=None,
        clock=Clock(T0 + timedelta(days=1)),
        on_progress=progress.append,
        batch_size=4,
        parse_workers=workers,
    )
    return progress


def test_backfill_in_workers_stores_the_rows_parsing_here_stores(
    engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = [_node(n) for n in range(1, 12)]
    nodes[5] = {"id": "gid://shopify/Order/6", "updatedAt": "2026-03-01T09:00:00Z"}

    with caplog.at_level(logging.INFO, logger="sync.jobs.backfill"):
        progress = _backfill(engine, settings, BulkSource(nodes), workers=2)

    messages = [record.getMessage() for record in caplog.records]
    assert "backfill: parsing in 2 worker processes" in messages
    assert not any("workers lost" in message for message in messages)

    assert progress == [4, 7, 10]
    expected = parse_batch(nodes, SHOP)
    stored = _stored(engine)
    assert sorted(stored) == sorted(
        p["external_id"] for p in expected if p != expected[5]
    )
    for values in expected:
        if isinstance(values, dict):
            assert stored[values["external_id"]] == (
                values["data"],
                values["content_hash"],
            )
    with engine.connect() as conn:
        [parked] = list(conn.execute(select(InboxEvent)))
    assert parked.status == InboxStatus.PARKED
    assert parked.key == "shopify:acme:gid://shopify/Order/6"
    assert "missing field" in parked.last_error


def test_backfill_in_workers_keeps_full_batches_read_before_a_failure(
    engine: Engine, settings: Settings
) -> None:
    source = BulkSource([_node(n) for n in range(1, 12)], fail_after=10)

    with pytest.raises(RetryableError):
        _backfill(engine, settings, source, workers=1)

    assert sorted(_stored(engine)) == sorted(
        f"gid://shopify/Order/{n}" for n in range(1, 9)
    )


def test_parse_batch_returns_row_values_or_the_error_text() -> None:
    parsed = parse_batch([_node(1), {"id": "gid://shopify/Order/2"}], SHOP)

    assert isinstance(parsed[0], dict) and parsed[0]["number"] == "#1"
    assert parsed[1] == "missing field (at currencyCode)"
