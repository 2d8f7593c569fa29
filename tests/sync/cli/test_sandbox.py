"""`o2c-hub sandbox` as an operator runs it: processes, real HTTP on loopback.

`init --sandbox` writes hub.toml for free ports, `o2c-hub sandbox` serves the
simulators there, `check` passes against them and `run` receives the sandbox
orders' webhooks, then the sandbox Stripe account's events, into its store.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from config.templates import SANDBOX_ODOO_API_KEY, SANDBOX_SHOP_DOMAIN
from sync.cli.app import app
from sync.orders_repo import list_orders
from sync.store.db import make_engine
from sync.store.models_stripe import StripeKind, StripeObjectRecord

runner = CliRunner()
STOP_TIMEOUT_SECONDS = 20
ARRIVAL_TIMEOUT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment() -> dict[str, str]:
    """The test's environment without any hub configuration variables."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("O2C_HUB")
    }


def _hub(*args: str, **options: Any) -> subprocess.Popen[str]:
    """Start `o2c-hub ARGS` as its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "sync.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
        **options,
    )


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> int:
    """Send `sig`, wait for the exit; return the exit code."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def _first_json(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Read the JSON document the sandbox prints once it listens."""
    assert process.stdout is not None
    lines = []
    while True:
        line = process.stdout.readline()
        if not line:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"the sandbox ended before it was ready: {stderr}")
        lines.append(line)
        if line.rstrip("\n") == "}":
            document: dict[str, Any] = json.loads("".join(lines))
            return document


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: _free_port() for name in ("shopify", "odoo", "stripe", "hub")}


def _port_options(ports: dict[str, int]) -> list[str]:
    return [
        "--shopify-port",
        str(ports["shopify"]),
        "--odoo-port",
        str(ports["odoo"]),
        "--stripe-port",
        str(ports["stripe"]),
    ]


@pytest.fixture
def sandbox_folder(tmp_path: Path, ports: dict[str, int]) -> Path:
    """A folder with the hub.toml of `init --sandbox` for the free ports."""
    options = [*_port_options(ports), "--hub-port", str(ports["hub"])]
    result = runner.invoke(
        app, ["init", "--sandbox", "--dir", str(tmp_path), *options], env={}
    )
    assert result.exit_code == 0, result.output
    assert f"o2c-hub sandbox --dir {tmp_path}" in result.stdout
    return tmp_path


@pytest.fixture
def running_sandbox(
    sandbox_folder: Path, ports: dict[str, int]
) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """`o2c-hub sandbox --orders 3 --json` on the folder, until the test ends."""
    process = _hub(
        "sandbox",
        "--dir",
        str(sandbox_folder),
        *_port_options(ports),
        "--orders",
        "3",
        "--json",
    )
    try:
        yield process, _first_json(process)
    finally:
        _stop(process, signal.SIGTERM)


def _stored(
    folder: Path, count: int, what: str, read: Callable[[Engine], list[Any]]
) -> list[Any]:
    """Wait until `read` finds `count` of `what` in the hub's store; return them."""
    engine = make_engine(f"sqlite:///{folder / 'o2c-hub.db'}")
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_SECONDS
    found: list[Any] = []
    try:
        while time.monotonic() < deadline:
            try:
                found = read(engine)
            except OperationalError:  # the hub has not created its tables yet
                found = []
            if len(found) >= count:
                return found
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise AssertionError(f"{len(found)} of {count} {what} arrived in time")


def _stored_orders(folder: Path, count: int) -> list[Any]:
    """The stored orders, once `count` are."""
    return _stored(folder, count, "orders", lambda e: list_orders(e, limit=100))


def _stored_payments(folder: Path, count: int) -> list[str]:
    """The ids of the Stripe payments, once `count` are stored."""
    query = select(StripeObjectRecord.external_id).where(
        StripeObjectRecord.kind == StripeKind.PAYMENT
    )

    def read(engine: Engine) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(query).scalars())

    return _stored(folder, count, "Stripe payments", read)


@pytest.mark.slow
def test_init_sandbox_then_sandbox_check_and_run_receives_the_orders(
    sandbox_folder: Path,
    ports: dict[str, int],
    running_sandbox: tuple[subprocess.Popen[str], dict[str, Any]],
) -> None:
    process, report = running_sandbox
    config = str(sandbox_folder / "hub.toml")
    assert report["config"] == {
        "path": config,
        "found": True,
        "reaches_simulators": True,
        "problems": [],
    }
    assert report["simulators"]["odoo"]["api_key"] == SANDBOX_ODOO_API_KEY
    assert report["simulators"]["shopify"]["url"] == (
        f"http://127.0.0.1:{ports['shopify']}"
    )
    assert report["orders"]["generated"] == 3
    assert report["orders"]["mapping_written"] is True
    assert report["orders"]["webhooks_to"] == (
        f"http://127.0.0.1:{ports['hub']}/webhooks/shopify"
    )
    assert (sandbox_folder / "mapping.toml").exists()
    payments = report["payments"]
    assert payments["charges"] > 0
    assert (payments["disputes"], payments["payouts"]) == (1, 2)
    assert payments["webhooks_to"] == (
        f"http://127.0.0.1:{ports['hub']}/webhooks/stripe"
    )

    checked = subprocess.run(
        [sys.executable, "-m", "sync.cli", "--config", config, "check", "--json"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    results = json.loads(checked.stdout)["checks"]
    assert [(r["name"], r["ok"]) for r in results] == [
        ("store", True),
        ("queue", True),
        ("shop demo", True),
        ("odoo", True),
        ("stripe", True),
    ]

    hub = _hub("--config", config, "run")
    try:
        records = _stored_orders(sandbox_folder, 3)
        stored_payments = _stored_payments(sandbox_folder, payments["charges"])
    finally:
        run_code = _stop(hub, signal.SIGINT)
    assert {record.shop for record in records} == {"demo"}
    assert all(r.external_id.startswith("gid://shopify/Order/") for r in records)
    assert run_code == 0
    assert all(p.startswith(("ch_", "pi_")) for p in stored_payments)

    assert _stop(process, signal.SIGTERM) == 0
    assert process.stdout is not None and process.stdout.read() == ""


@pytest.mark.parametrize("taken", ["shopify", "odoo", "stripe"])
def test_a_port_in_use_is_one_line_and_exit_code_2(
    tmp_path: Path, ports: dict[str, int], taken: str
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[taken]))
        holder.listen()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sync.cli",
                "sandbox",
                "--dir",
                str(tmp_path),
                *_port_options(ports),
            ],
            capture_output=True,
            text=True,
            env=_environment(),
            timeout=60,
        )
    assert done.returncode == 2
    title = {"shopify": "Shopify", "odoo": "Odoo", "stripe": "Stripe"}[taken]
    assert done.stderr.splitlines() == [
        f"error: the sandbox {title} cannot listen on 127.0.0.1:{ports[taken]}: "
        f"Address already in use; choose another with --{taken}-port"
    ]


def test_a_hub_toml_for_other_ports_is_reported_not_reached(
    tmp_path: Path, ports: dict[str, int]
) -> None:
    result = runner.invoke(app, ["init", "--sandbox", "--dir", str(tmp_path)], env={})
    assert result.exit_code == 0
    process = _hub("sandbox", "--dir", str(tmp_path), *_port_options(ports), "--json")
    try:
        report = _first_json(process)
    finally:
        assert _stop(process, signal.SIGTERM) == 0
    config = report["config"]
    assert config["found"] is True and config["reaches_simulators"] is False
    assert config["problems"] == [
        "shop demo.api_base_url is "
        f"'http://127.0.0.1:8701/shops/{SANDBOX_SHOP_DOMAIN}', the sandbox has "
        f"'http://127.0.0.1:{ports['shopify']}/shops/{SANDBOX_SHOP_DOMAIN}'",
        "odoo.url is 'http://127.0.0.1:8702', the sandbox has "
        f"'http://127.0.0.1:{ports['odoo']}'",
        "stripe.api_base is 'http://127.0.0.1:8703', the sandbox has "
        f"'http://127.0.0.1:{ports['stripe']}'",
    ]


def test_without_hub_toml_orders_are_made_but_nothing_is_written_or_sent(
    tmp_path: Path, ports: dict[str, int]
) -> None:
    process = _hub(
        "sandbox",
        "--dir",
        str(tmp_path),
        *_port_options(ports),
        "--orders",
        "2",
        "--json",
    )
    try:
        report = _first_json(process)
    finally:
        assert _stop(process, signal.SIGINT) == 0
    assert report["config"]["found"] is False
    assert report["config"]["problems"] == [
        "no hub.toml: write one with `init --sandbox`"
    ]
    assert report["orders"]["generated"] == 2
    assert report["orders"]["webhooks_to"] is None
    assert report["orders"]["mapping_written"] is False
    assert list(tmp_path.iterdir()) == []


def test_init_sandbox_writes_the_given_ports(tmp_path: Path) -> None:
    options = ["--shopify-port", "9701", "--odoo-port", "9702", "--stripe-port", "9703"]
    result = runner.invoke(
        app,
        ["init", "--sandbox", "--dir", str(tmp_path), *options, "--hub-port", "9000"],
        env={},
    )
    assert result.exit_code == 0, result.output
    assert "--shopify-port 9701 --odoo-port 9702 --stripe-port 9703" in result.stdout
    data = tomllib.loads((tmp_path / "hub.toml").read_text(encoding="utf-8"))
    assert data["server"]["port"] == 9000
    assert data["shops"][0]["api_base_url"] == (
        f"http://127.0.0.1:9701/shops/{SANDBOX_SHOP_DOMAIN}"
    )
    assert data["odoo"]["url"] == "http://127.0.0.1:9702"
    assert data["stripe"]["api_base"] == "http://127.0.0.1:9703"


def test_init_ports_without_sandbox_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["init", "--dir", str(tmp_path), "--odoo-port", "9702"], env={}
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --odoo-port needs --sandbox"
    assert not (tmp_path / "hub.toml").exists()
