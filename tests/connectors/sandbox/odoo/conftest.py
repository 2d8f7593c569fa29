"""Fixtures for the sandbox Odoo tests: a started server per version and clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.sandbox.odoo import SUPPORTED_VERSIONS, SandboxOdoo

TODAY = dt.date(2026, 3, 15)


class RpcFault(Exception):  # noqa: N818 - named after the wire term
    """A JSON-RPC error answer; `error` is Odoo's error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["data"]["message"])
        self.error = error

    @property
    def name(self) -> str:
        return str(self.error["data"]["name"])

    @property
    def message(self) -> str:
        return str(self.error["data"]["message"])


class JsonRpc:
    """A plain `requests` JSON-RPC client, to assert the exact wire shapes."""

    def __init__(self, odoo: SandboxOdoo, *, password: str | None = None) -> None:
        self.odoo = odoo
        self.session = requests.Session()
        self.uid = odoo.uid
        self.password = password or odoo.password
        self.last: dict[str, Any] = {}

    def post(self, path: str, params: dict[str, Any], timeout: float = 10) -> Any:
        """POST a JSON-RPC request; return the result or raise RpcFault."""
        body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}
        reply = self.session.post(self.odoo.url + path, json=body, timeout=timeout)
        assert reply.status_code == 200
        self.last = reply.json()
        assert self.last["jsonrpc"] == "2.0" and self.last["id"] == 7
        if "error" in self.last:
            raise RpcFault(self.last["error"])
        return self.last["result"]

    def service(self, service: str, method: str, *args: Any) -> Any:
        """Call a `/jsonrpc` service method."""
        return self.post(
            "/jsonrpc", {"service": service, "method": method, "args": list(args)}
        )

    def __call__(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run `execute_kw(model, method, args, kwargs)` as the admin user."""
        return self.service(
            "object",
            "execute_kw",
            self.odoo.database,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )


class Json2:
    """A `requests` client for `/json/2/<model>/<method>`."""

    def __init__(self, odoo: SandboxOdoo, key: str | None = None) -> None:
        self.odoo = odoo
        self.headers = {
            "Authorization": f"bearer {key or odoo.api_key}",
            "X-Odoo-Database": odoo.database,
        }

    def raw(self, model: str, method: str, **body: Any) -> requests.Response:
        """POST and return the raw response."""
        url = f"{self.odoo.url}/json/2/{model}/{method}"
        return requests.post(url, json=body, headers=self.headers, timeout=10)

    def __call__(self, model: str, method: str, **body: Any) -> Any:
        """POST and return the decoded result; the status must be 200."""
        reply = self.raw(model, method, **body)
        assert reply.status_code == 200, reply.text
        return reply.json()


def _start(version: int, **kwargs: Any) -> SandboxOdoo:
    return SandboxOdoo(version, today=lambda: TODAY, **kwargs).start()


@pytest.fixture(params=SUPPORTED_VERSIONS, ids=lambda v: f"odoo{v}")
def odoo(request: pytest.FixtureRequest) -> Iterator[SandboxOdoo]:
    """A started sandbox for each version 16..19."""
    server = _start(request.param)
    yield server
    server.stop()


@pytest.fixture
def rpc(odoo: SandboxOdoo) -> JsonRpc:
    """A JSON-RPC client logged in as admin."""
    return JsonRpc(odoo)


@pytest.fixture
def odoo19() -> Iterator[SandboxOdoo]:
    """A started Odoo 19 sandbox (JSON-2)."""
    server = _start(19)
    yield server
    server.stop()


@pytest.fixture
def json2(odoo19: SandboxOdoo) -> Json2:
    """A JSON-2 client with the admin's API key."""
    return Json2(odoo19)


@pytest.fixture
def start_odoo() -> Iterator[Any]:
    """A factory for sandboxes with options (rounding, currency...), stopped after."""
    started: list[SandboxOdoo] = []

    def factory(version: int, **kwargs: Any) -> SandboxOdoo:
        server = _start(version, **kwargs)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


def invoice_vals(
    odoo: SandboxOdoo, *lines: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """Return create values of a customer invoice for Deco Addict."""
    return {
        "move_type": "out_invoice",
        "partner_id": odoo.ref("sandbox.partner_deco"),
        "invoice_date": "2026-03-01",
        "invoice_line_ids": [(0, 0, line) for line in lines],
        **extra,
    }


def line(
    odoo: SandboxOdoo, price: float, *taxes: str, qty: float = 1, **extra: Any
) -> dict[str, Any]:
    """Return an invoice line on the T-shirt with the named seed taxes."""
    return {
        "product_id": odoo.ref("sandbox.product_tshirt"),
        "quantity": qty,
        "price_unit": price,
        "tax_ids": [(6, 0, [odoo.ref(f"sandbox.{t}") for t in taxes])],
        **extra,
    }
