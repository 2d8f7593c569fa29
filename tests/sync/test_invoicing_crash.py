"""A worker killed between Odoo's create and the hub's commit: one invoice per order.

The worker is a real process (`sync.jobs` with its scheduler) on a file SQLite
store, talking to the sandbox Odoo of this test over loopback. `tests.sync.slow_worker`
holds it between the ERP's answer and the local commit; the test waits until
the sandbox holds every invoice, then kills the worker with SIGKILL. Restarted, the
worker finds each invoice by its key and only records it.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from config.settings import load_settings
from connectors.sandbox.odoo import SandboxOdoo
from sync.inbox import store_delivery
from sync.runtime import Hub
from sync.store.models import Command, CommandStatus
from tests.sync.helpers import webhook
from tests.sync.invoicing_support import TODAY, moves_with_ref
from tests.sync.workers import start_worker, wait_for

ORDERS = 8
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

[odoo]
url = "{url}"
database = "{database}"
login = "{login}"
api_key = "{api_key}"
protocol = "jsonrpc"

[mapping]
file = "mapping.toml"

[[shops]]
name = "acme"
domain = "acme.myshopify.com"
access_token = "shpat_test"
webhook_secret = "whsec_test"
poll_interval = 3600
"""
MAPPING = """
[defaults.products]
MUG = "MUG-001"

[defaults.customers]
unknown = "default"
default_partner = "admin@example.com"

[defaults.accounts]
rounding = "642000"
"""


def _start(config: Path, *, delay: float | None) -> subprocess.Popen[bytes]:
    return start_worker(config, commit_delay=delay or 0.0)


def _invoice_statuses(engine: Engine) -> list[str]:
    query = select(Command.status).where(Command.kind == "CreateInvoice")
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def _keys() -> list[str]:
    return [f"o2c_hub.invoice.acme.{number}" for number in range(1, ORDERS + 1)]


@pytest.mark.slow
def test_worker_killed_after_odoo_created_the_invoices_leaves_one_each(
    tmp_path: Path,
) -> None:
    with SandboxOdoo(version=17, today=lambda: TODAY) as odoo:
        config = tmp_path / "hub.toml"
        config.write_text(
            CONFIG.format(
                db=tmp_path / "hub.db",
                url=odoo.url,
                database=odoo.database,
                login=odoo.login,
                api_key=odoo.api_key,
            )
        )
        (tmp_path / "mapping.toml").write_text(MAPPING)
        hub = Hub(load_settings(config))
        hub.migrate()
        for number in range(1, ORDERS + 1):
            delivery = webhook(number)
            store_delivery(hub.engine, delivery)
            hub.enqueue(delivery.key or "")

        # The executor holds 60 s after Odoo answered: kill it in that window.
        first = _start(config, delay=60)
        created = lambda: all(moves_with_ref(odoo, key) for key in _keys())  # noqa: E731
        try:
            wait_for(created, first, timeout=60)
        finally:
            first.kill()
            first.wait()
        assert first.returncode == -signal.SIGKILL
        statuses = _invoice_statuses(hub.engine)
        assert len(statuses) == ORDERS
        assert set(statuses) == {CommandStatus.PENDING}

        second = _start(config, delay=None)
        done = lambda: _invoice_statuses(hub.engine) == [CommandStatus.DONE] * ORDERS  # noqa: E731
        try:
            wait_for(done, second, timeout=60)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
        hub.close()

        for key in _keys():
            [invoice] = moves_with_ref(odoo, key)
            assert invoice["state"] == "posted"
            assert str(invoice["amount_total"]) == "10.00"
        assert len(odoo.records("account.move")) == ORDERS
