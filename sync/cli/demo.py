"""`o2c-hub demo`: order to cash on one machine, against the three sandboxes.

Steps: start the sandbox Shopify, Odoo and Stripe; set Odoo up as an operator
would (products and taxes the orders need) and write `hub.toml` and
`mapping.toml` in a folder; run an embedded hub (HTTP on loopback and a threaded
worker); deliver the orders' webhooks as Shopify does (duplicates, out of order);
let the hub invoice them in Odoo; send Stripe's webhooks of a few days of card
payments (a dispute, an automatic and a manual payout) so the hub posts the
clearing entries; import a CAMT.053 and an MT940 statement twice; then read the
invoices back from Odoo and summarise. The run itself is in `demo_run`, imported
when the command runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.markup import escape

from sync.cli.context import guarded, stdout
from sync.cli.output import print_json

STORE_FILES = ("o2c-hub.db", "o2c-queue.db")
ODOO_VERSIONS = (16, 19)


@guarded
def demo_command(
    orders: int = typer.Option(50, "--orders", min=1, help="Orders to generate."),
    seed: int = typer.Option(7, "--seed", help="Seed of the order generator."),
    odoo_version: int = typer.Option(
        19,
        "--odoo-version",
        min=ODOO_VERSIONS[0],
        max=ODOO_VERSIONS[1],
        help="Version of the sandbox Odoo (16 to 19).",
    ),
    folder: Path | None = typer.Option(
        None, "--dir", help="Folder for hub.toml and the store (default: a new one)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run the sandboxes and an embedded hub, order to cash; summarise."""
    from sync.cli.demo_report import summary_json, summary_table
    from sync.cli.demo_run import run_demo

    where = _prepare(folder)
    if not as_json:
        stdout.print(f"demo folder: {escape(str(where))}")
    run = run_demo(
        where, orders=orders, seed=seed, odoo_version=odoo_version, quiet=as_json
    )
    if as_json:
        print_json(summary_json(run))
    else:
        stdout.print(summary_table(run))
        stdout.print(
            "next: `o2c-hub --config "
            f"{escape(str(where / 'hub.toml'))} status` to look around"
        )


def _prepare(folder: Path | None) -> Path:
    """Return the demo folder; a rerun in the same folder starts a fresh store."""
    where = (folder or Path(tempfile.mkdtemp(prefix="o2c-hub-demo-"))).resolve()
    where.mkdir(parents=True, exist_ok=True)
    for name in STORE_FILES:
        for path in where.glob(f"{name}*"):
            path.unlink()
    return where
