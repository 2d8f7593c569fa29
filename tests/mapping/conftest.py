"""Fixtures of the mapping tests: the in-memory catalog and a mapping file."""

from __future__ import annotations

import pytest

from mapping.catalog import CachedCatalog
from tests.mapping.memory_catalog import MemoryCatalog

MAPPING_TOML = """
[defaults]
unknown_sku = "park"

[defaults.products]
"TS-RED" = "TSHIRT-001"

[[defaults.taxes]]
rate = "0.2"
price_include = false
taxes = ["20%"]

[[defaults.taxes]]
rate = "0.2"
price_include = true
taxes = ["20% incl."]

[defaults.shipping]
default = "SHIP"

[[defaults.gateways]]
gateway = "shopify_payments"
journal = "STRP"

[[defaults.gateways]]
gateway = "manual"
currency = "EUR"
journal = "BNK1"

[defaults.accounts]
rounding = "642000"

[shops.other]
unknown_sku = "placeholder"
placeholder_product = "MUG-001"

[[shops.other.taxes]]
rate = "0.2"
country = "DE"
taxes = ["10%"]
"""


@pytest.fixture
def memory() -> MemoryCatalog:
    return MemoryCatalog()


@pytest.fixture
def catalog(memory: MemoryCatalog) -> CachedCatalog:
    return CachedCatalog(memory)
