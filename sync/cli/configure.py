"""`o2c-hub init` writes a commented configuration; `o2c-hub check` proves it works."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from config.templates import (
    HUB_PORT,
    SANDBOX_ODOO_PORT,
    SANDBOX_SHOPIFY_PORT,
    SANDBOX_STRIPE_PORT,
    SandboxEndpoints,
    render_hub_toml,
)
from sync.cli.context import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    fail,
    guarded,
    settings_of,
    state,
    stdout,
)
from sync.cli.output import print_json

MAX_PORT = 65535


@guarded
def init_command(
    ctx: typer.Context,
    folder: Path = typer.Option(
        Path("."), "--dir", help="Folder to write hub.toml into (created if needed)."
    ),
    sandbox: bool = typer.Option(
        False, "--sandbox", help="Point every connector at the local simulators."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    shopify_port: int | None = typer.Option(
        None,
        "--shopify-port",
        min=1,
        max=MAX_PORT,
        help=f"With --sandbox: the sandbox Shopify's port [{SANDBOX_SHOPIFY_PORT}].",
    ),
    odoo_port: int | None = typer.Option(
        None,
        "--odoo-port",
        min=1,
        max=MAX_PORT,
        help=f"With --sandbox: the sandbox Odoo's port [{SANDBOX_ODOO_PORT}].",
    ),
    stripe_port: int | None = typer.Option(
        None,
        "--stripe-port",
        min=1,
        max=MAX_PORT,
        help=f"With --sandbox: the sandbox Stripe's port [{SANDBOX_STRIPE_PORT}].",
    ),
    hub_port: int | None = typer.Option(
        None,
        "--hub-port",
        min=0,
        max=MAX_PORT,
        help=f"With --sandbox: the hub's HTTP port, server.port [{HUB_PORT}].",
    ),
) -> None:
    """Write a commented hub.toml (production placeholders, or the sandbox)."""
    ports = {
        "--shopify-port": shopify_port,
        "--odoo-port": odoo_port,
        "--stripe-port": stripe_port,
        "--hub-port": hub_port,
    }
    given = [name for name, port in ports.items() if port is not None]
    if given and not sandbox:
        raise fail(f"error: {', '.join(given)} needs --sandbox", EXIT_CONFIG)
    endpoints = SandboxEndpoints.on_ports(
        shopify=shopify_port or SANDBOX_SHOPIFY_PORT,
        odoo=odoo_port or SANDBOX_ODOO_PORT,
        stripe=stripe_port or SANDBOX_STRIPE_PORT,
        hub=HUB_PORT if hub_port is None else hub_port,
    )
    target = state(ctx).config or folder / "hub.toml"
    target = target.expanduser().resolve()
    if target.exists() and not force:
        raise fail(f"error: {target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_hub_toml(sandbox=sandbox, endpoints=endpoints)
    target.write_text(text, encoding="utf-8")
    stdout.print(f"wrote {escape(str(target))}")
    where = escape(str(target))
    if sandbox:
        stdout.print(
            f"next: `o2c-hub sandbox --dir {escape(str(target.parent))}"
            f"{_port_flags(shopify_port, odoo_port, stripe_port)}` "
            f"starts the simulators, then `o2c-hub --config {where} check`"
        )
    else:
        stdout.print(
            f"next: edit the configuration, then `o2c-hub --config {where} check`"
        )


def _port_flags(shopify: int | None, odoo: int | None, stripe: int | None) -> str:
    """Return the `o2c-hub sandbox` options for the ports that are not defaults."""
    flags = {"--shopify-port": shopify, "--odoo-port": odoo, "--stripe-port": stripe}
    return "".join(f" {flag} {port}" for flag, port in flags.items() if port)


@guarded
def check_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON results."),
) -> None:
    """Validate the configuration and reach every configured system."""
    from config.settings import config_path
    from sync.check import check_all

    settings = settings_of(ctx)
    results = check_all(settings)
    where = str(config_path(state(ctx).config))
    if as_json:
        print_json(
            {
                "config": where,
                "ok": all(result.ok for result in results),
                "checks": [result.as_json() for result in results],
            }
        )
    else:
        stdout.print(f"configuration {escape(where)}: valid")
        for result in results:
            mark = "[green]ok[/green]  " if result.ok else "[red]FAIL[/red]"
            stdout.print(f"{mark} {escape(result.name)}: {escape(result.detail)}")
    failed = [result.name for result in results if not result.ok]
    if failed:
        raise typer.Exit(EXIT_FAILURE)
