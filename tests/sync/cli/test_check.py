"""`o2c-hub init --sandbox` then `o2c-hub check` against the running simulators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.templates import (
    SANDBOX_ACCESS_TOKEN,
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_STRIPE_API_KEY,
    SANDBOX_WEBHOOK_SECRET,
)
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify.server import SandboxShopify
from connectors.sandbox.stripe.server import SandboxStripe
from sync.cli.app import app

runner = CliRunner()


@pytest.fixture
def simulators(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start the three simulators; point the sandbox config at them by env."""
    with (
        SandboxShopify() as shopify,
        SandboxOdoo(19) as odoo,
        SandboxStripe(api_key=SANDBOX_STRIPE_API_KEY) as stripe,
    ):
        shopify.add_shop(
            SANDBOX_SHOP_DOMAIN, SANDBOX_ACCESS_TOKEN, SANDBOX_WEBHOOK_SECRET
        )
        overrides = {
            "O2C_HUB__SHOPS__0__API_BASE_URL": shopify.shop_url(SANDBOX_SHOP_DOMAIN),
            "O2C_HUB__ODOO__URL": odoo.url,
            "O2C_HUB__ODOO__DATABASE": odoo.database,
            "O2C_HUB__ODOO__LOGIN": odoo.login,
            "O2C_HUB__ODOO__API_KEY": odoo.api_key,
            "O2C_HUB__STRIPE__API_BASE": stripe.url,
        }
        for name, value in overrides.items():
            monkeypatch.setenv(name, value)
        yield


def _check(config: Path) -> tuple[int, dict]:
    result = runner.invoke(app, ["--config", str(config), "check", "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_init_sandbox_then_check_reaches_every_simulator(
    tmp_path: Path, simulators: None
) -> None:
    assert (
        runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)]).exit_code == 0
    )
    code, report = _check(tmp_path / "hub.toml")
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed == []
    assert code == 0
    assert [c["name"] for c in report["checks"]] == [
        "store",
        "queue",
        "shop demo",
        "odoo",
        "stripe",
    ]


def test_check_fails_with_a_line_per_unreachable_system(tmp_path: Path) -> None:
    assert (
        runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)]).exit_code == 0
    )
    result = runner.invoke(app, ["--config", str(tmp_path / "hub.toml"), "check"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok   store:") for line in lines)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        "FAIL shop demo",
        "FAIL odoo",
        "FAIL stripe",
    ]


def test_check_rejects_a_wrong_shop_token(
    tmp_path: Path, simulators: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)]).exit_code == 0
    )
    monkeypatch.setenv("O2C_HUB__SHOPS__0__ACCESS_TOKEN", "shpat_wrong")
    code, report = _check(tmp_path / "hub.toml")
    shop = next(c for c in report["checks"] if c["name"] == "shop demo")
    assert code == 1
    assert shop["ok"] is False
    assert "shpat_wrong" not in json.dumps(report)


def test_check_never_prints_secrets(tmp_path: Path, simulators: None) -> None:
    assert (
        runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)]).exit_code == 0
    )
    result = runner.invoke(app, ["--config", str(tmp_path / "hub.toml"), "check"])
    for secret in (
        SANDBOX_ACCESS_TOKEN,
        SANDBOX_WEBHOOK_SECRET,
        SANDBOX_STRIPE_API_KEY,
    ):
        assert secret not in result.output
