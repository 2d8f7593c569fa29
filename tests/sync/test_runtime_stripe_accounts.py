"""The hub posts Stripe payouts' clearing entries with the mapping's ledger accounts,
and reverses the transfer of a payout the bank sends back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import settings_from_dict
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.stripe.generator import generate_payouts
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.sandbox.stripe.webhooks import WebhookSender
from o2c.errors import ConfigurationError
from sync.http.app import app_for_hub
from sync.http.server import ServerThread
from sync.runtime import Hub
from sync.store.models import Command, CommandStatus
from tests.sync.helpers import FakeSource
from tests.sync.invoicing_support import MAPPING

STRIPE_ACCOUNTS = """
[defaults.stripe]
clearing = "101402"
bank = "101401"
fee_default = "620000"
refunds = "121000"
disputes = "642000"
suspense = "642000"
"""


@pytest.fixture
def odoo() -> Iterator[SandboxOdoo]:
    with SandboxOdoo(version=19) as server:
        yield server


@pytest.fixture
def stripe() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=5) as server:
        yield server


def make_hub(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> Hub:
    config: dict[str, Any] = {
        "environment": "development",
        "store": {"url": sqlite_url},
        "odoo": {
            "url": odoo.url,
            "database": odoo.database,
            "login": odoo.login,
            "api_key": odoo.api_key,
            "protocol": "json2",
        },
        "stripe": {
            "api_key": API_KEY,
            "webhook_secret": "whsec_runtime",
            "api_base": stripe.url,
            "max_network_retries": 0,
        },
        "mapping": {"file": "mapping.toml"},
    }
    hub = Hub(settings_from_dict(config, base_dir=tmp_path), orders=FakeSource())
    hub.migrate()
    return hub


def test_paid_payout_with_mapped_accounts_posts_clearing_entries_in_odoo(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> None:
    (tmp_path / "mapping.toml").write_text(MAPPING + STRIPE_ACCOUNTS)
    start = int(time.time()) - 3 * 86400
    generate_payouts(
        stripe.account, start=start, payouts=1, charges_per_payout=6, currency="usd"
    )
    hub = make_hub(tmp_path, sqlite_url, odoo, stripe)
    try:
        hub.stripe_catch_up()
        for key in sorted({task.args[0] for task in hub.huey.pending()}):
            hub.process_key(key)
        queued = {task.name for task in hub.huey.pending()}
        result = hub.execute()
        with hub.engine.connect() as conn:
            rows = conn.execute(
                select(Command.status, Command.idempotency_key).where(
                    Command.kind == "PostJournalEntry"
                )
            ).all()
    finally:
        hub.close()

    assert any("execute" in name for name in queued)
    assert rows and all(status == CommandStatus.DONE for status, _ in rows)
    assert result.dead == 0, result.errors
    keys = {key for _, key in rows}
    entries = [
        move
        for move in odoo.records("account.move")
        if move["move_type"] == "entry" and move.get("ref") in keys
    ]
    assert len(entries) == len(rows)
    assert all(move["state"] == "posted" for move in entries)
    codes = {
        odoo.record("account.account", line["account_id"])["code"]
        for line in odoo.records("account.move.line")
        if line["move_id"] in {move["id"] for move in entries}
    }
    assert {"101402", "101401", "620000"} <= codes


def test_stripe_accounts_missing_entries_are_all_named(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> None:
    (tmp_path / "mapping.toml").write_text(
        MAPPING + '\n[defaults.stripe]\nclearing = "101402"\n'
    )
    hub = make_hub(tmp_path, sqlite_url, odoo, stripe)
    try:
        with pytest.raises(ConfigurationError) as caught:
            hub.process_key("stripe:default:payout:po_missing")
    finally:
        hub.close()
    message = str(caught.value)
    for name in ("bank", "fee_default", "refunds", "disputes", "suspense"):
        assert f"stripe.{name}" in message


def test_without_stripe_accounts_payouts_are_stored_and_nothing_is_queued(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> None:
    (tmp_path / "mapping.toml").write_text(MAPPING)
    start = int(time.time()) - 3 * 86400
    generate_payouts(
        stripe.account, start=start, payouts=1, charges_per_payout=3, currency="usd"
    )
    hub = make_hub(tmp_path, sqlite_url, odoo, stripe)
    try:
        hub.stripe_catch_up()
        for key in sorted({task.args[0] for task in hub.huey.pending()}):
            hub.process_key(key)
        with hub.engine.connect() as conn:
            commands = conn.execute(select(Command.id)).all()
    finally:
        hub.close()
    assert commands == []


def test_stripe_account_codes_unknown_to_odoo_are_all_named(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> None:
    unknown = STRIPE_ACCOUNTS.replace('"101402"', '"999001"').replace(
        'suspense = "642000"', 'suspense = "999002"'
    )
    (tmp_path / "mapping.toml").write_text(MAPPING + unknown)
    hub = make_hub(tmp_path, sqlite_url, odoo, stripe)
    try:
        with pytest.raises(ConfigurationError) as caught:
            hub.process_key("stripe:default:payout:po_missing")
    finally:
        hub.close()
    assert "999001" in str(caught.value)
    assert "999002" in str(caught.value)


def _run_queued_keys(hub: Hub) -> None:
    """Process every key waiting in the queue, then empty the queue."""
    tasks = [task for task in hub.huey.pending() if "process_key" in task.name]
    for key in sorted({task.args[0] for task in tasks}):
        hub.process_key(key)
    hub.huey.flush()


def _balance_on(odoo: SandboxOdoo, code: str, moves: list[dict[str, Any]]) -> Decimal:
    ids = {move["id"] for move in moves}
    return sum(
        (
            Decimal(str(line["debit"])) - Decimal(str(line["credit"]))
            for line in odoo.records("account.move.line")
            if line["move_id"] in ids
            and odoo.record("account.account", line["account_id"])["code"] == code
        ),
        Decimal(0),
    )


def test_payout_the_bank_returns_is_reversed_in_odoo_and_nets_to_zero(
    tmp_path: Path, sqlite_url: str, odoo: SandboxOdoo, stripe: SandboxStripe
) -> None:
    (tmp_path / "mapping.toml").write_text(MAPPING + STRIPE_ACCOUNTS)
    start = int(time.time()) - 3 * 86400
    activity = generate_payouts(
        stripe.account, start=start, payouts=1, charges_per_payout=5, currency="usd"
    )
    payout_id = activity.payouts[0]["id"]
    transfer, reversal = (
        f"o2c_hub.payout.stripe.{payout_id}",
        f"o2c_hub.payout_failed.stripe.{payout_id}",
    )
    hub = make_hub(tmp_path, sqlite_url, odoo, stripe)
    try:
        # The payout is paid and posted.
        hub.stripe_catch_up()
        _run_queued_keys(hub)
        first = hub.execute()

        # The bank sends it back; Stripe says so with a signed webhook.
        failed = stripe.account.fail_payout(payout_id, created=int(time.time()))
        event = next(
            e
            for e in stripe.store.objects["events"].values()
            if e["type"] == "payout.failed"
        )
        with ServerThread(app_for_hub(hub)) as server:
            sender = WebhookSender(f"{server.url}/webhooks/stripe", "whsec_runtime")
            answer = sender.deliver(event)
        _run_queued_keys(hub)
        second = hub.execute()
        with hub.engine.connect() as conn:
            statuses = dict(
                conn.execute(
                    select(Command.idempotency_key, Command.status).where(
                        Command.idempotency_key.in_([transfer, reversal])
                    )
                ).all()
            )
    finally:
        hub.close()

    assert first.dead == 0 and second.dead == 0, (first.errors, second.errors)
    assert answer.status_code == 200, answer.text
    assert statuses == {transfer: CommandStatus.DONE, reversal: CommandStatus.DONE}
    moves = {move.get("ref"): move for move in odoo.records("account.move")}
    pair = [moves[transfer], moves[reversal]]
    assert all(move["state"] == "posted" for move in pair)
    amount = Decimal(failed["amount"]) / 100
    assert _balance_on(odoo, "101401", [moves[transfer]]) == amount
    assert _balance_on(odoo, "101401", pair) == 0
    assert _balance_on(odoo, "101402", pair) == 0
    # Stripe kept its fees: their entry stays posted.
    fees = moves[f"o2c_hub.payout_fees.stripe.{payout_id}"]
    assert fees["state"] == "posted"
