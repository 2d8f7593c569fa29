"""Benchmark: one Stripe payout of 10,000 balance transactions, listed from sandbox
Stripe over loopback, broken down, turned into journal entries, and posted into the
sandbox Odoo through the gateway in the executor's batches (JSON-RPC, Odoo 19).

Printed: the time of each step, lines per second, entries per second and ERP
requests per entry. Nothing is asserted but that every entry was posted.
"""

from __future__ import annotations

import random
import time

from pydantic import SecretStr

from config.settings import OdooSettings, StripeSettings
from connectors.odoo.gateway import open_gateway
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.stripe.client import StripeConnector
from connectors.stripe.parse import parse_payout
from o2c.ledger import JournalEntry, ProcessorAccounts, payout_entries
from o2c.payments import BreakdownStatus, payout_problems

LINES = 10_000
START = 1_790_000_000
BATCH = 100  # the executor's default batch of commands
JOURNAL = "sandbox.journal_general"  # Miscellaneous Operations, code MISC
# Accounts seeded in the sandbox Odoo, by external id (connectors/sandbox/odoo/seed.py);
# the hub resolves the mapping's account codes to such references before posting.
ACCOUNTS = ProcessorAccounts(
    clearing="sandbox.account_stripe_clearing",
    bank="sandbox.account_bank",
    fee_default="sandbox.account_fees_expense",
    fees={"tax": "sandbox.account_tax_payable"},
    refunds="sandbox.account_receivable",
    disputes="sandbox.account_rounding",
    suspense="sandbox.account_rounding",
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


def _post(entries: tuple[JournalEntry, ...]) -> tuple[float, int]:
    """Post `entries` into a fresh sandbox Odoo in batches; return (seconds, calls)."""
    with SandboxOdoo(version=19, currency="EUR") as odoo:
        gateway = open_gateway(
            OdooSettings(
                url=odoo.url,
                database=odoo.database,
                login=odoo.login,
                api_key=SecretStr(odoo.api_key),
                protocol="jsonrpc",
            )
        )
        gateway.tax_rounding_method()  # the session and lookups, as a worker has
        before = gateway.calls
        started = time.perf_counter()
        for first in range(0, len(entries), BATCH):
            results = gateway.create_journal_entries(
                entries[first : first + BATCH], journal_ref=JOURNAL
            )
            failed = [r for r in results if r.error is not None]
            if failed:
                raise RuntimeError(f"a benchmark entry failed: {failed[0].error}")
        elapsed = time.perf_counter() - started
        calls = gateway.calls - before
        moves = [
            m
            for m in odoo.records("account.move")
            if m["state"] == "posted" and m.get("move_type") == "entry"
        ]
        if len(moves) != len(entries):
            raise RuntimeError(f"{len(moves)} entries posted of {len(entries)}")
        gateway.close()
    return elapsed, calls


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
        built = time.perf_counter() - started

    posted, calls = _post(postings.entries)

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
        f"build postings                {built:8.3f} s  "
        f"{len(postings.entries)} entries, "
        f"{sum(len(e.postings) for e in postings.entries)} postings"
    )
    count = len(postings.entries)
    print(
        f"{f'post in Odoo ({BATCH} a batch)':<30}{posted:8.2f} s  "
        f"{count / posted:,.0f} entries/s, {calls} requests "
        f"({calls / count:.3f} per entry)"
    )
    total = listed + broken_down + built + posted
    print(f"{'list, break down and post':<30}{total:8.2f} s")
