"""`o2c-hub demo`: sandbox Shopify, embedded hub, generated orders, a summary."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from sync.cli.app import app

runner = CliRunner()


def test_demo_json_summary_shows_every_order_stored_once(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--orders", "6", "--seed", "3", "--dir", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["orders"]["generated"] == 6
    assert summary["orders"]["stored"] == 6
    assert summary["orders"]["parked"] == 0
    assert summary["orders"]["latest_version_and_total"] == 6
    assert summary["orders"]["mismatched"] == []
    webhooks = summary["webhooks"]
    assert webhooks["failures"] == 0
    assert webhooks["delivered"] == webhooks["sent"] + webhooks["duplicates"]
    assert summary["inbox"]["pending"] == 0
    assert summary["inbox"]["done"] + summary["inbox"]["ignored"] == webhooks["sent"]
    config = tomllib.loads((tmp_path / "hub.toml").read_text())
    assert config["environment"] == "sandbox"


def test_demo_rerun_in_the_same_folder_starts_a_fresh_store(tmp_path: Path) -> None:
    args = ["demo", "--orders", "3", "--dir", str(tmp_path), "--json"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["orders"]["stored"] == 3


def test_demo_table_for_people(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--orders", "2", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "orders stored" in result.stdout
    assert "duplicates absorbed" in result.stdout
