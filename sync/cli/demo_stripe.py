"""The demo's Stripe side: a few days of card payments, then their signed webhooks.

The sandbox Stripe account gets charges named after the demo's orders, refunds,
one dispute and an automatic payout carrying every balance line since, then a
manual payout (which Stripe does not break down). Their events are sent to the
hub's `/webhooks/stripe` shuffled and with duplicates, as Stripe delivers them.
Amounts are in US dollars, the sandbox Odoo company's currency, so that the
payouts' clearing entries can be posted.

The shop's orders paid through the `stripe` gateway get their charges too, under
the ids their storefront transactions name and in the buyer's currency, with no
order metadata or description: the storefront transaction is the only clue to
their order. No payout carries them; they stay in the balance.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from config.templates import SANDBOX_STRIPE_WEBHOOK_SECRET
from connectors.sandbox.shopify import SandboxOrder
from connectors.sandbox.shopify.pricing import round_to
from connectors.sandbox.shopify.records import Transaction
from connectors.sandbox.stripe.generator import (
    DAY,
    Activity,
    Mix,
    generate_manual_payout,
    generate_payouts,
)
from connectors.sandbox.stripe.server import SandboxStripe
from connectors.sandbox.stripe.webhooks import WebhookSender
from o2c.money import Money
from sync.store.models import Command, CommandStatus
from sync.store.models_stripe import StripeKind, StripeObjectRecord

CURRENCY = "usd"
DUPLICATE_RATE = 0.2
MANUAL_PAYOUT_CHARGES = 3
DISPUTED_AMOUNT = 4_200  # minor units
PAYOUT_ENTRY_PREFIX = "o2c_hub.payout.stripe."
# The storefront gateway whose payments land in the merchant's own Stripe account
# (Shopify Payments runs on Stripe too, but its charges live in Shopify's account).
STOREFRONT_GATEWAY = "stripe"
COLLECTING_KINDS = ("sale", "capture")


@dataclass(frozen=True)
class StripeDelivery:
    """What the demo generated at Stripe and how its webhooks went."""

    charges: int
    refunds: int
    disputes: int
    payouts: int
    events: int
    delivered: int
    failures: int

    @property
    def duplicates(self) -> int:
        """Deliveries beyond one per event."""
        return self.delivered - self.events


def generate_activity(
    sandbox: SandboxStripe, *, orders: int, first_number: int = 1001
) -> Activity:
    """Write the demo's Stripe activity (four days ago until two days ago)."""
    account = sandbox.account
    start = int(time.time()) - 4 * DAY
    activity = Activity(next_order=first_number)

    # A dispute every demo shows: opened on a charge the automatic payout carries.
    number = f"#{activity.next_order}"
    activity.next_order += 1
    disputed = account.charge(
        DISPUTED_AMOUNT,
        CURRENCY,
        created=start + 60,
        metadata={"order_number": number},
        description=f"Order {number}",
        email="disputed@example.com",
    )
    activity.charges.append(disputed)
    activity.disputes.append(account.dispute(disputed["id"], created=start + 120))

    charges = max(3, min(orders // 3, 20))
    generate_payouts(
        account,
        start=start + 600,
        payouts=1,
        charges_per_payout=charges,
        currency=CURRENCY,
        mix=Mix(refund_rate=0.15, dispute_rate=0.0),
        activity=activity,
    )
    generate_manual_payout(
        account,
        start=start + 2 * DAY,
        charges=MANUAL_PAYOUT_CHARGES,
        currency=CURRENCY,
        activity=activity,
    )
    return activity


def charge_storefront_orders(
    sandbox: SandboxStripe, orders: Iterable[SandboxOrder], activity: Activity
) -> list[dict[str, Any]]:
    """Write a charge for each order's sale or capture through the `stripe` gateway,
    with the charge and intent ids, amount and currency its transaction names, at
    its time; add them to `activity` and return them."""
    charges = [
        sandbox.account.charge(
            amount.to_minor(),
            amount.currency.lower(),
            created=_unix(transaction.created_at),
            charge_id=transaction.authorization,
            intent_id=transaction.payment_id,
        )
        for transaction, amount in _collected_through_stripe(orders)
    ]
    activity.charges.extend(charges)
    return charges


def _collected_through_stripe(
    orders: Iterable[SandboxOrder],
) -> Iterator[tuple[Transaction, Money]]:
    """The orders' successful sales and captures through the `stripe` gateway, each
    with its amount in the buyer's (presentment) currency, as Shopify reports it."""
    for order in orders:
        for transaction in order.transactions:
            if (
                transaction.gateway == STOREFRONT_GATEWAY
                and transaction.kind in COLLECTING_KINDS
                and transaction.status == "success"
            ):
                currency = order.presentment_currency
                amount = round_to(transaction.amount.presentment, currency)
                yield transaction, Money.of(amount, currency)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def deliver_events(
    sandbox: SandboxStripe, activity: Activity, hub_url: str, *, seed: int
) -> StripeDelivery:
    """Send every event of the account to the hub, shuffled, some twice."""
    events = account_events(sandbox)
    sender = WebhookSender(f"{hub_url}/webhooks/stripe", SANDBOX_STRIPE_WEBHOOK_SECRET)
    try:
        responses = sender.deliver_all(
            events, rng=random.Random(seed), duplicates=DUPLICATE_RATE
        )
    finally:
        sender.session.close()
    return StripeDelivery(
        charges=len(activity.charges),
        refunds=len(activity.refunds),
        disputes=len(activity.disputes),
        payouts=len(activity.payouts),
        events=len(events),
        delivered=len(responses),
        failures=sum(1 for r in responses if r.status_code >= 300),
    )


def account_events(sandbox: SandboxStripe) -> list[dict[str, Any]]:
    """Every event of the sandbox account, oldest first."""
    events = sandbox.store.objects["events"].values()
    return sorted(events, key=lambda event: event["created"])


def payout_summaries(activity: Activity) -> list[dict[str, Any]]:
    """The payouts as the bank will show them: id, amount (minor units), arrival."""
    return [
        {"id": p["id"], "amount": p["amount"], "arrival": p["arrival_date"]}
        for p in activity.payouts
    ]


def stripe_figures(engine: Engine) -> dict[str, int]:
    """Count what the hub made of Stripe: payments stored, payouts reconciled
    (broken down into their balance lines, transfer posted in the ERP), payout
    transfers posted (a manual payout's too) and journal entries posted."""
    with engine.connect() as conn:
        payments = conn.execute(
            select(func.count()).where(StripeObjectRecord.kind == StripeKind.PAYMENT)
        ).scalar_one()
        posted = select(func.count()).where(
            Command.kind == "PostJournalEntry", Command.status == CommandStatus.DONE
        )
        entries = conn.execute(posted).scalar_one()
        transfers = set(
            conn.execute(
                select(Command.idempotency_key).where(
                    Command.kind == "PostJournalEntry",
                    Command.status == CommandStatus.DONE,
                    Command.idempotency_key.startswith(PAYOUT_ENTRY_PREFIX),
                )
            ).scalars()
        )
        # Broken down: a payout the hub could split into its balance lines.
        broken_down = conn.execute(
            select(StripeObjectRecord.external_id).where(
                StripeObjectRecord.kind == StripeKind.PAYOUT,
                StripeObjectRecord.note.is_(None),
            )
        ).scalars()
        reconciled = [p for p in broken_down if PAYOUT_ENTRY_PREFIX + p in transfers]
    return {
        "payments": int(payments),
        "payouts_reconciled": len(reconciled),
        "payout_transfers": len(transfers),
        "journal_entries": int(entries),
    }
