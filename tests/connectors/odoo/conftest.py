"""Fixtures for the Odoo gateway tests: a sandbox per backend and draft builders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.odoo.gateway import OdooGateway, open_gateway
from connectors.sandbox.odoo import SandboxOdoo
from o2c.taxes import TaxDefinition
from tests.connectors.odoo.support import BACKENDS, TAX_20, TODAY, settings_for


@pytest.fixture(params=BACKENDS, ids=[f"odoo{v}-{p}" for v, p in BACKENDS])
def backend(request: pytest.FixtureRequest) -> tuple[int, str]:
    """Return (Odoo major version, protocol) of the backend under test."""
    version, protocol = request.param
    return int(version), str(protocol)


@pytest.fixture
def odoo(backend: tuple[int, str]) -> Iterator[SandboxOdoo]:
    """Return a started, freshly seeded sandbox Odoo of the backend's version."""
    with SandboxOdoo(version=backend[0], today=lambda: TODAY) as server:
        yield server


@pytest.fixture
def gateway(odoo: SandboxOdoo, backend: tuple[int, str]) -> Iterator[OdooGateway]:
    """Return a gateway on the sandbox over the backend's protocol."""
    opened = open_gateway(settings_for(odoo, backend[1]))
    assert isinstance(opened, OdooGateway)
    yield opened
    opened.close()


@pytest.fixture
def taxes(gateway: OdooGateway, odoo: SandboxOdoo) -> tuple[TaxDefinition, ...]:
    """Return the 20% price-excluded sales tax, read through the gateway."""
    return tuple(gateway.find_taxes(ids=[odoo.ref(TAX_20)]))
