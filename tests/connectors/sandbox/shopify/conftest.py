"""Fixtures for the sandbox Shopify tests: generated orders and a running server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.sandbox.shopify import SandboxOrder, SandboxShopify, generate_orders
from connectors.sandbox.shopify.server import Shop

SHOP = "sandbox-test.myshopify.com"
TOKEN = "shpat_sandbox_test_token"
SECRET = "sandbox-webhook-secret"


@pytest.fixture(scope="session")
def orders() -> list[SandboxOrder]:
    """Three hundred varied orders of one EUR shop (the same every run)."""
    return generate_orders(300, seed=11, shop_domain=SHOP, currency="EUR")


@pytest.fixture
def sandbox(orders: list[SandboxOrder]) -> Iterator[SandboxShopify]:
    """A running sandbox with one shop holding `orders`, Shopify's default limits."""
    with SandboxShopify() as server:
        server.add_shop(SHOP, TOKEN, SECRET)
        server.add_orders(SHOP, orders)
        yield server


@pytest.fixture
def shop(sandbox: SandboxShopify) -> Shop:
    """The sandbox's one shop: its domain, access token and webhook secret."""
    return sandbox.shops[SHOP]
