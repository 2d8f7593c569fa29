"""The status summary counts orders, inbox rows, dead letters and shows polls."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from config.settings import Settings
from sync.inbox import store_delivery
from sync.intake import IntakePolicy, order_parser, process_key
from sync.status import hub_status
from tests.sync.helpers import SHOP, T0, FakeSource, webhook


def test_status_of_an_empty_hub_is_all_zeros(
    engine: Engine, settings: Settings
) -> None:
    status = hub_status(engine, settings)
    assert status["orders"] == {"total": 0, "by_state": {}}
    assert set(status["inbox"]["by_status"].values()) == {0}
    assert status["inbox"]["oldest_pending_at"] is None
    assert status["dead_letters"] == 0
    assert status["polls"] == [
        {
            "shop": SHOP,
            "cursor": None,
            "last_run_at": None,
            "last_success_at": None,
            "last_error": None,
        }
    ]


def test_status_counts_states_backlog_and_parked_rows(
    engine: Engine, settings: Settings, source: FakeSource
) -> None:
    for number in (1, 2):
        store_delivery(engine, webhook(number))
    store_delivery(engine, webhook(3, body=b"{"), now=T0)
    store_delivery(engine, webhook(4), now=T0)
    for number in (1, 2, 3):
        process_key(
            engine,
            webhook(number).key or "",
            parse=order_parser(source),
            owner="w",
            policy=IntakePolicy(),
        )

    status = hub_status(engine, settings)

    assert status["orders"] == {"total": 2, "by_state": {"received": 2}}
    inbox = status["inbox"]
    assert inbox["by_status"]["done"] == 2
    assert inbox["by_status"]["parked"] == 1
    assert inbox["by_status"]["pending"] == 1
    assert inbox["due"] == 1
    assert inbox["oldest_pending_at"] == T0.isoformat()
    assert status["dead_letters"] == 1
    json.dumps(status)  # JSON-ready
