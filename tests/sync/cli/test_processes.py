"""Tests of the long-running commands as real processes: `run` and `serve`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from config.templates import (
    SANDBOX_SHOP_DOMAIN,
    SANDBOX_WEBHOOK_SECRET,
    SandboxEndpoints,
    render_hub_toml,
)
from sync.store.db import make_engine
from sync.store.models import OrderRecord

SAMPLE = "shopify/webhooks/docs-samples-2026-04/orders__create.json"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    endpoints = SandboxEndpoints(
        shopify_url="http://127.0.0.1:9", odoo_url=None, stripe_url=None, hub_port=0
    )
    path = tmp_path / "hub.toml"
    path.write_text(render_hub_toml(sandbox=True, endpoints=endpoints))
    return path


def _start(config: Path, command: str) -> tuple[subprocess.Popen[str], str]:
    """Start `o2c-hub <command>`; return the process and the URL it listens on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.cli", "--config", str(config), command],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        process.kill()
        raise AssertionError(f"no listening line: {line!r} {process.stderr.read()}")
    return process, found.group(1)


@pytest.fixture
def running(config: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process, url = _start(config, "run")
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def _sign(body: bytes) -> str:
    digest = hmac.new(SANDBOX_WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_run_serves_processes_and_stops_cleanly_on_sigterm(
    running: tuple[subprocess.Popen[str], str], config: Path, shared_fixtures: Path
) -> None:
    process, url = running
    assert httpx.get(f"{url}/healthz").status_code == 200
    assert httpx.get(f"{url}/readyz").json()["status"] == "ready"

    # A signed delivery goes through HTTP, the queue and the worker into the store.
    sample = json.loads((shared_fixtures / SAMPLE).read_text())
    body = json.dumps(sample["response"]).encode()
    response = httpx.post(
        f"{url}/webhooks/shopify",
        content=body,
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": SANDBOX_SHOP_DOMAIN,
            "X-Shopify-Webhook-Id": "wh-run-1",
            "X-Shopify-Hmac-Sha256": _sign(body),
        },
    )
    assert response.status_code == 200
    engine = make_engine(f"sqlite:///{config.parent / 'o2c-hub.db'}")
    deadline = time.monotonic() + 20
    numbers: list[str] = []
    while time.monotonic() < deadline and not numbers:
        with engine.connect() as conn:
            numbers = list(conn.execute(select(OrderRecord.number)).scalars())
        time.sleep(0.1)
    engine.dispose()
    assert numbers == ["#9999"]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    assert "stopped cleanly" in process.stderr.read()


def test_run_stops_cleanly_on_sigint(
    running: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = running
    assert httpx.get(f"{url}/healthz").status_code == 200
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0


def test_serve_answers_and_stops_on_sigterm(config: Path) -> None:
    process, url = _start(config, "serve")
    try:
        assert httpx.get(f"{url}/metrics").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
