"""The root `o2c-hub` command: the global `--config` option and every sub-command.

Every command module imported here is light: it imports its database, web and
connector libraries inside its commands, so `o2c-hub --help` and a command that
needs little start quickly (tests/sync/cli/test_startup.py keeps them so).
"""

from __future__ import annotations

from pathlib import Path

import typer

from sync.cli import (
    admin,
    configure,
    demo,
    mapping,
    orders,
    payments,
    processes,
    sandbox,
    statements,
    webhooks,
)
from sync.cli.context import CliState

app = typer.Typer(
    name="o2c-hub",
    help="Self-hosted order-to-cash hub: storefront orders in, ERP invoices out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="Configuration file (default: $O2C_HUB_CONFIG, else ./hub.toml).",
        envvar=None,
    ),
) -> None:
    """Self-hosted order-to-cash hub: storefront orders in, ERP invoices out."""
    ctx.obj = CliState(config=config)


app.command("init")(configure.init_command)
app.command("check")(configure.check_command)
app.command("run")(processes.run_command)
app.command("serve")(processes.serve_command)
app.command("worker")(processes.worker_command)
app.command("scheduler")(processes.scheduler_command)
app.command("backfill")(processes.backfill_command)
app.command("status")(admin.status_command)
app.command("demo")(demo.demo_command)
app.command("sandbox")(sandbox.sandbox_command)
app.add_typer(orders.app, name="orders")
app.add_typer(admin.dead_letters_app, name="dead-letters")
app.add_typer(mapping.app, name="mapping")
app.add_typer(statements.app, name="statements")
app.add_typer(payments.payments_app, name="payments")
app.add_typer(payments.payouts_app, name="payouts")
app.add_typer(webhooks.app, name="webhooks")
