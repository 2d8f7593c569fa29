"""Sandbox Stripe fails a paid payout: the money comes back to the balance."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from config.settings import StripeSettings
from connectors.sandbox.stripe.generator import generate_payouts
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.stripe.client import StripeConnector
from o2c.payments import payout_problems

START = 1_767_225_600  # 2026-01-01


def test_failed_payout_returns_its_amount_and_sends_payout_failed() -> None:
    with SandboxStripe(seed=3) as sandbox:
        activity = generate_payouts(
            sandbox.account, start=START, payouts=1, charges_per_payout=3
        )
        payout = activity.payouts[0]

        failed = sandbox.account.fail_payout(payout["id"], created=START + 5 * 86400)

        assert (failed["status"], failed["failure_code"]) == (
            "failed",
            "account_closed",
        )
        line = sandbox.store.objects["balance_transactions"][
            failed["failure_balance_transaction"]
        ]
        assert (line["type"], line["reporting_category"]) == (
            "payout_failure",
            "payout_reversal",
        )
        assert (line["amount"], line["net"], line["source"]) == (
            payout["amount"],
            payout["amount"],
            payout["id"],
        )
        assert line["id"] in sandbox.account.unpaid
        events = [
            e
            for e in sandbox.store.objects["events"].values()
            if e["type"] == "payout.failed"
        ]
        assert [e["data"]["object"]["id"] for e in events] == [payout["id"]]
        assert events[0]["data"]["object"]["status"] == "failed"


def test_failed_payout_read_over_http_is_failed_with_its_code() -> None:
    with SandboxStripe(seed=3) as sandbox:
        activity = generate_payouts(
            sandbox.account, start=START, payouts=1, charges_per_payout=3
        )
        payout_id = activity.payouts[0]["id"]
        sandbox.account.fail_payout(payout_id, created=START + 86400, code="no_account")
        connector = StripeConnector(
            StripeSettings.model_validate(
                {
                    "api_key": SecretStr(API_KEY),
                    "webhook_secret": SecretStr("whsec_x"),
                    "api_base": sandbox.url,
                    "max_network_retries": 0,
                }
            )
        )

        read = connector.payout(payout_id)

    assert (read.status, read.failure_code) == ("failed", "no_account")
    assert payout_problems(read) == []  # its own failure line is not one it carried


def test_next_payout_carries_the_returned_money() -> None:
    with SandboxStripe(seed=4) as sandbox:
        activity = generate_payouts(
            sandbox.account, start=START, payouts=1, charges_per_payout=2
        )
        first = sandbox.account.fail_payout(
            activity.payouts[0]["id"], created=START + 86400
        )
        second = sandbox.account.automatic_payout(
            "eur", created=START + 2 * 86400, arrival=START + 3 * 86400
        )

        assert second is not None
        assert second["amount"] == first["amount"]
        carried = sandbox.store.payout_lines[second["id"]]
        assert first["failure_balance_transaction"] in carried
        returned = sandbox.store.objects["balance_transactions"][
            first["failure_balance_transaction"]
        ]
        assert returned["net"] == second["amount"]


@pytest.mark.parametrize("status", ["failed", "canceled", "pending"])
def test_only_a_paid_payout_can_fail(status: str) -> None:
    with SandboxStripe(seed=3) as sandbox:
        activity = generate_payouts(
            sandbox.account, start=START, payouts=1, charges_per_payout=1
        )
        payout = activity.payouts[0]
        payout["status"] = status
        with pytest.raises(ValueError, match=f"is {status}, not paid"):
            sandbox.account.fail_payout(payout["id"], created=START)
