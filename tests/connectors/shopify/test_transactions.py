"""`order_transactions/create` bodies read into canonical storefront transactions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.shopify.parse import order_from_webhook
from connectors.shopify.payload import loads
from connectors.shopify.transactions import transaction_from_webhook
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.orders import TransactionKind


def stripe_transaction(**changes: Any) -> dict[str, Any]:
    """A REST transaction as a shop whose gateway is Stripe sends it."""
    body: dict[str, Any] = {
        "id": 9007199254740993,  # 2**53 + 1: must stay exact
        "admin_graphql_api_id": "gid://shopify/OrderTransaction/9007199254740993",
        "order_id": 5745876049942,
        "kind": "sale",
        "gateway": "stripe",
        "status": "success",
        "message": None,
        "created_at": "2026-03-01T10:00:00+01:00",
        "test": False,
        "authorization": "ch_3QAbcdEFgh",
        "parent_id": None,
        "processed_at": "2026-03-01T10:00:01+01:00",
        "amount": "129.90",
        "currency": "EUR",
        "payment_id": "pi_3QAbcdEFgh",
        "receipt": {},
    }
    body.update(changes)
    return body


def test_docs_sample_is_read_with_its_order_and_references(
    fixture_bytes: Any,
) -> None:
    body = loads(fixture_bytes("docs_sample__order_transactions__create.json"))

    found = transaction_from_webhook(body["response"], shop="acme")

    assert found.source == "acme"
    # The sample's order_id was rounded by the scraper; it is read as given.
    assert found.order_external_id == "gid://shopify/Order/820982911946154500"
    transaction = found.transaction
    assert (
        transaction.external_id == "gid://shopify/OrderTransaction/120560818172775265"
    )
    assert (transaction.kind, transaction.status) == (
        TransactionKind.AUTHORIZATION,
        "success",
    )
    assert transaction.amount == Money.of("419.95", "USD")
    assert transaction.created_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert (transaction.authorization, transaction.payment_reference) == (
        "1001",
        "#9999.1",
    )
    assert found.references == ("1001", "#9999.1")


def test_stripe_gateway_transaction_names_the_charge_and_the_intent() -> None:
    raw = json.dumps(stripe_transaction()).encode()

    found = transaction_from_webhook(raw, shop="acme")

    assert found.order_external_id == "gid://shopify/Order/5745876049942"
    assert found.transaction.external_id.endswith("/9007199254740993")
    assert found.references == ("ch_3QAbcdEFgh", "pi_3QAbcdEFgh")


def test_webhook_transaction_equals_the_same_transaction_inside_its_order(
    fixture_bytes: Any,
) -> None:
    order_body = loads(fixture_bytes("pair__order_b2b_eur_usd.rest.json"))
    order = order_from_webhook(order_body, shop="acme")
    inside = order_body["refunds"][0]["transactions"][0]

    alone = transaction_from_webhook(
        {**inside, "order_id": order_body["id"]}, shop="acme"
    )

    assert alone.transaction == order.refunds[0].transactions[0]
    assert alone.order_external_id == order.external_id


def test_null_currency_falls_back_to_the_unsettled_presentment_currency() -> None:
    body = stripe_transaction(
        currency=None,
        total_unsettled_set={
            "presentment_money": {"amount": "129.90", "currency": "USD"},
            "shop_money": {"amount": "119.00", "currency": "EUR"},
        },
    )
    found = transaction_from_webhook(body, shop="acme")
    assert found.transaction.amount == Money(amount=Decimal("129.90"), currency="USD")


def test_old_transaction_without_any_currency_is_refused_with_the_reason(
    fixture_bytes: Any,
) -> None:
    (old,) = loads(fixture_bytes("rest__python_api__transactions.json"))
    with pytest.raises(PayloadError, match=r"names no currency \(at currency\)"):
        transaction_from_webhook(old, shop="acme")


def test_anonymized_exemplar_is_refused_naming_the_field(fixture_bytes: Any) -> None:
    body = fixture_bytes("exemplar__2025-04__order_transactions__1.json")
    with pytest.raises(PayloadError) as caught:
        transaction_from_webhook(body, shop="acme")
    assert caught.value.where in {"kind", "admin_graphql_api_id", "amount"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"order_id": None}, "not a numeric id: None (at order_id)"),
        ({"kind": "teleport"}, "unknown transaction kind 'teleport' (at kind)"),
        ({"amount": "12,50"}, "not a decimal amount: '12,50' (at amount)"),
        ({"status": 3}, "expected a string, got number (at status)"),
        ({"currency": "EURO"}, "not a currency code: EURO"),
        ({"parent_id": "abc"}, "not a numeric id: abc (at parent_id)"),
    ],
)
def test_malformed_transaction_is_refused_naming_the_field(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PayloadError) as caught:
        transaction_from_webhook(stripe_transaction(**changes), shop="acme")
    assert message in str(caught.value)


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b"{not json", b'"text"'])
def test_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(PayloadError):
        transaction_from_webhook(body, shop="acme")
