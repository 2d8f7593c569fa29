"""`o2c-hub mapping check`: unmapped keys with the orders they block, previews."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.sandbox.odoo import SandboxOdoo
from sync.cli.mapping import app
from sync.runtime import Hub
from sync.store.models import Command
from tests.o2c.order_factory import LineSpec, ShippingSpec, make_order
from tests.sync.invoicing_support import (
    TODAY,
    hub_config,
    numbered,
    store,
    write_config,
)


@pytest.fixture
def configured(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Hub, SandboxOdoo]]:
    with SandboxOdoo(version=18, today=lambda: TODAY) as odoo:
        config = write_config(
            hub_config(odoo, sqlite_url, tmp_path), tmp_path / "hub.toml"
        )
        monkeypatch.setenv("O2C_HUB_CONFIG", str(config))
        from config.settings import load_settings

        hub = Hub(load_settings(config))
        hub.migrate()
        yield hub, odoo
        hub.close()


def test_check_lists_unmapped_keys_with_the_orders_they_block(
    configured: tuple[Hub, SandboxOdoo],
) -> None:
    hub, odoo = configured
    bad = [
        LineSpec("GHOST-1", 1, "10.00"),
        LineSpec("MUG-001", 1, "5", rates=("0.07",)),
    ]
    for number, lines in (
        (101, bad),
        (102, bad[:1]),
        (103, [LineSpec("MUG-001", 1, "5")]),
    ):
        store(hub.engine, hub.invoicing(), numbered(make_order(lines=lines), number))

    result = CliRunner().invoke(app, ["check", "--days", "3650", "--json"])

    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = {(k["kind"], k["key"]): k for k in report["unmapped"]}
    assert found[("product", "GHOST-1")]["orders"] == ["#101", "#102"]
    assert found[("product", "GHOST-1")]["count"] == 2
    assert found[("tax", "VAT 7%|0.07|FR|excl|line")]["orders"] == ["#101"]
    assert report["orders_checked"] == 3
    assert odoo.records("account.move") == []


def test_check_writes_nothing_and_previews_the_invoice(
    configured: tuple[Hub, SandboxOdoo],
) -> None:
    hub, odoo = configured
    order = numbered(
        make_order(
            lines=[LineSpec("TSHIRT-001", 3, "19.99", discount="2.35")],
            shipping=[ShippingSpec("4.90")],
        ),
        104,
    )
    store(hub.engine, hub.invoicing(), order)
    with hub.engine.connect() as conn:
        queued = conn.execute(Command.__table__.select()).all()

    result = CliRunner().invoke(app, ["check", "--preview", "#104", "--json"])

    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["predicted"]["total"] == shown["storefront_total"]
    assert shown["storefront_total"] == str(order.totals.total.presentment.amount)
    assert {line["kind"] for line in shown["lines"]} >= {"product", "shipping"}
    assert shown["lines"][0]["taxes"] == ["20%"]
    assert odoo.records("account.move") == []
    with hub.engine.connect() as conn:
        assert conn.execute(Command.__table__.select()).all() == queued


def test_check_of_mapped_orders_exits_0(configured: tuple[Hub, SandboxOdoo]) -> None:
    hub, _ = configured
    order = numbered(make_order(lines=[LineSpec("MUG-001", 2, "12.50")]), 105)
    store(hub.engine, hub.invoicing(), order)

    result = CliRunner().invoke(app, ["check", "--days", "3650"])

    assert result.exit_code == 0, result.output
    assert "every order maps" in result.output
