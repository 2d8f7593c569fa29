"""The Stripe connector against sandbox Stripe on loopback: the exact requests sent."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from connectors.sandbox.stripe.generator import generate_manual_payout, generate_payouts
from connectors.sandbox.stripe.server import SandboxStripe
from connectors.stripe.client import StripeConnector
from connectors.stripe.parse import MANUAL_PAYOUT_NOTE
from o2c.errors import (
    AuthenticationError,
    PermanentError,
    RejectedError,
    RetryableError,
)
from o2c.money import Money
from o2c.payments import BalanceCategory, BreakdownStatus, LinkKind, payout_problems
from tests.connectors.stripe.conftest import settings_for

START = int(time.time()) - 10 * 86400


def test_client_sends_pinned_version_bearer_key_and_form_paging(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=25
    )
    payout = activity.payouts[0]

    lines = list(connector.payout_lines(payout["id"]))

    carried = sandbox.store.payout_lines[payout["id"]]
    assert sorted(t.external_id for t in lines) == sorted(carried)
    pages = [r for r in sandbox.requests if r.path == "/v1/balance_transactions"]
    assert len(pages) == -(-len(carried) // 10)
    assert pages[0].params == {
        "payout": payout["id"],
        "expand": ["data.source"],
        "limit": "10",
    }
    # Each next page starts after the last id of the previous one.
    assert pages[1].params["starting_after"] == lines[9].external_id
    assert pages[0].headers["stripe-version"] == "2025-09-30.clover"
    assert pages[0].headers["authorization"] == "Bearer sk_test_sandbox_hub"


def test_expanded_sources_name_the_charge_of_refunds_and_disputes(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    account = sandbox.account
    charge = account.charge(5000, "eur", created=START, metadata={"order_number": "#7"})
    account.refund(charge["id"], 1200, created=START + 10)
    account.dispute(charge["id"], created=START + 20)
    account.charge(20000, "eur", created=START + 25)  # keeps the balance positive
    payout = account.automatic_payout("eur", created=START + 30, arrival=START + 90)
    assert payout is not None

    lines = {t.category: t for t in connector.payout_lines(payout["id"])}

    assert lines[BalanceCategory.RECEIPT].payment_id == charge["id"]
    assert lines[BalanceCategory.REFUND].payment_id == charge["id"]
    assert lines[BalanceCategory.DISPUTE].payment_id == charge["id"]


def test_payout_is_broken_down_and_nets_to_its_amount(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=2, charges_per_payout=30
    )

    for wire in activity.payouts:
        payout = connector.payout(wire["id"])
        assert payout.breakdown == BreakdownStatus.COMPLETE
        assert payout.amount == Money.from_minor(wire["amount"], "EUR")
        assert payout_problems(payout) == []


def test_manual_payout_is_one_amount_with_the_reason(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    activity = generate_manual_payout(sandbox.account, start=START)

    payout = connector.payout(activity.payouts[0]["id"])

    assert payout.breakdown == BreakdownStatus.NOT_AVAILABLE
    assert payout.breakdown_note == MANUAL_PAYOUT_NOTE
    assert payout.transactions == ()
    assert not any(r.path == "/v1/balance_transactions" for r in sandbox.requests)


def test_payment_by_charge_reads_the_intent_metadata_in_the_same_call(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    charge = sandbox.account.charge(
        4200, "eur", created=START, metadata={"order_number": "#1042"}
    )

    payment = connector.payment(charge["id"])

    assert payment.amount == Money.of("42.00", "EUR")
    assert [(link.kind, link.value) for link in payment.links] == [
        (LinkKind.ORDER, "#1042")
    ]
    assert len(sandbox.requests) == 1
    assert sandbox.requests[0].params == {"expand": ["payment_intent"]}


def test_payment_by_intent_expands_the_latest_charge(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    charge = sandbox.account.charge(4200, "eur", created=START)

    payment = connector.payment(charge["payment_intent"])

    assert payment.external_id == charge["id"]
    assert sandbox.requests[0].params == {"expand": ["latest_charge"]}


def test_server_errors_are_retried_as_configured(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    charge = sandbox.account.charge(1000, "eur", created=START)
    sandbox.fail_next(2, status=500)

    payment = connector.payment(charge["id"])

    assert payment.external_id == charge["id"]
    assert len(sandbox.requests) == 3


def test_without_retries_a_server_error_is_retryable_with_its_request_id(
    sandbox: SandboxStripe,
) -> None:
    connector = StripeConnector(settings_for(sandbox, max_network_retries=0))
    sandbox.fail_next(1, status=503)

    with pytest.raises(RetryableError) as info:
        connector.payout("po_any")

    assert len(sandbox.requests) == 1
    assert info.value.status == 503
    assert (info.value.request_id or "").startswith("req_")
    assert info.value.operation == "retrieve payout"


def test_rate_limit_is_retryable(sandbox: SandboxStripe) -> None:
    connector = StripeConnector(settings_for(sandbox, max_network_retries=0))
    sandbox.fail_next(1, status=429)
    with pytest.raises(RetryableError):
        connector.refund("re_any")


def test_unknown_object_is_a_permanent_error_naming_it(
    connector: StripeConnector,
) -> None:
    with pytest.raises(PermanentError, match="No such dispute") as info:
        connector.dispute("dp_missing")
    assert info.value.external_id == "dp_missing"
    assert info.value.status == 404


def test_wrong_api_key_is_an_authentication_error(sandbox: SandboxStripe) -> None:
    connector = StripeConnector(
        settings_for(sandbox, api_key=SecretStr("sk_test_wrong"))
    )
    with pytest.raises(AuthenticationError):
        connector.payout("po_any")


def test_refund_is_created_once_per_idempotency_key(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    charge = sandbox.account.charge(3000, "eur", created=START)
    key = "o2c_hub.refund.shopify.gid://shopify/Refund/1"

    first = connector.create_refund(
        charge["id"], Money.of("10.00", "EUR"), idempotency_key=key
    )
    again = connector.create_refund(
        charge["id"], Money.of("10.00", "EUR"), idempotency_key=key
    )

    assert first.external_id == again.external_id
    assert len(sandbox.store.objects["refunds"]) == 1
    posts = [r for r in sandbox.requests if r.method == "POST"]
    assert [r.headers["idempotency-key"] for r in posts] == [key, key]
    assert posts[0].params == {"charge": charge["id"], "amount": "1000"}


def test_same_idempotency_key_with_other_parameters_is_rejected(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    charge = sandbox.account.charge(3000, "eur", created=START)
    connector.create_refund(
        charge["id"], Money.of("10.00", "EUR"), idempotency_key="k1"
    )
    with pytest.raises(RejectedError):
        connector.create_refund(
            charge["id"], Money.of("11.00", "EUR"), idempotency_key="k1"
        )


def test_events_since_pages_through_every_event(
    sandbox: SandboxStripe, connector: StripeConnector
) -> None:
    generate_payouts(sandbox.account, start=START, payouts=1, charges_per_payout=12)
    expected = {e["id"] for e in sandbox.store.objects["events"].values()}

    events = list(connector.events_since(START))

    assert {e["id"] for e in events} == expected
    assert len(events) == len(expected)
    first = next(r for r in sandbox.requests if r.path == "/v1/events")
    assert first.params == {"created": {"gte": str(START)}, "limit": "10"}
