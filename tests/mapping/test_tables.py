"""Tests of the mapping file: parsing, per-shop merging, every problem at once."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from mapping.tables import load_tables, parse_tables
from o2c.errors import ConfigurationError
from tests.mapping.conftest import MAPPING_TOML


def test_shop_section_overrides_defaults_and_keeps_the_rest() -> None:
    tables = parse_tables(tomllib.loads(MAPPING_TOML))

    other = tables.for_shop("other")
    plain = tables.for_shop("acme")

    assert other.unknown_sku == "placeholder"
    assert plain.unknown_sku == "park"
    assert other.products == {"TS-RED": "TSHIRT-001"}
    assert other.shipping.default == "SHIP"


def test_shop_tax_rules_come_before_the_default_rules() -> None:
    tables = parse_tables(tomllib.loads(MAPPING_TOML))

    rules = tables.for_shop("other").taxes

    assert rules[0].country == "DE"
    assert rules[0].rate == Decimal("0.2")
    assert len(rules) == 3


def test_invalid_file_names_every_problem_at_once() -> None:
    data = {
        "defaults": {"unknown_sku": "explode", "customers": {"unknown": "shrug"}},
        "shops": {"acme": {"taxes": [{"rate": "0.2"}]}},
    }

    with pytest.raises(ConfigurationError) as caught:
        parse_tables(data)

    message = str(caught.value)
    assert "unknown_sku" in message
    assert "customers.unknown" in message
    assert "taxes.0.taxes" in message


def test_missing_file_means_empty_tables(tmp_path: Path) -> None:
    tables = load_tables(tmp_path / "mapping.toml")

    assert tables.for_shop("acme").products == {}


def test_file_that_is_not_toml_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text("[defaults\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_tables(path)


def test_gateway_rule_for_the_currency_wins_over_any_currency() -> None:
    tables = parse_tables(tomllib.loads(MAPPING_TOML)).for_shop("acme")

    assert tables.journal_for("manual", "EUR") == "BNK1"
    assert tables.journal_for("manual", "USD") is None
    assert tables.journal_for("shopify_payments", "USD") == "STRP"


def test_example_mapping_file_is_valid() -> None:
    example = Path(__file__).parents[2] / "config" / "mapping.example.toml"

    tables = load_tables(example)

    assert tables.for_shop("myshop").taxes
