"""Tests of the CLI commands' output and exit codes, through typer's CliRunner."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sync.cli.app import app
from sync.store.models import InboxEvent, InboxStatus

runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_init_writes_a_commented_production_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--dir", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new" / "hub.toml").read_text()
    assert tomllib.loads(text)["environment"] == "production"
    assert "env:SHOPIFY_WEBHOOK_SECRET" in text


def test_init_sandbox_writes_literal_sandbox_secrets(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = tomllib.loads((tmp_path / "hub.toml").read_text())
    assert data["environment"] == "sandbox"
    assert data["shops"][0]["webhook_secret"] == "sandbox-webhook-secret"
    assert {"odoo", "stripe"} <= set(data)


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text("# mine\n")
    result = runner.invoke(app, ["init", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "exists; use --force" in result.stderr
    assert (tmp_path / "hub.toml").read_text() == "# mine\n"
    forced = runner.invoke(app, ["init", "--dir", str(tmp_path), "--force"])
    assert forced.exit_code == 0


def test_config_problems_exit_2_listing_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[server]\nport = "high"\n[queue]\nbackend = "kafka"\n')
    result = runner.invoke(app, ["--config", str(config), "status"])
    assert result.exit_code == 2
    assert "server.port:" in result.stderr
    assert "queue.backend:" in result.stderr
    assert "Traceback" not in result.output


def test_missing_config_exits_2_suggesting_init(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(tmp_path / "no.toml"), "status"])
    assert result.exit_code == 2
    assert "o2c-hub init" in result.stderr


def test_config_is_found_through_the_environment_variable(
    hub_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("O2C_HUB_CONFIG", str(hub_folder / "hub.toml"))
    status = _json(["status", "--json"])
    assert status["polls"][0]["shop"] == "demo"


def test_orders_list_json_has_ids_states_and_exact_money(stored_order: str) -> None:
    (order,) = _json(["orders", "list", "--json"])["orders"]
    assert order["id"] == stored_order
    assert order["shop"] == "demo"
    assert order["number"] == "#9999"
    assert order["state"] == "received"
    assert order["total"] == {"amount": "404.95", "currency": "USD"}
    assert Decimal(order["total"]["amount"]) == Decimal("404.95")
    assert order["version"] == "2022-01-01T00:00:00+00:00"


def test_orders_list_filters_by_state(stored_order: str) -> None:
    assert _json(["orders", "list", "--state", "invoiced", "--json"]) == {"orders": []}
    assert (
        len(_json(["orders", "list", "--state", "received", "--json"])["orders"]) == 1
    )


def test_orders_show_json_includes_the_canonical_order(stored_order: str) -> None:
    shown = _json(["orders", "show", stored_order, "--json"])
    assert shown["id"] == stored_order
    assert shown["total"] == {"amount": "404.95", "currency": "USD"}
    assert shown["order"]["external_id"] == stored_order
    line = shown["order"]["lines"][0]
    assert set(line["unit_price"]["shop"]) == {"amount", "currency"}


def test_orders_show_by_number_prints_a_table(stored_order: str) -> None:
    result = runner.invoke(app, ["orders", "show", "#9999"])
    assert result.exit_code == 0, result.output
    assert "404.95 USD" in result.stdout


def test_orders_show_unknown_exits_1_with_one_line(store: Engine) -> None:
    result = runner.invoke(app, ["orders", "show", "gid://shopify/Order/1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: no stored order matches 'gid://shopify/Order/1'"
    )


def test_status_json_counts_orders_inbox_and_dead_letters(
    stored_order: str, parked_letter: int
) -> None:
    status = _json(["status", "--json"])
    assert status["orders"] == {"total": 1, "by_state": {"received": 1}}
    assert status["inbox"]["by_status"]["parked"] == 1
    assert status["dead_letters"] == 1
    assert status["statements"] == {
        "files_imported": 0,
        "files_failed": 0,
        "statements": 0,
        "lines": 0,
    }
    assert status["polls"] == [
        {
            "shop": "demo",
            "cursor": None,
            "last_run_at": None,
            "last_success_at": None,
            "last_error": None,
        }
    ]


def test_status_table_is_printed_for_people(stored_order: str) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "received" in result.stdout
    assert "dead letters: 0" in result.stdout
    assert "shop demo" in result.stdout
    assert "invoices posted / pending / dead" in result.stdout
    assert "statement lines" in result.stdout


def test_dead_letters_list_json_shows_the_parked_row(parked_letter: int) -> None:
    (letter,) = _json(["dead-letters", "list", "--json"])["dead_letters"]
    assert letter["id"] == parked_letter
    assert letter["status"] == "parked"
    assert letter["last_error"] == "orders/create: body is not valid JSON"


def test_dead_letters_retry_one_sends_it_back_to_pending(
    store: Engine, parked_letter: int
) -> None:
    result = _json(["dead-letters", "retry", str(parked_letter), "--json"])
    assert result == {"retried": 1, "keys_queued": 1}
    with store.connect() as conn:
        status = conn.execute(
            select(InboxEvent.status).where(InboxEvent.id == parked_letter)
        ).scalar()
    assert status == InboxStatus.PENDING
    assert _json(["dead-letters", "list", "--json"]) == {"dead_letters": []}


def test_dead_letters_retry_all(parked_letter: int) -> None:
    assert _json(["dead-letters", "retry", "--all", "--json"])["retried"] == 1


def test_dead_letters_retry_unknown_id_exits_1(store: Engine) -> None:
    result = runner.invoke(app, ["dead-letters", "retry", "999"])
    assert result.exit_code == 1
    assert "no dead or parked inbox row with id 999" in result.stderr


def test_dead_letters_retry_needs_an_id_or_all(store: Engine) -> None:
    result = runner.invoke(app, ["dead-letters", "retry"])
    assert result.exit_code == 1
    assert "give one dead letter ID or --all" in result.stderr


def test_store_failure_is_one_line_exit_1(hub_folder: Path) -> None:
    config = hub_folder / "hub.toml"
    config.write_text(
        config.read_text().replace(
            'url = ""', f'url = "sqlite:///{hub_folder}/missing/dir/hub.db"', 1
        )
    )
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the store cannot be used:")
    assert "Traceback" not in result.output
