"""The three simulators with the sandbox's fixed credentials, and their orders.

`o2c-hub sandbox` and `o2c-hub demo` start the sandbox Shopify, Odoo and Stripe
here, with the same shop domain, tokens, secrets and Odoo API key that
`o2c-hub init --sandbox` writes into hub.toml (config/templates.py), so a hub
configured by `init --sandbox` reaches them as they are. Generated orders are
delivered as Shopify does: signed webhooks, retried until the hub answers; the
Stripe account's events follow, signed as Stripe signs them.

This module and the demo's are the only production modules allowed to import
the simulators.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from config.templates import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_HOST,
    SANDBOX_ODOO_API_KEY,
    SANDBOX_ODOO_DATABASE,
    SANDBOX_ODOO_LOGIN,
    SANDBOX_ODOO_PORT,
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_SHOP_NAME,
    SANDBOX_SHOPIFY_PORT,
    SANDBOX_STRIPE_API_KEY,
    SANDBOX_STRIPE_PORT,
    SANDBOX_STRIPE_WEBHOOK_SECRET,
    SANDBOX_WEBHOOK_SECRET,
)
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify import (
    SandboxOrder,
    SandboxShopify,
    SendStats,
    WebhookSender,
    generate_orders,
    render_rest,
)
from connectors.sandbox.stripe.generator import Activity
from connectors.sandbox.stripe.server import SandboxStripe
from connectors.sandbox.stripe.webhooks import WebhookSender as StripeSender
from connectors.shopify.parse import order_from_webhook
from o2c.errors import HubError
from sync.cli.demo_erp import OdooAdmin, prepare_odoo, write_mapping
from sync.cli.demo_stripe import (
    account_events,
    charge_storefront_orders,
    generate_activity,
)

__all__ = [
    "ANY_FREE_PORTS",
    "Activity",
    "Ports",
    "SandboxOrder",
    "SendStats",
    "SimulatorAddressError",
    "Simulators",
    "StripeSent",
    "WebhookFeed",
    "add_orders",
    "add_payments",
    "prepare_for_orders",
    "start_simulators",
    "webhook_sender",
]

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2.0
HUB_WAIT_SECONDS = 1.0
DELIVERY_ATTEMPTS = 5
RETRY_DELAY_SECONDS = 1.0


class SimulatorAddressError(HubError):
    """A simulator cannot listen where it was told (port taken, no such address)."""

    def __init__(self, name: str, host: str, port: int, reason: str) -> None:
        self.name = name
        self.host = host
        self.port = port
        super().__init__(f"the sandbox {name} cannot listen on {host}:{port}: {reason}")


@dataclass(frozen=True)
class Ports:
    """The ports of the three simulators; 0 picks a free one."""

    shopify: int = SANDBOX_SHOPIFY_PORT
    odoo: int = SANDBOX_ODOO_PORT
    stripe: int = SANDBOX_STRIPE_PORT


ANY_FREE_PORTS = Ports(shopify=0, odoo=0, stripe=0)


@dataclass(frozen=True)
class Simulators:
    """The three simulators, started, serving the sandbox shop and company."""

    shopify: SandboxShopify
    odoo: SandboxOdoo
    stripe: SandboxStripe

    @property
    def shop_url(self) -> str:
        """The API base URL of the sandbox shop (hub.toml `api_base_url`)."""
        return self.shopify.shop_url(SANDBOX_SHOP_DOMAIN)

    def describe(self) -> dict[str, dict[str, Any]]:
        """Return where each simulator listens and what a client needs there.

        The values are the sandbox's fixed, public test credentials.
        """
        return {
            "shopify": {
                "url": self.shopify.base_url,
                "api_base_url": self.shop_url,
                "shop_domain": SANDBOX_SHOP_DOMAIN,
                "access_token": SANDBOX_ACCESS_TOKEN,
                "webhook_secret": SANDBOX_WEBHOOK_SECRET,
            },
            "odoo": {
                "url": self.odoo.url,
                "version": self.odoo.profile.server_version,
                "database": self.odoo.database,
                "login": self.odoo.login,
                "api_key": self.odoo.api_key,
            },
            "stripe": {
                "url": self.stripe.url,
                "api_key": self.stripe.api_key,
                "webhook_secret": SANDBOX_STRIPE_WEBHOOK_SECRET,
            },
        }


def start_simulators(
    stack: ExitStack,
    *,
    host: str = SANDBOX_HOST,
    ports: Ports = Ports(),
    odoo_version: int = 19,
    seed: int = 0,
) -> Simulators:
    """Start Shopify (with the sandbox shop), Odoo and Stripe; stopped with `stack`.

    Raises SimulatorAddressError when one cannot listen (those already started
    are stopped by `stack`).
    """
    shopify = SandboxShopify()
    _listen("Shopify", shopify.start, host, ports.shopify)
    stack.callback(shopify.stop)
    shopify.add_shop(SANDBOX_SHOP_DOMAIN, SANDBOX_ACCESS_TOKEN, SANDBOX_WEBHOOK_SECRET)

    odoo = SandboxOdoo(
        version=odoo_version,
        database=SANDBOX_ODOO_DATABASE,
        login=SANDBOX_ODOO_LOGIN,
        api_key=SANDBOX_ODOO_API_KEY,
    )
    _listen("Odoo", odoo.start, host, ports.odoo)
    stack.callback(odoo.stop)

    stripe = SandboxStripe(api_key=SANDBOX_STRIPE_API_KEY, seed=seed)
    _listen("Stripe", stripe.start, host, ports.stripe)
    stack.callback(stripe.stop)
    return Simulators(shopify, odoo, stripe)


def _listen(name: str, start: Callable[..., object], host: str, port: int) -> None:
    """Start one simulator on `host:port`, translating a refused address."""
    try:
        start(host=host, port=port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SimulatorAddressError(name, host, port, reason) from exc


def add_orders(simulators: Simulators, count: int, *, seed: int) -> list[SandboxOrder]:
    """Generate `count` orders in the sandbox shop; return them."""
    orders = generate_orders(count, seed=seed, shop_domain=SANDBOX_SHOP_DOMAIN)
    simulators.shopify.add_orders(SANDBOX_SHOP_DOMAIN, orders)
    return orders


def add_payments(simulators: Simulators, orders: list[SandboxOrder]) -> Activity:
    """Write Stripe's side of the orders into the sandbox account, as the demo
    does: card payments with a refund or two, a dispute, an automatic payout
    carrying them and a manual one, and a charge under each id that an order's
    `stripe`-gateway transaction names. Return what was written."""
    activity = generate_activity(simulators.stripe, orders=len(orders))
    charge_storefront_orders(simulators.stripe, orders, activity)
    return activity


def webhook_sender(hub_url: str, **options: Any) -> WebhookSender:
    """Return a sender of the sandbox shop's webhooks to a hub's Shopify endpoint."""
    return WebhookSender(
        f"{hub_url}/webhooks/shopify",
        SANDBOX_WEBHOOK_SECRET,
        SANDBOX_SHOP_DOMAIN,
        **options,
    )


@dataclass(frozen=True)
class StripeSent:
    """How the Stripe events' deliveries went (each event once)."""

    delivered: int = 0
    failures: int = 0


@dataclass
class WebhookFeed:
    """Delivers orders' webhooks, then Stripe's events, to a hub that may not be
    running yet.

    Shopify and Stripe keep retrying an endpoint that is down; the feed waits
    until the hub's `/healthz` answers, then sends every Shopify delivery in the
    order it happened, then every event of `stripe`'s account in the order Stripe
    made them (each delivery retried a few times). `stop()` ends the wait.
    """

    hub_url: str
    orders: list[SandboxOrder]
    on_done: Callable[[SendStats, StripeSent], None] = lambda shopify, stripe: None
    stripe: SandboxStripe | None = None
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> WebhookFeed:
        """Start delivering in a background thread; return self."""
        self._thread = threading.Thread(
            target=self._run, name="sandbox-webhooks", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop waiting for the hub; a delivery under way ends at its timeout."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=HEALTH_TIMEOUT_SECONDS + 1)

    def _run(self) -> None:
        if not self._wait_for_hub():
            return
        sender = webhook_sender(
            self.hub_url,
            max_attempts=DELIVERY_ATTEMPTS,
            retry_delay=RETRY_DELAY_SECONDS,
        )
        try:
            stats = sender.send(sender.deliveries_for(self.orders))
        finally:
            sender.session.close()
        logger.info(
            "sandbox webhooks: %d delivered, %d failed", stats.delivered, stats.failures
        )
        sent = StripeSent() if self.stripe is None else self._send_events(self.stripe)
        self.on_done(stats, sent)

    def _send_events(self, stripe: SandboxStripe) -> StripeSent:
        sender = StripeSender(
            f"{self.hub_url}/webhooks/stripe",
            SANDBOX_STRIPE_WEBHOOK_SECRET,
            max_attempts=DELIVERY_ATTEMPTS,
            retry_delay=RETRY_DELAY_SECONDS,
            sleep=self._stopping.wait,
        )
        try:
            taken = [sender.deliver_until_taken(e) for e in account_events(stripe)]
        finally:
            sender.session.close()
        sent = StripeSent(delivered=sum(taken), failures=len(taken) - sum(taken))
        logger.info(
            "sandbox Stripe events: %d delivered, %d failed",
            sent.delivered,
            sent.failures,
        )
        return sent

    def _wait_for_hub(self) -> bool:
        """Return True once the hub answers, False when stopped first."""
        with requests.Session() as session:
            while not self._stopping.is_set():
                try:
                    answer = session.get(
                        f"{self.hub_url}/healthz", timeout=HEALTH_TIMEOUT_SECONDS
                    )
                    if answer.ok:
                        return True
                except requests.RequestException:
                    pass  # not up yet: Shopify, too, tries again later
                self._stopping.wait(HUB_WAIT_SECONDS)
        return False


def prepare_for_orders(
    simulators: Simulators, orders: list[SandboxOrder], *, mapping: Path | None
) -> dict[str, Any]:
    """Give Odoo what the orders need, as an operator would; write the mapping.

    The sandbox Odoo gets a product per SKU and a tax per storefront rate the
    orders use. `mapping` (the hub's mapping.toml) is written only when it does
    not exist yet: an operator's own mapping is never replaced. Returns the
    counts created and whether the mapping was written.
    """
    parsed = [
        order_from_webhook(render_rest(order), shop=SANDBOX_SHOP_NAME)
        for order in orders
    ]
    admin = OdooAdmin(simulators.odoo)
    try:
        created = prepare_odoo(admin, parsed)
    finally:
        admin.close()
    written = mapping is not None and not mapping.exists()
    if mapping is not None and written:
        write_mapping(mapping, parsed)
    return {**created, "mapping_written": written}
