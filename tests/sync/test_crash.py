"""A worker killed with SIGKILL mid-batch, then restarted: every order once.

The worker runs as a real process (`sync.jobs`) on a file SQLite store and a
SqliteHuey queue, held still after each row by `tests.sync.slow_worker` so that the
kill lands inside a batch.
Recovery comes from the row transactions (a killed step rolls back), the leases
(they expire) and the sweep of the restarted process's scheduler.
"""

from __future__ import annotations

import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from config.settings import load_settings
from sync.inbox import store_delivery
from sync.orders_repo import list_orders
from sync.runtime import Hub
from sync.store.models import InboxStatus, Lease
from tests.sync.helpers import T0, audit_counts, inbox_rows, webhook
from tests.sync.workers import start_worker, wait_for

ORDERS = 30
CONFIG = """
environment = "development"

[store]
url = "sqlite:///{db}"

[queue]
lease_seconds = 5
sweep_interval = 1
workers = 2

[logging]
level = "WARNING"

[[shops]]
name = "acme"
domain = "acme.myshopify.com"
access_token = "shpat_test"
webhook_secret = "whsec_test"
poll_interval = 3600
"""


def _start(config: Path, *, delay: float | None) -> subprocess.Popen[bytes]:
    return start_worker(config, step_delay=delay or 0.0)


def _done(engine: Engine) -> int:
    return sum(row.status == InboxStatus.DONE for row in inbox_rows(engine))


@pytest.mark.slow
def test_worker_killed_mid_batch_then_restarted_processes_every_order_once(
    tmp_path: Path,
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(CONFIG.format(db=tmp_path / "hub.db"))
    hub = Hub(load_settings(config))
    hub.migrate()
    # Every order is created, then paid: two rows per key, processed in one batch.
    for number in range(1, ORDERS + 1):
        for topic, minutes in (("orders/create", 0), ("orders/paid", 1)):
            delivery = webhook(
                number, topic=topic, updated_at=T0 + timedelta(minutes=minutes)
            )
            store_delivery(hub.engine, delivery)
            hub.enqueue(delivery.key or "")
    total = 2 * ORDERS

    first = _start(config, delay=0.1)
    try:
        wait_for(lambda: _done(hub.engine) >= 6, first, timeout=60)
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        first.wait()
    assert first.returncode == -signal.SIGKILL
    assert _done(hub.engine) < total
    # The dead worker left its leases behind: recovery has to wait them out.
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Lease)).scalar_one() > 0

    second = _start(config, delay=None)
    try:
        wait_for(lambda: _done(hub.engine) == total, second, timeout=90)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert second.returncode == 0

    rows = inbox_rows(hub.engine)
    assert len(rows) == total
    assert audit_counts(hub.engine) == {row.id: 1 for row in rows}
    orders = list_orders(hub.engine, limit=1000)
    assert len(orders) == ORDERS
    assert {record.version for record in orders} == {T0 + timedelta(minutes=1)}
    hub.close()
