"""Idempotency keys as external id names, and reference parsing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.odoo.keys import key_from_name, parse_ref, xmlid_name
from o2c.errors import MappingError
from o2c.invoices import hub_key

_part = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1
).filter(lambda text: re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") != "")


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("o2c_hub.invoice.myshop.1001", "invoice__myshop__1001"),
        ("o2c_hub.invoice.my-shop.1001", "invoice__my_2dshop__1001"),
        ("o2c_hub.credit_note.shop.1001-r2", "credit_5fnote__shop__1001_2dr2"),
        ("o2c_hub.x.é", "x___u0000e9"),
    ],
)
def test_key_becomes_identifier_name_and_back(key: str, name: str) -> None:
    assert xmlid_name(key) == name
    assert re.fullmatch(r"[A-Za-z0-9_]+", name)
    assert key_from_name(name) == key


@settings(max_examples=60)
@given(kind=_part, source=_part, ident=_part)
def test_hub_keys_round_trip_through_names(kind: str, source: str, ident: str) -> None:
    key = hub_key(kind, source, ident)

    name = xmlid_name(key)

    assert re.fullmatch(r"[A-Za-z0-9_]+", name)
    assert key_from_name(name) == key


@settings(max_examples=60)
@given(a=st.text(min_size=1), b=st.text(min_size=1))
def test_different_keys_never_share_a_name(a: str, b: str) -> None:
    if a != b:
        assert xmlid_name(f"o2c_hub.{a}") != xmlid_name(f"o2c_hub.{b}")


def test_string_without_hub_prefix_is_not_a_key() -> None:
    with pytest.raises(ValueError):
        xmlid_name("invoice.myshop.1")


def test_reference_forms_parse_to_id_or_external_id() -> None:
    assert parse_ref("42", "res.partner", kind="partner").record_id == 42
    assert parse_ref("res.partner,7", "res.partner", kind="partner").record_id == 7
    ref = parse_ref("sandbox.partner_jane", "res.partner", kind="partner")
    assert ref.xmlid == "sandbox.partner_jane" and ref.record_id is None


@pytest.mark.parametrize("text", ["", "jane", "account.account,9", "0"])
def test_unusable_reference_is_a_mapping_error(text: str) -> None:
    with pytest.raises(MappingError) as raised:
        parse_ref(text, "res.partner", kind="partner")
    assert raised.value.kind == "partner"
