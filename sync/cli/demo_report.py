"""What one `o2c-hub demo` run did, as one JSON object or a table for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from connectors.sandbox.shopify import SendStats
from sync.cli.demo_bank import StatementImports
from sync.cli.demo_erp import InvoiceCheck
from sync.cli.demo_stripe import StripeDelivery


@dataclass
class DemoRun:
    """What one demo did, for the summary."""

    folder: Path
    generated: int
    stats: SendStats
    seconds: float
    status: dict[str, Any]
    converged: int = 0
    mismatched: list[str] = field(default_factory=list)
    shopify_inbox: dict[str, int] = field(default_factory=dict)
    stripe_inbox: dict[str, int] = field(default_factory=dict)
    odoo_version: int = 19
    prepared: dict[str, int] = field(default_factory=dict)  # created in Odoo
    invoicing: dict[str, int] = field(default_factory=dict)  # outbox.demo_summary
    invoices: InvoiceCheck = field(default_factory=InvoiceCheck)
    stripe: StripeDelivery | None = None
    stripe_figures: dict[str, int] = field(default_factory=dict)
    storefront_payments: dict[str, int] = field(default_factory=dict)
    # Stripe charges named only by their storefront transactions' ids.
    storefront_charges: list[dict[str, Any]] = field(default_factory=list)
    statements: StatementImports | None = None


def summary_json(run: DemoRun) -> dict[str, Any]:
    """Return the demo's summary as one JSON-ready object."""
    return {
        "dir": str(run.folder),
        "config": str(run.folder / "hub.toml"),
        "mapping": str(run.folder / "mapping.toml"),
        "seconds": round(run.seconds, 2),
        "orders": {
            "generated": run.generated,
            "stored": run.status["orders"]["total"],
            "parked": run.shopify_inbox.get("parked", 0),
            "by_state": run.status["orders"]["by_state"],
            "latest_version_and_total": run.converged,
            "mismatched": run.mismatched,
        },
        "webhooks": {
            "sent": len({d.webhook_id for d in run.stats.sent}),
            "delivered": run.stats.delivered,
            "duplicates": run.stats.duplicates,
            "failures": run.stats.failures,
        },
        "inbox": run.shopify_inbox,
        **_erp_json(run),
        **_stripe_json(run),
        "statement_lines": _statements_json(run.statements),
        "dead_letters": run.status["dead_letters"],
        "dead_commands": run.status.get("dead_commands", 0),
    }


def _erp_json(run: DemoRun) -> dict[str, Any]:
    figures, check = run.invoicing, run.invoices
    return {
        "odoo": {"version": run.odoo_version, **run.prepared},
        "invoices": {
            "posted": figures.get("invoices.posted", 0),
            "held": figures.get("invoices.held", 0),
            "total_mismatches": figures.get("invoices.total_mismatches", 0),
            "expected": check.expected,
            "matching_order_total": check.matching,
            "with_payment": check.with_payment,
            "mismatched": check.mismatched,
            "missing": check.missing,
        },
        "credit_notes": {"posted": figures.get("credit_notes.posted", 0)},
        "erp": {"calls": figures.get("erp.calls", 0)},
    }


def _stripe_json(run: DemoRun) -> dict[str, Any]:
    sent, figures, storefront = run.stripe, run.stripe_figures, run.storefront_payments
    return {
        "payments": {
            "stripe": figures.get("payments", 0),
            "storefront_transactions": storefront.get("storefront_transactions", 0),
            "registered": storefront.get("registered", 0),
            "stripe_named_by_storefront": len(run.storefront_charges),
            "linked_storefront": storefront.get("linked_storefront", 0),
        },
        "payouts": {
            "generated": sent.payouts if sent else 0,
            "reconciled": figures.get("payouts_reconciled", 0),
            "transfers_posted": figures.get("payout_transfers", 0),
        },
        "journal_entries": {"posted": figures.get("journal_entries", 0)},
        "stripe_webhooks": {
            "events": sent.events if sent else 0,
            "delivered": sent.delivered if sent else 0,
            "duplicates": sent.duplicates if sent else 0,
            "failures": sent.failures if sent else 0,
        },
        "stripe_inbox": run.stripe_inbox,
    }


def _statements_json(imports: StatementImports | None) -> dict[str, Any]:
    if imports is None:
        return {"imported": 0, "reimported": 0, "duplicates_absorbed": 0, "files": 0}
    return {
        "imported": imports.first.lines_stored,
        "reimported": imports.again.lines_stored,
        "duplicates_absorbed": imports.again.lines_duplicate,
        "files": len(imports.first.files),
        "formats": sorted({item.file_format for item in imports.first.files}),
    }


def summary_table(run: DemoRun) -> Table:
    """Return the demo's summary as a table for a terminal."""
    data = summary_json(run)
    table = Table("", "", title="o2c-hub demo", show_header=False)
    orders, webhooks, invoices = data["orders"], data["webhooks"], data["invoices"]
    stripe, statements = data["stripe_webhooks"], data["statement_lines"]
    payments = data["payments"]
    rows = [
        ("orders generated", orders["generated"]),
        ("orders stored", orders["stored"]),
        ("stored at latest version, exact total", orders["latest_version_and_total"]),
        ("orders parked", orders["parked"]),
        ("webhooks sent (distinct)", webhooks["sent"]),
        ("webhooks delivered (incl. duplicates)", webhooks["delivered"]),
        ("duplicates absorbed", webhooks["duplicates"]),
        ("delivery failures", webhooks["failures"]),
        (f"invoices posted in Odoo {data['odoo']['version']}", invoices["posted"]),
        (
            "invoice total = order total (read back)",
            f"{invoices['matching_order_total']} of {invoices['expected']}",
        ),
        ("invoices with a payment (read back)", invoices["with_payment"]),
        ("invoices held", invoices["held"]),
        ("invoice total mismatches (hub's check)", invoices["total_mismatches"]),
        ("credit notes posted", data["credit_notes"]["posted"]),
        ("ERP calls", data["erp"]["calls"]),
        ("Stripe webhooks delivered (duplicates)", _pair(stripe)),
        ("storefront transactions stored", payments["storefront_transactions"]),
        ("payments registered in Odoo", payments["registered"]),
        ("Stripe payments stored", data["payments"]["stripe"]),
        ("Stripe payments linked via storefront", payments["linked_storefront"]),
        ("payouts reconciled", data["payouts"]["reconciled"]),
        ("journal entries posted", data["journal_entries"]["posted"]),
        ("statement lines imported", statements["imported"]),
        ("re-import: duplicates absorbed", statements["duplicates_absorbed"]),
        ("dead letters (inbox, commands)", _dead(data)),
        ("seconds", data["seconds"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _pair(stripe: dict[str, Any]) -> str:
    return f"{stripe['delivered']} ({stripe['duplicates']})"


def _dead(data: dict[str, Any]) -> str:
    return f"{data['dead_letters']}, {data['dead_commands']}"
