"""`o2c-hub demo`: sandbox Shopify, Odoo and Stripe, an embedded hub, a summary."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sync.cli.app import app
from sync.cli.demo_report import DemoRun, summary_json
from sync.cli.demo_run import run_demo

runner = CliRunner()


def run_json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, ["demo", *args, "--json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def test_demo_json_summary_shows_every_order_stored_once(tmp_path: Path) -> None:
    summary = run_json(["--orders", "6", "--seed", "3", "--dir", str(tmp_path)])
    assert summary["orders"]["generated"] == 6
    assert summary["orders"]["stored"] == 6
    assert summary["orders"]["parked"] == 0
    assert summary["orders"]["latest_version_and_total"] == 6
    assert summary["orders"]["mismatched"] == []
    webhooks = summary["webhooks"]
    assert webhooks["failures"] == 0
    assert webhooks["delivered"] == webhooks["sent"] + webhooks["duplicates"]
    assert summary["inbox"]["pending"] == 0
    assert summary["inbox"]["done"] + summary["inbox"]["ignored"] == webhooks["sent"]
    config = tomllib.loads((tmp_path / "hub.toml").read_text())
    assert config["environment"] == "sandbox"


def test_demo_invoices_every_order_in_odoo_with_the_order_total(
    tmp_path: Path,
) -> None:
    summary = run_json(["--orders", "12", "--seed", "5", "--dir", str(tmp_path)])

    invoices = summary["invoices"]
    assert invoices["posted"] > 0
    # Read back from Odoo: every posted invoice of an order has its total.
    assert invoices["expected"] == invoices["posted"]
    assert invoices["matching_order_total"] == invoices["posted"]
    assert invoices["mismatched"] == []
    assert invoices["missing"] == []
    assert invoices["total_mismatches"] == 0
    assert invoices["held"] == 0
    assert summary["credit_notes"]["posted"] >= 0
    # Each transaction came as its own webhook; captures and sales were applied
    # to the invoices in Odoo, which read back as (partly) paid.
    payments = summary["payments"]
    assert payments["storefront_transactions"] > 0
    assert payments["registered"] > 0
    assert 0 < invoices["with_payment"] <= payments["registered"]
    assert summary["erp"]["calls"] > 0
    assert summary["odoo"]["version"] == 19
    assert summary["dead_letters"] == 0
    assert summary["dead_commands"] == 0


def test_demo_posts_stripe_payouts_and_imports_statements_once(
    tmp_path: Path,
) -> None:
    summary = run_json(["--orders", "6", "--seed", "9", "--dir", str(tmp_path)])

    assert summary["payments"]["stripe"] > 0
    assert summary["payouts"]["generated"] == 2  # automatic and manual
    assert summary["payouts"]["reconciled"] > 0
    assert summary["journal_entries"]["posted"] > 0
    stripe = summary["stripe_webhooks"]
    assert stripe["failures"] == 0
    assert stripe["delivered"] == stripe["events"] + stripe["duplicates"]
    stripe_inbox = summary["stripe_inbox"]
    assert stripe_inbox["pending"] == 0
    assert stripe_inbox["done"] + stripe_inbox["ignored"] == stripe["events"]
    lines = summary["statement_lines"]
    assert lines["imported"] > 0
    assert lines["reimported"] == 0
    assert lines["duplicates_absorbed"] == lines["imported"]
    assert lines["formats"] == ["camt", "mt940"]


def test_demo_writes_odoo_stripe_and_mapping_configuration(tmp_path: Path) -> None:
    run_json(["--orders", "2", "--dir", str(tmp_path)])
    config = tomllib.loads((tmp_path / "hub.toml").read_text())
    assert config["odoo"]["url"].startswith("http://127.0.0.1:")
    assert config["stripe"]["api_base"].startswith("http://127.0.0.1:")
    mapping = tomllib.loads((tmp_path / "mapping.toml").read_text())
    assert mapping["defaults"]["accounts"]["entry_journal"] == "MISC"
    assert set(mapping["defaults"]["stripe"]) >= {"clearing", "bank", "fee_default"}
    assert (tmp_path / "statements" / "demo-camt053.xml").exists()
    assert (tmp_path / "statements" / "demo-mt940.sta").exists()


def test_demo_rerun_in_the_same_folder_on_odoo_16_starts_a_fresh_store(
    tmp_path: Path,
) -> None:
    args = ["--orders", "3", "--odoo-version", "16", "--dir", str(tmp_path)]
    run_json(args)
    again = run_json(args)
    assert again["orders"]["stored"] == 3
    assert again["odoo"]["version"] == 16
    assert again["invoices"]["matching_order_total"] == again["invoices"]["posted"]
    assert again["statement_lines"]["reimported"] == 0


def test_demo_refuses_an_odoo_version_the_sandbox_lacks(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--odoo-version", "15", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "hub.toml").exists()


def test_demo_table_for_people(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--orders", "2", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "orders stored" in result.stdout
    assert "duplicates absorbed" in result.stdout
    assert "invoice total = order total" in result.stdout
    assert "payouts reconciled" in result.stdout
    assert "payments registered in Odoo" in result.stdout


def test_demo_links_stripe_charges_to_orders_through_storefront_transactions(
    tmp_path: Path,
) -> None:
    run = run_demo(tmp_path, orders=30, seed=11, quiet=True)
    summary = summary_json(run)

    # The charges carry no order metadata or description: only a delivered
    # storefront transaction naming the charge or its intent can link them.
    charges = run.storefront_charges
    assert charges
    assert all(c["metadata"] == {} and c["description"] is None for c in charges)
    assert run.stats.failures == 0
    named = _ids_named_by_delivered_transactions(run)
    expected = sum(1 for c in charges if {c["id"], c["payment_intent"]} & named)
    payments = summary["payments"]
    assert payments["stripe_named_by_storefront"] == len(charges)
    assert payments["linked_storefront"] == expected > 0
    assert summary["stripe_webhooks"]["failures"] == 0
    assert summary["dead_letters"] == 0
    assert summary["dead_commands"] == 0


def _ids_named_by_delivered_transactions(run: DemoRun) -> set[str]:
    """The charge and intent ids the delivered transaction webhooks name."""
    named: set[str] = set()
    for delivery in run.stats.sent:
        if delivery.topic == "order_transactions/create":
            body = json.loads(delivery.body)
            named |= {body["authorization"], body["payment_id"]} - {None}
    return named
