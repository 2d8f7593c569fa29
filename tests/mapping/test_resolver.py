"""Tests of the resolver: tables against a catalog, specific errors, one lookup."""

from __future__ import annotations

import contextlib
import tomllib
from decimal import Decimal

import pytest

from mapping.catalog import CachedCatalog
from mapping.resolver import NEW_PARTNER, MappingResolver
from mapping.tables import parse_tables
from o2c.errors import MappingError
from o2c.orders import Company, Customer
from o2c.resolution import TaxQuery
from tests.mapping.conftest import MAPPING_TOML
from tests.mapping.memory_catalog import MemoryCatalog
from tests.o2c.order_factory import LineSpec, make_order


def resolver(
    catalog: CachedCatalog, shop: str = "acme", toml: str = MAPPING_TOML
) -> MappingResolver:
    return MappingResolver(
        parse_tables(tomllib.loads(toml)).for_shop(shop), catalog, shop
    )


def vat(rate: str, *, included: bool, country: str = "FR") -> TaxQuery:
    return TaxQuery(
        title=f"VAT {rate}",
        rate=Decimal(rate),
        country_code=country,
        price_include=included,
    )


def test_sku_override_and_sku_as_code_resolve_to_product_ids(
    catalog: CachedCatalog,
) -> None:
    order = make_order(lines=[LineSpec("TS-RED", 1, "10"), LineSpec("MUG-001", 1, "5")])

    products = [resolver(catalog).product_for_line(line) for line in order.lines]

    assert products == ["11", "12"]


def test_unmapped_sku_raises_mapping_error_with_the_sku(catalog: CachedCatalog) -> None:
    order = make_order(lines=[LineSpec("NOPE-1", 1, "10")])

    with pytest.raises(MappingError) as caught:
        resolver(catalog).product_for_line(order.lines[0])

    assert (caught.value.kind, caught.value.key) == ("product", "NOPE-1")


def test_unknown_sku_takes_the_placeholder_when_the_shop_says_so(
    catalog: CachedCatalog,
) -> None:
    order = make_order(lines=[LineSpec("NOPE-1", 1, "10")])

    assert resolver(catalog, "other").product_for_line(order.lines[0]) == "12"


def test_prefetch_asks_the_erp_once_for_every_sku(
    catalog: CachedCatalog, memory: MemoryCatalog
) -> None:
    orders = [
        make_order(lines=[LineSpec("TS-RED", 1, "10"), LineSpec("MUG-001", 1, "5")]),
        make_order(lines=[LineSpec("MUG-001", 2, "5"), LineSpec("NOPE", 1, "1")]),
    ]
    mapped = resolver(catalog)

    mapped.prefetch(orders)
    for order in orders:
        for line in order.lines:
            with contextlib.suppress(MappingError):
                mapped.product_for_line(line)

    assert memory.calls == ["products ['MUG-001', 'NOPE', 'TSHIRT-001']"]


def test_tax_rule_maps_rate_and_inclusion_to_the_erp_tax(
    catalog: CachedCatalog,
) -> None:
    mapped = resolver(catalog)

    excluded = mapped.taxes_for(vat("0.2", included=False))
    included = mapped.taxes_for(vat("0.20", included=True))

    assert [t.id for t in excluded] == [1]
    assert [t.id for t in included] == [2]


def test_more_specific_tax_rule_wins(catalog: CachedCatalog) -> None:
    mapped = resolver(catalog, "other")

    germany = mapped.taxes_for(vat("0.2", included=False, country="DE"))
    france = mapped.taxes_for(vat("0.2", included=False, country="FR"))

    assert [t.id for t in germany] == [3]
    assert [t.id for t in france] == [1]


def test_unmapped_tax_raises_with_the_tax_key(catalog: CachedCatalog) -> None:
    query = vat("0.07", included=False)

    with pytest.raises(MappingError) as caught:
        resolver(catalog).taxes_for(query)

    assert caught.value.kind == "tax"
    assert caught.value.key == query.key == "VAT 0.07|0.07|FR|excl|line"


def test_tax_rule_with_wrong_inclusion_is_refused(catalog: CachedCatalog) -> None:
    toml = '[[defaults.taxes]]\nrate = "0.2"\ntaxes = ["20%"]\n'

    with pytest.raises(MappingError, match="price_include"):
        resolver(catalog, toml=toml).taxes_for(vat("0.2", included=True))


def test_known_customer_resolves_to_the_partner_id_when_parking_unknown_ones(
    catalog: CachedCatalog, memory: MemoryCatalog
) -> None:
    memory.partners["ada@example.com"] = 99
    order = make_order(lines=[LineSpec("TS-RED", 1, "10")])
    toml = '[defaults.customers]\nunknown = "park"\n'

    assert resolver(catalog, toml=toml).partner_for(order) == "99"


def test_create_policy_defers_find_or_create_without_a_lookup(
    catalog: CachedCatalog, memory: MemoryCatalog
) -> None:
    order = make_order(lines=[LineSpec("TS-RED", 1, "10")])

    ref = resolver(catalog).partner_for(order)

    assert ref == f"{NEW_PARTNER}o2c_hub.customer.myshop.ada_example_com"
    assert memory.calls == []


def test_unknown_customer_parks_the_order_when_the_policy_says_park(
    catalog: CachedCatalog,
) -> None:
    toml = '[defaults.customers]\nunknown = "park"\n'
    order = make_order(lines=[LineSpec("TS-RED", 1, "10")])

    with pytest.raises(MappingError) as caught:
        resolver(catalog, toml=toml).partner_for(order)

    assert (caught.value.kind, caught.value.key) == ("customer", "ada@example.com")


def test_b2b_company_is_found_by_vat_id(
    catalog: CachedCatalog, memory: MemoryCatalog
) -> None:
    memory.partners["FR123"] = 7
    toml = '[defaults.customers]\nunknown = "park"\n'
    order = make_order(lines=[LineSpec("TS-RED", 1, "10")])
    company = Company(name="Acme SA", vat_id="FR123")
    order = order.model_copy(
        update={"customer": Customer(email="buyer@acme.test", company=company)}
    )

    assert resolver(catalog, toml=toml).partner_for(order) == "7"


def test_missing_rounding_account_names_the_account(memory: MemoryCatalog) -> None:
    memory.accounts.clear()

    with pytest.raises(MappingError) as caught:
        resolver(CachedCatalog(memory)).rounding_account()

    assert (caught.value.kind, caught.value.key) == ("account", "rounding")


def test_lookups_are_cached_misses_included(
    catalog: CachedCatalog, memory: MemoryCatalog
) -> None:
    mapped = resolver(catalog)
    order = make_order(lines=[LineSpec("NOPE", 1, "10")])

    for _ in range(3):
        with pytest.raises(MappingError):
            mapped.product_for_line(order.lines[0])
        mapped.rounding_account()

    assert memory.calls == ["products ['NOPE']", "accounts ['642000']"]
