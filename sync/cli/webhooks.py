"""`o2c-hub webhooks list|register`: a shop's webhook subscriptions, and the hub's.

`register` subscribes every topic order intake acts on (`sync.intake.ORDER_TOPICS`)
to the hub's Shopify endpoint under the public address given, creating only the
subscriptions missing: run it again and nothing changes. Shopify signs these
deliveries with the app's secret, the shop's `webhook_secret`. Both commands use the
shop's Admin API token from the configuration.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer
from rich.markup import escape
from rich.table import Table

from sync.cli.context import guarded, settings_of
from sync.cli.output import print_json, show

if TYPE_CHECKING:
    from config.settings import ShopSettings
    from connectors.shopify.client import ShopifyClient

app = typer.Typer(
    help="Shopify webhook subscriptions: list them, subscribe the hub.",
    no_args_is_help=True,
)

ENDPOINT = "/webhooks/shopify"
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")
SHOP_OPTION = typer.Option(..., "--shop", help="The shop's configured name.")


@app.command("list")
@guarded
def list_command(
    ctx: typer.Context, shop: str = SHOP_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Show the shop's webhook subscriptions."""
    from connectors.shopify.subscriptions import list_subscriptions
    from sync.intake import ORDER_TOPICS

    subscriptions = list_subscriptions(_client(ctx, shop), sorted(ORDER_TOPICS))
    if as_json:
        print_json({"shop": shop, "subscriptions": [asdict(s) for s in subscriptions]})
        return
    table = Table("Topic", "Address", "Format", "Id", title=f"webhooks of {shop}")
    for s in subscriptions:
        table.add_row(s.topic, escape(s.uri), s.format, s.id)
    show(table if subscriptions else f"shop {shop} has no webhook subscriptions")


@app.command("register")
@guarded
def register_command(
    ctx: typer.Context,
    shop: str = SHOP_OPTION,
    url: str = typer.Option(
        ..., "--url", help="The hub's public base URL, e.g. https://hub.example.com."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Subscribe the hub to the shop's order webhooks (only what is missing)."""
    from connectors.shopify.subscriptions import subscribe
    from sync.intake import ORDER_TOPICS

    uri = endpoint_address(url)
    results = subscribe(_client(ctx, shop), uri, sorted(ORDER_TOPICS))
    if as_json:
        subscriptions = [{**asdict(s), "created": created} for s, created in results]
        print_json({"shop": shop, "uri": uri, "subscriptions": subscriptions})
        return
    table = Table("Topic", "Subscription", "", title=f"{shop} -> {escape(uri)}")
    for s, created in results:
        table.add_row(s.topic, s.id, "created" if created else "already there")
    show(table)
    made = sum(created for _, created in results)
    show(f"{made} created, {len(results) - made} already there")


def endpoint_address(url: str) -> str:
    """Return the hub's Shopify endpoint under its public base URL.

    Raises typer.BadParameter for a URL that is not http(s) with a host, or that
    carries a query or fragment.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise typer.BadParameter(
            f"{url!r} is not an http(s) URL with a host", param_hint="--url"
        )
    if parts.query or parts.fragment:
        raise typer.BadParameter(
            "give the base URL only, without query or fragment", param_hint="--url"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{ENDPOINT}"


def _client(ctx: typer.Context, name: str) -> ShopifyClient:
    from connectors.shopify.client import ShopifyClient
    from o2c.errors import ConfigurationError

    settings = settings_of(ctx)
    try:
        shop: ShopSettings = settings.shop(name)
    except KeyError as exc:
        raise ConfigurationError(str(exc.args[0])) from None
    return ShopifyClient.from_settings(shop)
