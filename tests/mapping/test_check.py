"""Tests of the preflight: every unmapped key with its orders, the preview."""

from __future__ import annotations

import tomllib

from mapping.catalog import CachedCatalog
from mapping.check import check_orders, preview, validate_tables
from mapping.resolver import MappingResolver
from mapping.tables import parse_tables
from o2c.invoices import InvoiceOptions
from tests.mapping.conftest import MAPPING_TOML
from tests.o2c.order_factory import LineSpec, ShippingSpec, make_order


def resolvers(catalog: CachedCatalog, toml: str = MAPPING_TOML):  # type: ignore[no-untyped-def]
    tables = parse_tables(tomllib.loads(toml))
    return lambda shop: MappingResolver(tables.for_shop(shop), catalog, shop)


def test_check_lists_every_unmapped_key_with_the_orders_it_blocks(
    catalog: CachedCatalog,
) -> None:
    orders = [
        make_order(number="#1", lines=[LineSpec("NOPE-1", 1, "10")]),
        make_order(
            number="#2",
            lines=[
                LineSpec("NOPE-1", 1, "10"),
                LineSpec("MUG-001", 1, "5", rates=("0.07",)),
            ],
        ),
        make_order(number="#3", lines=[LineSpec("TS-RED", 1, "10")]),
    ]

    report = check_orders(orders, resolvers(catalog), InvoiceOptions())

    found = {(k["kind"], k["key"]): k for k in report.as_dict()["unmapped"]}
    assert report.orders_checked == 3
    assert found[("product", "NOPE-1")]["orders"] == ["#1", "#2"]
    assert found[("product", "NOPE-1")]["count"] == 2
    assert found[("tax", "VAT 7%|0.07|FR|excl|line")]["orders"] == ["#2"]
    assert not report.ok


def test_check_of_fully_mapped_orders_is_ok(catalog: CachedCatalog) -> None:
    orders = [
        make_order(
            lines=[LineSpec("TS-RED", 3, "19.99"), LineSpec("MUG-001", 1, "4.15")],
            shipping=[ShippingSpec("4.90")],
        )
    ]

    report = check_orders(orders, resolvers(catalog), InvoiceOptions())

    assert report.ok, report.as_dict()


def test_preview_shows_lines_taxes_and_predicted_total(catalog: CachedCatalog) -> None:
    order = make_order(
        lines=[LineSpec("TS-RED", 2, "10.00")], shipping=[ShippingSpec("5.00")]
    )
    resolver = resolvers(catalog)("acme")

    shown = preview(order, resolver, InvoiceOptions())

    assert [line["taxes"] for line in shown["lines"]] == [["20%"], ["20%"]]
    assert shown["predicted"]["total"] == shown["storefront_total"] == "30.00"
    assert shown["unmapped"] == []
    assert shown["hold_reason"] is None


def test_validate_tables_names_every_code_missing_in_the_erp(
    catalog: CachedCatalog,
) -> None:
    toml = MAPPING_TOML + '\n[shops.bad.accounts]\nrounding = "999999"\n'
    tables = parse_tables(tomllib.loads(toml)).for_shop("bad")
    tables = tables.model_copy(update={"products": {"X": "GONE-1"}})

    problems = validate_tables(tables, catalog)

    assert problems == [
        "product code 'GONE-1' not in Odoo",
        "account '999999' not in Odoo",
    ]
