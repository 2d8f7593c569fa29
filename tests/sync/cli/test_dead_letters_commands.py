"""`o2c-hub dead-letters`: dead outbox commands listed and retried beside inbox rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from config.settings import load_settings
from config.templates import SandboxEndpoints, render_hub_toml
from sync.cli.app import app
from sync.runtime import Hub
from sync.store.db import make_engine, migrate
from sync.store.models import Command, CommandStatus, InboxStatus

runner = CliRunner()
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def odoo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sandbox hub.toml naming an Odoo (never reached by these commands)."""
    endpoints = SandboxEndpoints(
        shopify_url="http://127.0.0.1:9",
        odoo_url="http://127.0.0.1:9",
        stripe_url=None,
        hub_port=0,
    )
    (tmp_path / "hub.toml").write_text(
        render_hub_toml(sandbox=True, endpoints=endpoints), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("O2C_HUB_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def odoo_store(odoo_folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{odoo_folder / 'o2c-hub.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def add_command(engine: Engine, key: str, status: str = CommandStatus.DEAD) -> int:
    """Store one outbox command; return its id."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Command).values(
                    key="shopify:demo:gid://shopify/Order/1",
                    kind="CreateInvoice",
                    idempotency_key=key,
                    payload="{}",
                    status=status,
                    attempts=8,
                    last_error="RetryableError: odoo 503",
                    created_at=NOW,
                    updated_at=NOW,
                )
            ).inserted_primary_key[0]
        )


def command_status(engine: Engine, command_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(Command.status).where(Command.id == command_id)
            ).scalar_one()
        )


def invoke_json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_json_shows_inbox_rows_and_dead_commands_by_kind(
    store: Engine, parked_letter: int
) -> None:
    command_id = add_command(store, "o2c_hub.invoice.demo.1001")
    add_command(store, "o2c_hub.invoice.demo.1002", status=CommandStatus.DONE)

    letters = invoke_json(["dead-letters", "list", "--json"])["dead_letters"]

    assert [(letter["kind"], letter["ref"]) for letter in letters] == [
        ("inbox", f"inbox:{parked_letter}"),
        ("command", f"command:{command_id}"),
    ]
    command = letters[1]
    assert command["command"] == "CreateInvoice"
    assert command["idempotency_key"] == "o2c_hub.invoice.demo.1001"
    assert command["last_error"] == "RetryableError: odoo 503"
    assert command["status"] == InboxStatus.DEAD


def test_list_table_has_a_kind_column_and_prefixed_ids(
    store: Engine, parked_letter: int
) -> None:
    command_id = add_command(store, "o2c_hub.invoice.demo.1001")
    result = runner.invoke(app, ["dead-letters", "list"])
    assert result.exit_code == 0, result.output
    assert f"inbox:{parked_letter}" in result.stdout
    assert f"command:{command_id}" in result.stdout
    assert "Kind" in result.stdout


def test_retry_one_command_sends_only_it_back_and_queues_the_executor(
    odoo_store: Engine, odoo_folder: Path
) -> None:
    first = add_command(odoo_store, "o2c_hub.invoice.demo.1001")
    second = add_command(odoo_store, "o2c_hub.invoice.demo.1002")

    result = invoke_json(["dead-letters", "retry", f"command:{first}", "--json"])

    assert result == {"retried": 1, "keys_queued": 0}
    assert command_status(odoo_store, first) == CommandStatus.PENDING
    assert command_status(odoo_store, second) == CommandStatus.DEAD
    hub = Hub(load_settings(odoo_folder / "hub.toml", environ={}))
    try:
        queued = [task.name for task in hub.huey.pending()]
    finally:
        hub.close()
    assert any(name.endswith("o2c_execute") for name in queued)


def test_retry_all_resets_inbox_rows_and_commands(
    store: Engine, parked_letter: int
) -> None:
    command_id = add_command(store, "o2c_hub.invoice.demo.1001")
    result = invoke_json(["dead-letters", "retry", "--all", "--json"])
    assert result["retried"] == 2
    assert command_status(store, command_id) == CommandStatus.PENDING
    assert invoke_json(["dead-letters", "list", "--json"]) == {"dead_letters": []}


def test_retry_inbox_ref_leaves_dead_commands_alone(
    store: Engine, parked_letter: int
) -> None:
    command_id = add_command(store, "o2c_hub.invoice.demo.1001")
    result = invoke_json(["dead-letters", "retry", f"inbox:{parked_letter}", "--json"])
    assert result == {"retried": 1, "keys_queued": 1}
    assert command_status(store, command_id) == CommandStatus.DEAD


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("command:999", "no dead command with id 999"),
        ("inbox:999", "no dead or parked inbox row with id 999"),
        ("order:3", "'order:3' is not inbox:ID, command:ID or an ID"),
        ("command:x", "'command:x' is not inbox:ID, command:ID or an ID"),
    ],
)
def test_retry_unknown_or_malformed_ref_exits_1_naming_it(
    store: Engine, ref: str, message: str
) -> None:
    result = runner.invoke(app, ["dead-letters", "retry", ref])
    assert result.exit_code == 1
    assert message in result.stderr
