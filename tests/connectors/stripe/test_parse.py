"""Real Stripe payloads (tests/fixtures/stripe) parse into the canonical records."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.stripe.parse import (
    MANUAL_PAYOUT_NOTE,
    parse_balance_transaction,
    parse_charge,
    parse_dispute,
    parse_payment_intent,
    parse_payout,
    parse_refund,
)
from connectors.stripe.webhooks import load_event, parse_event
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.payments import BalanceCategory, BreakdownStatus, LinkKind

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal
    )
    return data


def openapi(resource: str) -> dict[str, Any]:
    resources: dict[str, Any] = fixture("openapi/fixtures3.json")["resources"]
    return dict(resources[resource])


def event_object(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = fixture(f"events/{name}.json")["data"]["object"]
    return obj


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def test_djstripe_charge_becomes_a_payment_with_its_fee_line_id() -> None:
    payment = parse_charge(
        fixture("objects/djstripe__charge_ch_fakefakefakefakefake0001.json")
    )
    assert payment.external_id == "ch_fakefakefakefakefake0001"
    assert payment.payment_intent_id == "pi_fakefakefakefakefake0001"
    # An old charge says amount_captured 0 although it is captured: the amount counts.
    assert payment.amount == usd("20.00")
    assert payment.kept == usd("20.00")
    assert payment.balance_transaction_id == "txn_fake_ch_fakefakefakefakefake0001"
    assert payment.references == (
        "ch_fakefakefakefakefake0001",
        "pi_fakefakefakefakefake0001",
    )


def test_uncaptured_openapi_charge_has_received_nothing() -> None:
    payment = parse_charge(openapi("charge"))
    assert payment.amount == usd("0.00")
    assert payment.status == "succeeded"


def test_refunded_charge_event_reports_the_refunded_amount() -> None:
    payment = parse_charge(event_object("charge.refunded"))
    assert payment.amount == usd("1.00")
    assert payment.amount_refunded == usd("1.00")
    assert payment.kept == usd("0.00")


@pytest.mark.parametrize(
    "name", ["charge.succeeded", "charge.captured", "charge.failed", "charge.updated"]
)
def test_charge_events_parse(name: str) -> None:
    payment = parse_charge(event_object(name))
    assert payment.external_id.startswith("ch_")
    assert payment.amount.currency == "USD"


def test_payment_intent_without_expanded_charge_uses_amount_received() -> None:
    intent = event_object("payment_intent.succeeded")
    payment = parse_payment_intent(intent)
    assert payment.payment_intent_id == intent["id"]
    assert payment.amount == Money.from_minor(
        intent["amount_received"], intent["currency"]
    )
    assert payment.status == "succeeded"


def test_payment_intent_with_expanded_charge_merges_its_metadata() -> None:
    intent = openapi("payment_intent") | {"metadata": {"order_number": "#1042"}}
    intent["latest_charge"] = openapi("charge") | {
        "captured": True,
        "amount_captured": 100,
    }
    payment = parse_payment_intent(intent)
    assert payment.external_id == "ch_1PgafuB7WZ01zgkWXYmPNZs8"
    assert payment.amount == usd("1.00")
    assert [(link.kind, link.value) for link in payment.links] == [
        (LinkKind.ORDER, "#1042")
    ]


def test_balance_transaction_fixture_keeps_fee_details() -> None:
    line = parse_balance_transaction(
        fixture(
            "objects/djstripe__balance_transaction_txn_fake_ch_fakefakefakefakefake0001.json"
        )
    )
    assert (line.amount, line.fee, line.net) == (
        usd("20.00"),
        usd("0.88"),
        usd("19.12"),
    )
    assert [(f.kind, f.amount) for f in line.fees] == [("stripe_fee", usd("0.88"))]
    assert line.category == BalanceCategory.RECEIPT
    assert line.payment_id == "ch_fakefakefakefakefake0001"


def test_openapi_balance_transaction_parses() -> None:
    line = parse_balance_transaction(openapi("balance_transaction"))
    assert line.net == usd("1.00")
    assert line.fees == ()


def test_dispute_fee_without_reporting_category_is_a_dispute_fee() -> None:
    line = parse_balance_transaction(
        fixture("objects/djstripe__dispute_txn_fakefakefakefake01.json")
    )
    assert line.category == BalanceCategory.DISPUTE
    assert [(f.kind, f.amount) for f in line.fees] == [("dispute_fee", usd("15.00"))]
    assert line.net == usd("-25.00")


def test_reinstated_dispute_has_withdrawal_and_reinstatement() -> None:
    dispute = parse_dispute(
        fixture("objects/djstripe__dispute_dp_funds_reinstated_full.json")
    )
    assert dispute.payment_id == "ch_fakefakefakefakefake0001"
    assert dispute.withdrawn == usd("10.00")
    assert dispute.reinstated == usd("10.00")
    assert dispute.fees == usd("0.00")


@pytest.mark.parametrize(
    "name",
    [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    ],
)
def test_dispute_events_parse_with_their_lines(name: str) -> None:
    dispute = parse_dispute(event_object(name))
    assert dispute.amount.amount > 0
    assert dispute.withdrawn == (
        dispute.amount if dispute.balance_transactions else usd("0")
    )


def test_openapi_dispute_and_refund_parse() -> None:
    assert parse_dispute(openapi("dispute")).amount == usd("10.00")
    refund = parse_refund(openapi("refund"))
    assert (refund.payment_id, refund.amount) == (
        "ch_1PgafuB7WZ01zgkWXYmPNZs8",
        usd("1.00"),
    )


def test_automatic_payout_waits_for_its_lines() -> None:
    payout = parse_payout(openapi("payout"))
    assert payout.amount == usd("11.00")
    assert payout.reconciliation_status == "completed"
    assert payout.breakdown == BreakdownStatus.PENDING


@pytest.mark.parametrize("name", ["payout.created", "payout.paid", "payout.updated"])
def test_manual_payout_events_say_why_there_is_no_breakdown(name: str) -> None:
    payout = parse_payout(event_object(name))
    assert payout.automatic is False
    assert payout.breakdown == BreakdownStatus.NOT_AVAILABLE
    assert payout.breakdown_note == MANUAL_PAYOUT_NOTE


def test_djstripe_payout_with_a_decimal_string_amount_is_refused_by_field() -> None:
    with pytest.raises(
        PayloadError, match="amount must be an integer of minor units"
    ) as info:
        parse_payout(fixture("objects/djstripe__payout_custom_bank_account.json"))
    assert info.value.where == "amount"


# A balance has no id; disputes of 2012 had none either (they hung off their charge).
WITHOUT_OBJECT_ID = (
    "balance.available",
    "charge.dispute.closed",
    "charge.dispute.updated",
)


def test_every_event_fixture_has_a_readable_envelope() -> None:
    for path in sorted((FIXTURES / "events").glob("*.json")):
        event = parse_event(load_event(path.read_bytes()))
        assert event.type == path.stem.removesuffix(".payment_mode")
        assert event.object_id or event.type in WITHOUT_OBJECT_ID


def test_charge_with_a_float_amount_is_refused() -> None:
    charge = event_object("charge.succeeded") | {"amount": 1.5, "amount_captured": 1.5}
    with pytest.raises(PayloadError, match="amount"):
        parse_charge(charge)
