"""The CLI starts light: help and simple commands import only what they use.

Each case runs `o2c-hub ARGS` in a fresh interpreter and reads back the modules
it imported. Timings are in `python -m bench cli_startup`, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.templates import SandboxEndpoints, render_hub_toml

PROBE = """
import json, sys
out, args = sys.argv[1], sys.argv[2:]
sys.argv = ["o2c-hub", *args]
from sync.cli import main
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code or 0
with open(out, "w") as file:
    json.dump({"code": code, "modules": sorted(sys.modules)}, file)
"""

# The web server, connectors, payments, XML, queue and scheduler libraries.
SERVING = (
    "fastapi",
    "starlette",
    "uvicorn",
    "stripe",
    "lxml",
    "huey",
    "requests",
    "redis",
    "graphql",
    "odoorpc",
    "apscheduler",
    "prometheus_client",
    "connectors",
    "sync.http",
    "sync.runtime",
)
# And the store and the settings, which a help text needs neither of. (Typer
# itself brings pydantic in when it runs a sub-command, so it is not listed.)
EVERYTHING = (*SERVING, "sqlalchemy", "alembic", "config.settings")


def _imported(args: list[str], tmp_path: Path) -> tuple[int, set[str], str]:
    """Run `o2c-hub ARGS`; return its exit code, imported modules and stdout."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_HUB")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.exists(), done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    return int(report["code"]), set(report["modules"]), done.stdout


def _heavy(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    """Return the modules among `modules` that are or live under `roots`."""
    return sorted(
        m for m in modules for root in roots if m == root or m.startswith(root + ".")
    )


@pytest.fixture
def hub_toml(tmp_path: Path) -> Path:
    endpoints = SandboxEndpoints(
        shopify_url="http://127.0.0.1:9", odoo_url=None, stripe_url=None, hub_port=0
    )
    path = tmp_path / "hub.toml"
    path.write_text(render_hub_toml(sandbox=True, endpoints=endpoints), "utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [["--help"], ["sandbox", "--help"], ["demo", "--help"], ["orders", "--help"]],
    ids=["help", "sandbox-help", "demo-help", "orders-help"],
)
def test_help_imports_no_library_of_the_running_hub(
    tmp_path: Path, args: list[str]
) -> None:
    code, modules, stdout = _imported(args, tmp_path)
    assert code == 0
    assert "Usage: o2c-hub" in stdout
    assert _heavy(modules, EVERYTHING) == []


def test_init_imports_neither_store_nor_settings(tmp_path: Path) -> None:
    code, modules, _ = _imported(["init", "--sandbox", "--dir", "here"], tmp_path)
    assert code == 0
    assert (tmp_path / "here" / "hub.toml").exists()
    assert _heavy(modules, EVERYTHING) == []


@pytest.mark.parametrize(
    "args", [["status"], ["orders", "list"]], ids=["status", "orders-list"]
)
def test_store_commands_import_the_store_but_not_the_server_or_connectors(
    tmp_path: Path, hub_toml: Path, args: list[str]
) -> None:
    code, modules, stdout = _imported(["--config", str(hub_toml), *args], tmp_path)
    assert code == 0, stdout
    assert "sqlalchemy" in modules and "config.settings" in modules
    assert _heavy(modules, SERVING) == []


def test_orders_list_json_reads_the_views_without_the_web_framework(
    tmp_path: Path, hub_toml: Path
) -> None:
    code, modules, stdout = _imported(
        ["--config", str(hub_toml), "orders", "list", "--json"], tmp_path
    )
    assert code == 0, stdout
    assert "sync.http.views" in modules
    framework = tuple(m for m in SERVING if not m.startswith("sync.http"))
    assert _heavy(modules, framework) == []
    assert _heavy(modules, ("sync.http.app", "sync.http.server")) == []
