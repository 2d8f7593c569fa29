"""`o2c-hub backfill` against the sandbox Shopify's bulk operation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from config.templates import SANDBOX_SHOP_DOMAIN
from connectors.sandbox.shopify import SandboxShopify, generate_orders
from sync.cli.app import app
from sync.store.db import make_engine
from sync.store.models import OrderRecord

runner = CliRunner()


@pytest.fixture
def config(shopify_config: Path, sandbox_shopify: SandboxShopify) -> Path:
    orders = generate_orders(
        12,
        seed=5,
        shop_domain=SANDBOX_SHOP_DOMAIN,
        start=datetime(2026, 3, 1, tzinfo=UTC),
    )
    sandbox_shopify.add_orders(SANDBOX_SHOP_DOMAIN, orders)
    return shopify_config


def _stored(config: Path) -> int:
    engine = make_engine(f"sqlite:///{config.parent / 'o2c-hub.db'}")
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(OrderRecord)).scalar()
    engine.dispose()
    return int(count or 0)


def test_backfill_stores_the_shops_orders_and_says_how_many(config: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--config",
            str(config),
            "backfill",
            "--shop",
            "demo",
            "--since",
            "2026-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "backfill of demo since 2026-01-01: 12 order(s) stored" in result.stdout
    assert _stored(config) == 12


def test_backfill_of_an_unknown_shop_is_a_configuration_error(config: Path) -> None:
    result = runner.invoke(app, ["--config", str(config), "backfill", "--shop", "x"])
    assert result.exit_code == 2
    assert "no shop named 'x'" in result.stderr


def test_backfill_rejects_a_malformed_date(config: Path) -> None:
    result = runner.invoke(
        app, ["--config", str(config), "backfill", "--shop", "demo", "--since", "May"]
    )
    assert result.exit_code == 2
    assert "--since" in result.stderr
    assert not (config.parent / "o2c-hub.db").exists()
