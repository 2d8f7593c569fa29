"""`o2c-hub demo`: the whole intake on one machine, against the sandbox Shopify.

Steps: write a sandbox `hub.toml` in a folder, start the sandbox Shopify, run an
embedded hub (HTTP on loopback and a threaded worker), generate orders, deliver the
webhooks of their lives as Shopify does (duplicates, out of order), wait until the
hub has processed everything, and summarise: what was generated, delivered, stored,
parked, and whether every stored order is the latest version with the right total.

This is the only production module allowed to import the simulators.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from config.settings import Settings, load_settings
from config.templates import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_WEBHOOK_SECRET,
    SandboxEndpoints,
    render_hub_toml,
)
from connectors.sandbox.shopify import (
    SandboxOrder,
    SandboxShopify,
    SendStats,
    WebhookSender,
    generate_orders,
    render_rest,
)
from connectors.shopify.parse import order_from_webhook
from o2c.errors import HubError
from o2c.money import Money
from sync.cli.context import guarded, stderr, stdout
from sync.cli.output import print_json
from sync.http import ServerThread, app_for_hub
from sync.runtime import Hub
from sync.status import hub_status
from sync.store.models import OrderRecord

DUPLICATE_RATE = 0.15
REORDER_WINDOW = 6
SETTLE_TIMEOUT_SECONDS = 180.0
STORE_FILES = ("o2c-hub.db", "o2c-queue.db")


class DemoError(HubError):
    """The demo could not finish (the hub did not settle in time)."""


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


@guarded
def demo_command(
    orders: int = typer.Option(50, "--orders", min=1, help="Orders to generate."),
    seed: int = typer.Option(7, "--seed", help="Seed of the order generator."),
    folder: Path | None = typer.Option(
        None, "--dir", help="Folder for hub.toml and the store (default: a new one)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run the sandbox Shopify and an embedded hub; deliver orders; summarise."""
    where = _prepare(folder)
    if not as_json:
        stdout.print(f"demo folder: {escape(str(where))}")
    run = run_demo(where, orders=orders, seed=seed, quiet=as_json)
    if as_json:
        print_json(summary_json(run))
    else:
        stdout.print(summary_table(run))
        stdout.print(
            "next: `o2c-hub --config "
            f"{escape(str(where / 'hub.toml'))} orders list` to see them"
        )


def _prepare(folder: Path | None) -> Path:
    """Return the demo folder; a rerun in the same folder starts a fresh store."""
    where = (folder or Path(tempfile.mkdtemp(prefix="o2c-hub-demo-"))).resolve()
    where.mkdir(parents=True, exist_ok=True)
    for name in STORE_FILES:
        for path in where.glob(f"{name}*"):
            path.unlink()
    return where


def run_demo(folder: Path, *, orders: int, seed: int, quiet: bool) -> DemoRun:
    """Run the demo in `folder`; return what happened. Raises DemoError."""
    started = time.monotonic()
    with SandboxShopify() as shopify:
        shopify.add_shop(
            SANDBOX_SHOP_DOMAIN, SANDBOX_ACCESS_TOKEN, SANDBOX_WEBHOOK_SECRET
        )
        settings = _write_config(folder, shopify.shop_url(SANDBOX_SHOP_DOMAIN))
        generated = generate_orders(orders, seed=seed, shop_domain=SANDBOX_SHOP_DOMAIN)
        shopify.add_orders(SANDBOX_SHOP_DOMAIN, generated)

        hub = Hub(settings)
        hub.migrate()
        worker = hub.start_worker(settings.queue.workers)
        server = ServerThread(app_for_hub(hub), port=0).start()
        try:
            stats = _deliver(server.url, generated, seed=seed, quiet=quiet)
            _settle(hub, quiet=quiet)
            status = hub_status(hub.engine, settings)
            run = DemoRun(folder, len(generated), stats, 0.0, status)
            _compare(hub.engine, settings, generated, run)
        finally:
            server.stop()
            worker.stop()
            hub.close()
    run.seconds = time.monotonic() - started
    return run


def _write_config(folder: Path, shopify_url: str) -> Settings:
    endpoints = SandboxEndpoints(
        shopify_url=shopify_url, odoo_url=None, stripe_url=None, hub_port=0
    )
    path = folder / "hub.toml"
    path.write_text(render_hub_toml(sandbox=True, endpoints=endpoints), "utf-8")
    return load_settings(path, environ={})


def _deliver(
    hub_url: str, generated: list[SandboxOrder], *, seed: int, quiet: bool
) -> SendStats:
    sender = WebhookSender(
        f"{hub_url}/webhooks/shopify", SANDBOX_WEBHOOK_SECRET, SANDBOX_SHOP_DOMAIN
    )
    deliveries = sender.deliveries_for(generated)
    if not quiet:
        stdout.print(
            f"delivering {len(deliveries)} webhooks for {len(generated)} orders "
            "(with duplicates and out of order)"
        )
    return sender.send(
        deliveries,
        duplicate_rate=DUPLICATE_RATE,
        reorder_window=REORDER_WINDOW,
        seed=seed,
    )


def _settle(hub: Hub, *, quiet: bool) -> None:
    """Wait until no inbox row can be worked on now; raises DemoError on timeout."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if hub_status(hub.engine, hub.settings)["inbox"]["due"] == 0:
            return
        time.sleep(0.2)
    due = hub_status(hub.engine, hub.settings)["inbox"]["due"]
    if not quiet:
        stderr.print(f"the hub still has {due} inbox row(s) to work on")
    raise DemoError(f"the hub did not settle within {SETTLE_TIMEOUT_SECONDS:g} s")


def _compare(
    engine: Engine, settings: Settings, generated: list[SandboxOrder], run: DemoRun
) -> None:
    """Count stored orders equal to the latest version Shopify would report."""
    shop = settings.shops[0].name
    with Session(engine) as session:
        stored = {
            record.external_id: record
            for record in session.scalars(
                select(OrderRecord).where(OrderRecord.shop == shop)
            )
        }
    for order in generated:
        latest = order_from_webhook(render_rest(order), shop=shop)
        record = stored.get(latest.external_id)
        if record is not None and _same(record, latest.version, latest.total.shop):
            run.converged += 1
        else:
            run.mismatched.append(latest.number)


def _same(record: OrderRecord, version: datetime, total: Money) -> bool:
    same_version: bool = record.version == version
    return (
        same_version
        and Decimal(record.total_amount) == total.amount
        and record.currency == total.currency
    )


def summary_json(run: DemoRun) -> dict[str, Any]:
    """Return the demo's summary as one JSON-ready object."""
    inbox = run.status["inbox"]["by_status"]
    return {
        "dir": str(run.folder),
        "config": str(run.folder / "hub.toml"),
        "seconds": round(run.seconds, 2),
        "orders": {
            "generated": run.generated,
            "stored": run.status["orders"]["total"],
            "parked": inbox["parked"],
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
        "inbox": inbox,
        "dead_letters": run.status["dead_letters"],
    }


def summary_table(run: DemoRun) -> Table:
    """Return the demo's summary as a table for a terminal."""
    data = summary_json(run)
    table = Table("", "", title="o2c-hub demo", show_header=False)
    orders, webhooks = data["orders"], data["webhooks"]
    rows = [
        ("orders generated", orders["generated"]),
        ("orders stored", orders["stored"]),
        ("stored at latest version, exact total", orders["latest_version_and_total"]),
        ("orders parked", orders["parked"]),
        ("webhooks sent (distinct)", webhooks["sent"]),
        ("webhooks delivered (incl. duplicates)", webhooks["delivered"]),
        ("duplicates absorbed", webhooks["duplicates"]),
        ("delivery failures", webhooks["failures"]),
        ("dead letters", data["dead_letters"]),
        ("seconds", data["seconds"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table
