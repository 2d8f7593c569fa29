"""Benchmark: one Stripe payout of 10,000 balance transactions, listed from sandbox
Stripe over loopback, broken down and turned into journal entries."""

from __future__ import annotations

import random
import time

from pydantic import SecretStr

from config.settings import StripeSettings
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.stripe.client import StripeConnector
from connectors.stripe.parse import parse_payout
from o2c.ledger import ProcessorAccounts, payout_entries
from o2c.payments import BreakdownStatus, payout_problems

LINES = 10_000
START = 1_790_000_000
ACCOUNTS = ProcessorAccounts(
    clearing="1150",
    bank="1010",
    fee_default="6810",
    fees={"tax": "4456", "dispute_fee": "6820"},
    refunds="1100",
    disputes="6830",
    suspense="4999",
)


def _fill(sandbox: SandboxStripe) -> str:
    """Charges, refunds and disputes until the next payout carries LINES lines."""
    account, rng = sandbox.account, random.Random(1)
    second = START
    while len(account.unpaid) < LINES - 2:
        second += 3
        charge = account.charge(rng.randint(500, 50_000), "eur", created=second)
        roll = rng.random()
        if roll < 0.06:
            account.refund(
                charge["id"], rng.randint(1, charge["amount"]), created=second + 1
            )
        elif roll < 0.08:
            account.dispute(charge["id"], created=second + 2)
    account.radar_fee(150, "eur", created=second + 3)
    payout = account.automatic_payout(
        "eur", created=second + 60, arrival=second + 86400
    )
    assert payout is not None
    return str(payout["id"])


def main() -> None:
    with SandboxStripe(seed=1) as sandbox:
        started = time.perf_counter()
        payout_id = _fill(sandbox)
        generated = time.perf_counter() - started
        settings = StripeSettings(
            api_key=SecretStr(API_KEY),
            webhook_secret=SecretStr("whsec_bench"),
            api_base=sandbox.url,
            max_network_retries=2,
        )
        connector = StripeConnector(settings)

        started = time.perf_counter()
        wire = connector.client.v1.payouts.retrieve(payout_id).to_dict()
        lines = tuple(connector.payout_lines(payout_id))
        listed = time.perf_counter() - started

        started = time.perf_counter()
        payout = parse_payout(wire).model_copy(
            update={"transactions": lines, "breakdown": BreakdownStatus.COMPLETE}
        )
        problems = payout_problems(payout)
        broken_down = time.perf_counter() - started

        started = time.perf_counter()
        postings = payout_entries(payout, ACCOUNTS)
        posted = time.perf_counter() - started

    pages = -(-len(lines) // connector.page_size)
    print(f"payout {payout_id}: {payout.amount}, {len(lines)} balance transactions")
    print(f"generate in sandbox          {generated:8.2f} s")
    print(
        f"list ({pages} pages, expanded) {listed:8.2f} s  "
        f"({len(lines) / listed:,.0f} lines/s)"
    )
    print(
        f"break down and check          {broken_down:8.3f} s  problems: {len(problems)}"
    )
    print(
        f"build postings                {posted:8.3f} s  "
        f"{len(postings.entries)} entries, "
        f"{sum(len(e.postings) for e in postings.entries)} postings"
    )
