"""Sandbox Stripe's generator: every automatic payout's lines net exactly to it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sandbox.stripe.account import SandboxAccount
from connectors.sandbox.stripe.generator import Mix, generate_payouts
from connectors.sandbox.stripe.store import StripeStore
from connectors.stripe.parse import parse_balance_transaction, parse_payout
from o2c.ledger import ProcessorAccounts, account_balances, payout_entries
from o2c.payments import BalanceCategory, BreakdownStatus, payout_problems

ACCOUNTS = ProcessorAccounts(
    clearing="clearing",
    bank="bank",
    fee_default="fees",
    refunds="receivable",
    disputes="chargebacks",
    suspense="suspense",
)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    payouts=st.integers(min_value=1, max_value=4),
    charges=st.integers(min_value=1, max_value=30),
    currency=st.sampled_from(["eur", "usd", "jpy"]),
    refund_rate=st.floats(min_value=0, max_value=0.5),
    dispute_rate=st.floats(min_value=0, max_value=0.3),
)
def test_generated_payouts_net_to_their_amount_and_their_postings_balance(
    seed: int,
    payouts: int,
    charges: int,
    currency: str,
    refund_rate: float,
    dispute_rate: float,
) -> None:
    store = StripeStore()
    account = SandboxAccount(store, seed=seed, fee_vat_rate=20)
    mix = Mix(refund_rate=refund_rate, dispute_rate=dispute_rate)
    activity = generate_payouts(
        account,
        start=1_700_000_000,
        payouts=payouts,
        charges_per_payout=charges,
        currency=currency,
        mix=mix,
    )

    for wire in activity.payouts:
        lines = tuple(
            parse_balance_transaction(store.objects["balance_transactions"][i])
            for i in store.payout_lines[wire["id"]]
        )
        payout = parse_payout(wire).model_copy(
            update={"transactions": lines, "breakdown": BreakdownStatus.COMPLETE}
        )
        assert payout_problems(payout) == []
        entries = list(payout_entries(payout, ACCOUNTS).entries)
        receipts = sum(
            t.amount.amount for t in lines if t.category == BalanceCategory.RECEIPT
        )
        balances = account_balances(entries)
        assert balances["clearing"] + receipts == 0
        assert balances["bank"] == payout.amount.amount


def test_generator_is_repeatable_for_a_seed() -> None:
    def ids(seed: int) -> list[str]:
        store = StripeStore()
        generate_payouts(
            SandboxAccount(store, seed=seed), start=1_700_000_000, payouts=1
        )
        return sorted(store.objects["balance_transactions"])

    assert ids(5) == ids(5)
    assert ids(5) != ids(6)
