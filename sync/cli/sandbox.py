"""`o2c-hub sandbox`: the local Shopify, Odoo and Stripe for `init --sandbox`.

The simulators listen on the ports `o2c-hub init --sandbox` writes (8701, 8702,
8703 unless told otherwise) with the sandbox's fixed credentials, so that
`o2c-hub run` and `o2c-hub check` on that hub.toml reach them. With `--orders N`
the sandbox shop gets N generated orders, the sandbox Odoo the products and taxes
they need, the sandbox Stripe account their card payments, refunds, a dispute
and payouts, the hub folder a mapping.toml (if it has none), and the hub the
orders' signed webhooks, then Stripe's events, once it answers. Runs until
SIGINT or SIGTERM.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from config.templates import (
    SANDBOX_HOST,
    SANDBOX_ODOO_PORT,
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_SHOP_NAME,
    SANDBOX_SHOPIFY_PORT,
    SANDBOX_STRIPE_PORT,
)
from sync.cli.context import EXIT_CONFIG, fail, guarded, state, stdout
from sync.cli.output import print_json

if TYPE_CHECKING:
    from config.settings import Settings
    from sync.cli.simulators import (
        Activity,
        SandboxOrder,
        SendStats,
        Simulators,
        StripeSent,
    )

ODOO_VERSIONS = (16, 19)
MAX_PORT = 65535
TITLES = {"shopify": "Shopify", "odoo": "Odoo", "stripe": "Stripe"}


@dataclass(frozen=True)
class HubFile:
    """The hub.toml the simulators serve: its settings, or why there are none."""

    path: Path
    settings: Settings | None = None
    problem: str | None = None

    @classmethod
    def read(cls, path: Path) -> HubFile:
        """Load the hub's settings as `o2c-hub run` would (environment included)."""
        from config.settings import ConfigError, load_settings

        if not path.exists():
            return cls(path, problem="no hub.toml: write one with `init --sandbox`")
        try:
            return cls(path, settings=load_settings(path))
        except ConfigError as exc:
            return cls(
                path, problem="hub.toml cannot be used: " + "; ".join(exc.problems)
            )


@guarded
def sandbox_command(
    ctx: typer.Context,
    folder: Path = typer.Option(
        Path("."), "--dir", help="Folder of the hub.toml from `init --sandbox`."
    ),
    host: str = typer.Option(SANDBOX_HOST, "--host", help="Address to listen on."),
    shopify_port: int = typer.Option(
        SANDBOX_SHOPIFY_PORT,
        "--shopify-port",
        min=0,
        max=MAX_PORT,
        help="Shopify's port.",
    ),
    odoo_port: int = typer.Option(
        SANDBOX_ODOO_PORT, "--odoo-port", min=0, max=MAX_PORT, help="Odoo's port."
    ),
    stripe_port: int = typer.Option(
        SANDBOX_STRIPE_PORT, "--stripe-port", min=0, max=MAX_PORT, help="Stripe's port."
    ),
    odoo_version: int = typer.Option(
        19,
        "--odoo-version",
        min=ODOO_VERSIONS[0],
        max=ODOO_VERSIONS[1],
        help="Version of the sandbox Odoo (16 to 19).",
    ),
    orders: int = typer.Option(
        0, "--orders", min=0, help="Orders to generate in the sandbox shop."
    ),
    seed: int = typer.Option(7, "--seed", help="Seed of the order generator."),
    no_webhooks: bool = typer.Option(
        False,
        "--no-webhooks",
        help="Send no webhooks: the hub loads the orders with `backfill` (they are "
        "older than the day its first poll looks back), and Stripe's events by its "
        "catch-up.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Run the sandbox Shopify, Odoo and Stripe until Ctrl-C (for `init --sandbox`)."""
    from sync.cli import simulators
    from sync.cli.processes import stop_signals

    config = (state(ctx).config or folder / "hub.toml").expanduser().resolve()
    hub = HubFile.read(config)
    ports = simulators.Ports(shopify=shopify_port, odoo=odoo_port, stripe=stripe_port)
    with ExitStack() as stack:
        wait_for_stop = stack.enter_context(stop_signals())
        try:
            running = simulators.start_simulators(
                stack, host=host, ports=ports, odoo_version=odoo_version, seed=seed
            )
        except simulators.SimulatorAddressError as exc:
            hint = f"; choose another with --{exc.name.lower()}-port"
            raise fail(f"error: {exc}{hint}", EXIT_CONFIG) from None
        described = running.describe()
        report: dict[str, Any] = {
            "simulators": described,
            "config": _config_report(hub, described),
            "orders": {"generated": 0, "webhooks_to": None},
            "payments": {"charges": 0, "webhooks_to": None},
        }
        feed = None
        if orders:
            generated = simulators.add_orders(running, orders, seed=seed)
            report["orders"] = _prepared_orders(running, generated, hub)
            report["payments"] = _payments(simulators.add_payments(running, generated))
            # Shopify and Stripe keep a webhook until the endpoint takes it: the
            # feed waits for the hub, so `run` may start before or after the sandbox.
            if not no_webhooks and hub.settings is not None:
                target = _hub_url(hub.settings)
                report["orders"]["webhooks_to"] = f"{target}/webhooks/shopify"
                report["payments"]["webhooks_to"] = f"{target}/webhooks/stripe"
                feed = simulators.WebhookFeed(
                    target,
                    generated,
                    on_done=_delivered_printer(as_json),
                    stripe=running.stripe,
                )
        _print_report(report, as_json=as_json)
        if feed is not None:
            stack.callback(feed.start().stop)
        wait_for_stop()
    if not as_json:
        stdout.print("sandbox stopped")


def _prepared_orders(
    running: Simulators, generated: list[SandboxOrder], hub: HubFile
) -> dict[str, Any]:
    """Prepare Odoo (and the hub's mapping) for the generated orders; report."""
    from sync.cli.simulators import prepare_for_orders

    mapping = hub.settings.mapping_file if hub.settings is not None else None
    prepared = prepare_for_orders(running, generated, mapping=mapping)
    return {"generated": len(generated), "webhooks_to": None, **prepared}


def _payments(activity: Activity) -> dict[str, Any]:
    """What the sandbox Stripe account holds for the hub to read."""
    return {
        "charges": len(activity.charges),
        "refunds": len(activity.refunds),
        "disputes": len(activity.disputes),
        "payouts": len(activity.payouts),
        "webhooks_to": None,
    }


def _config_report(
    hub: HubFile, described: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Say whether the hub.toml points at these simulators, and why not."""
    if hub.settings is None:
        problems = [hub.problem or "no settings"]
    else:
        problems = _differences(hub.settings, described)
    return {
        "path": str(hub.path),
        "found": hub.path.exists(),
        "reaches_simulators": not problems,
        "problems": problems,
    }


def _differences(settings: Settings, described: dict[str, dict[str, Any]]) -> list[str]:
    """Return what in the settings does not match the running simulators."""
    shopify, odoo, stripe = (described[k] for k in ("shopify", "odoo", "stripe"))
    problems: list[str] = []
    if settings.environment != "sandbox":
        problems.append(f'environment is "{settings.environment}", not "sandbox"')
    shop = settings.shop_by_domain(SANDBOX_SHOP_DOMAIN)
    if shop is None:
        problems.append(f"no shop with domain {SANDBOX_SHOP_DOMAIN}")
    else:
        problems += _mismatches(
            f"shop {shop.name}",
            [
                ("api_base_url", shop.base_url, shopify["api_base_url"]),
                ("access_token", _secret(shop.access_token), shopify["access_token"]),
                (
                    "webhook_secret",
                    _secret(shop.webhook_secret),
                    shopify["webhook_secret"],
                ),
            ],
        )
    if settings.odoo is None:
        problems.append("no [odoo] section")
    else:
        problems += _mismatches(
            "odoo",
            [
                ("url", settings.odoo.url, odoo["url"]),
                ("database", settings.odoo.database, odoo["database"]),
                ("login", settings.odoo.login, odoo["login"]),
                ("api_key", _secret(settings.odoo.api_key), odoo["api_key"]),
            ],
        )
    if settings.stripe is None:
        problems.append("no [stripe] section")
    else:
        problems += _mismatches(
            "stripe",
            [
                ("api_base", settings.stripe.api_base or "", stripe["url"]),
                ("api_key", _secret(settings.stripe.api_key), stripe["api_key"]),
                (
                    "webhook_secret",
                    _secret(settings.stripe.webhook_secret),
                    stripe["webhook_secret"],
                ),
            ],
        )
    return problems


def _mismatches(section: str, pairs: list[tuple[str, str, str]]) -> list[str]:
    """Return `section.key is X, the sandbox has Y` for every pair that differs."""
    return [
        f"{section}.{key} is {configured!r}, the sandbox has {served!r}"
        for key, configured, served in pairs
        if configured.rstrip("/") != served.rstrip("/")
    ]


def _secret(value: Any) -> str:
    return str(value.get_secret_value())


def _hub_url(settings: Settings) -> str:
    """Return the base URL to reach the hub's HTTP server from this machine."""
    host = settings.server.host
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.server.port}"


def _print_report(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(report)
        sys.stdout.flush()
        return
    for name, facts in report["simulators"].items():
        version = f" {facts['version']}" if "version" in facts else ""
        stdout.print(f"sandbox {TITLES[name]}{version} on {escape(facts['url'])}")
        for key, value in facts.items():
            if key not in ("url", "version"):
                stdout.print(f"  {key:<15} {escape(str(value))}")
    config = report["config"]
    where = escape(config["path"])
    if config["reaches_simulators"]:
        stdout.print(
            f"{where}: `o2c-hub --config {where} check` and `run` "
            "reach these simulators"
        )
    else:
        stdout.print(f"{where}: the hub will not reach these simulators:")
        for problem in config["problems"]:
            stdout.print(f"  {escape(problem)}")
    _print_orders(report["orders"], where)
    _print_payments(report["payments"])
    stdout.print("sandbox running: stop with Ctrl-C")


def _print_orders(orders: dict[str, Any], where: str) -> None:
    if not orders["generated"]:
        return
    stdout.print(
        f"{orders['generated']} order(s) in the sandbox shop; sandbox Odoo got "
        f"{orders['products']} product(s) and {orders['taxes']} tax(es) for them"
    )
    if orders["mapping_written"]:
        stdout.print("mapping.toml written beside hub.toml")
    target = orders["webhooks_to"]
    if target:
        stdout.print(
            f"their webhooks go to {escape(target)} once the hub answers "
            f"(`o2c-hub --config {where} run`)"
        )
    else:
        stdout.print(
            "no webhooks sent: load the orders with "
            f"`o2c-hub --config {where} backfill --shop {SANDBOX_SHOP_NAME}` "
            "(they are older than the day the first poll looks back)"
        )


def _print_payments(payments: dict[str, Any]) -> None:
    if not payments["charges"]:
        return
    stdout.print(
        f"sandbox Stripe: {payments['charges']} charge(s), {payments['refunds']} "
        f"refund(s), {payments['disputes']} dispute(s), {payments['payouts']} payout(s)"
    )
    target = payments["webhooks_to"]
    if target:
        stdout.print(f"their events go to {escape(target)} after the orders' webhooks")
    else:
        stdout.print("no Stripe events sent: the hub's catch-up reads them")


def _delivered_printer(as_json: bool) -> Callable[[SendStats, StripeSent], None]:
    """Return the callback that reports the webhook deliveries (quiet in JSON)."""

    def report(stats: SendStats, stripe: StripeSent) -> None:
        if not as_json:
            stdout.print(
                f"webhooks: {stats.delivered} delivered, {stats.failures} failed; "
                f"Stripe events: {stripe.delivered} delivered, {stripe.failures} failed"
            )

    return report
