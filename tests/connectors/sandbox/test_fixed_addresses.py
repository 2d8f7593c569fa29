"""The simulators on a given port, and the sandbox Odoo with a fixed API key."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify import SandboxShopify
from connectors.sandbox.stripe.server import SandboxStripe

FIXED_KEY = "sandbox-odoo-api-key"


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _json2_count(odoo: SandboxOdoo, key: str) -> requests.Response:
    return requests.post(
        f"{odoo.url}/json/2/res.partner/search_count",
        json={"domain": []},
        headers={"Authorization": f"bearer {key}", "X-Odoo-Database": odoo.database},
        timeout=10,
    )


def test_odoo_with_a_fixed_api_key_accepts_it_on_json2_and_json_rpc() -> None:
    with SandboxOdoo(19, api_key=FIXED_KEY) as odoo:
        assert odoo.api_key == FIXED_KEY
        assert _json2_count(odoo, FIXED_KEY).json() == 7
        assert _json2_count(odoo, "other-key").status_code == 401
        login = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "common",
                "method": "login",
                "args": [odoo.database, odoo.login, FIXED_KEY],
            },
        }
        reply = requests.post(f"{odoo.url}/jsonrpc", json=login, timeout=10)
        assert reply.json()["result"] == odoo.uid


def test_odoo_api_key_is_random_per_instance_by_default() -> None:
    first, second = SandboxOdoo(19), SandboxOdoo(19)
    assert first.api_key != second.api_key
    assert len(first.api_key) == 40 and int(first.api_key, 16) >= 0


def test_each_simulator_listens_on_the_port_it_is_given() -> None:
    ports = [_free_port() for _ in range(3)]
    with ExitStack() as stack:
        shopify = SandboxShopify().start(port=ports[0])
        stack.callback(shopify.stop)
        odoo = SandboxOdoo(19).start(port=ports[1])
        stack.callback(odoo.stop)
        stripe = SandboxStripe().start(port=ports[2])
        stack.callback(stripe.stop)

        assert shopify.base_url == f"http://127.0.0.1:{ports[0]}"
        assert odoo.url == f"http://127.0.0.1:{ports[1]}"
        assert stripe.url == f"http://127.0.0.1:{ports[2]}"
        answer = requests.get(f"{odoo.url}/web/version", timeout=10)
        assert answer.json()["version_info"][0] == 19


@pytest.mark.parametrize(
    "simulator",
    [SandboxShopify, lambda: SandboxOdoo(19), SandboxStripe],
    ids=["shopify", "odoo", "stripe"],
)
def test_a_taken_port_raises_os_error(simulator: object, taken_port: int) -> None:
    server = simulator()  # type: ignore[operator]
    with pytest.raises(OSError):
        server.start(port=taken_port)
