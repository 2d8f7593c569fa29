"""Realistic sandbox Stripe activity: charges, refunds, disputes, fees and payouts.

Each automatic payout carries every balance line since the previous one, so its
lines net exactly to its amount, as Stripe's payout reconciliation promises. Charges
name their order the ways merchants do: in metadata, in the description, or both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.sandbox.stripe.account import SandboxAccount

DAY = 86400


@dataclass
class Activity:
    """What a generator run wrote, for tests to check against."""

    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    payouts: list[dict[str, Any]] = field(default_factory=list)
    next_order: int = 1001


@dataclass(frozen=True)
class Mix:
    """How often each thing happens, per charge (fractions) or per payout (counts)."""

    refund_rate: float = 0.08
    partial_refund_rate: float = 0.5  # of refunds
    dispute_rate: float = 0.03
    win_rate: float = 0.5  # of disputes, decided within the same payout period
    radar_fees: int = 1  # fee lines billed on their own, per payout
    min_amount: int = 500
    max_amount: int = 25_000


def generate_payouts(
    account: SandboxAccount,
    *,
    start: int,
    payouts: int = 3,
    charges_per_payout: int = 20,
    currency: str = "eur",
    mix: Mix | None = None,
    activity: Activity | None = None,
) -> Activity:
    """Write `payouts` periods of activity, each closed by an automatic payout."""
    mix = mix or Mix()
    activity = activity or Activity()
    for period in range(payouts):
        begins = start + period * DAY
        _period(
            account,
            activity,
            mix,
            begins=begins,
            charges=charges_per_payout,
            currency=currency,
        )
        payout = account.automatic_payout(
            currency, created=begins + DAY - 60, arrival=begins + 2 * DAY
        )
        if payout is not None:
            activity.payouts.append(payout)
    return activity


def generate_manual_payout(
    account: SandboxAccount,
    *,
    start: int,
    charges: int = 5,
    currency: str = "eur",
    activity: Activity | None = None,
) -> Activity:
    """A few charges, then a manual payout of what they netted."""
    activity = activity or Activity()
    mix = Mix(refund_rate=0, dispute_rate=0, radar_fees=0)
    created = _period(
        account, activity, mix, begins=start, charges=charges, currency=currency
    )
    net = sum(
        account.store.objects["balance_transactions"][c["balance_transaction"]]["net"]
        for c in created
    )
    payout = account.manual_payout(
        net, currency, created=start + DAY - 60, arrival=start + 2 * DAY
    )
    account.unpaid = [i for i in account.unpaid if not _is_line_of(account, i, created)]
    activity.payouts.append(payout)
    return activity


def _period(
    account: SandboxAccount,
    activity: Activity,
    mix: Mix,
    *,
    begins: int,
    charges: int,
    currency: str,
) -> list[dict[str, Any]]:
    rng = account.rng
    step = max(1, (DAY - 3600) // max(charges, 1))
    created: list[dict[str, Any]] = []
    for index in range(charges):
        at = begins + index * step
        charge = _order_charge(account, activity, mix, at=at, currency=currency)
        created.append(charge)
        if rng.random() < mix.refund_rate:
            _refund(account, activity, mix, charge, at=at + 60)
        elif rng.random() < mix.dispute_rate:
            dispute = account.dispute(charge["id"], created=at + 120)
            activity.disputes.append(dispute)
            if rng.random() < mix.win_rate:
                account.win_dispute(dispute["id"], created=at + 180)
    for index in range(mix.radar_fees):
        account.radar_fee(
            rng.randint(5, 200), currency, created=begins + DAY - 1800 + index
        )
    return created


def _order_charge(
    account: SandboxAccount, activity: Activity, mix: Mix, *, at: int, currency: str
) -> dict[str, Any]:
    rng = account.rng
    number = f"#{activity.next_order}"
    activity.next_order += 1
    style = rng.randrange(3)
    metadata = {"order_number": number} if style in (0, 2) else {}
    description = f"Order {number}" if style in (1, 2) else "Online purchase"
    charge = account.charge(
        rng.randint(mix.min_amount, mix.max_amount),
        currency,
        created=at,
        metadata=metadata,
        description=description,
        email=f"buyer{activity.next_order}@example.com",
    )
    activity.charges.append(charge)
    return charge


def _refund(
    account: SandboxAccount,
    activity: Activity,
    mix: Mix,
    charge: dict[str, Any],
    *,
    at: int,
) -> None:
    amount = charge["amount"]
    if account.rng.random() < mix.partial_refund_rate:
        amount = account.rng.randint(1, amount - 1)
    activity.refunds.append(account.refund(charge["id"], amount, created=at))


def _is_line_of(account: SandboxAccount, txn_id: str, charges: list[Any]) -> bool:
    return any(c["balance_transaction"] == txn_id for c in charges)
