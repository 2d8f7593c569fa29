"""The sandbox's own implementation of Odoo's tax engine (17.2+/18/19 "modern").

Written from `/work/shared/reference/odoo-taxes.md`; independent of the hub's
prediction in `o2c/taxes.py` so that tests comparing the two mean something.
The legacy (<= 17) `compute_all` is in `taxes_legacy.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from connectors.sandbox.odoo.floats import ZERO, float_round

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tax:
    """What the engine needs of an account.tax record."""

    id: int
    amount_type: str
    amount: Decimal
    price_include: bool = False
    include_base_amount: bool = False
    is_base_affected: bool = True
    sequence: int = 1
    children: tuple[Tax, ...] = ()


@dataclass
class TaxResult:
    """One tax applied to one line: its base and its amount."""

    tax: Tax
    base: Decimal
    amount: Decimal


@dataclass
class LineResult:
    """One line through the engine: untaxed and taxed totals and each tax."""

    total_excluded: Decimal
    total_included: Decimal
    taxes: list[TaxResult] = field(default_factory=list)


@dataclass
class _State:
    """Working data of one tax during the modern computation."""

    tax: Tax
    index: int
    batch: list[int] = field(default_factory=list)
    amount: Decimal = ZERO
    extra_base_for_tax: Decimal = ZERO
    extra_base_for_base: Decimal = ZERO
    computed: bool = False


def flatten_modern(taxes: list[Tax]) -> list[Tax]:
    """Return taxes by (sequence, id), groups expanded in place, without duplicates."""
    result: list[Tax] = []
    for tax in sorted(taxes, key=lambda t: (t.sequence, t.id)):
        members = (
            sorted(tax.children, key=lambda t: (t.sequence, t.id))
            if tax.amount_type == "group"
            else [tax]
        )
        for member in members:
            if all(member.id != seen.id for seen in result):
                result.append(member)
    return result


def _batches(states: list[_State]) -> None:
    """Group neighbouring taxes that are computed together (common divisor)."""
    batch: list[int] = []
    next_is_base_affected = False
    for state in reversed(states):
        tax = state.tax
        if batch:
            first = states[batch[0]].tax
            same = (
                tax.amount_type == first.amount_type
                and tax.price_include == first.price_include
                and tax.include_base_amount == first.include_base_amount
                and not (tax.include_base_amount and next_is_base_affected)
            )
            if not same:
                for i in batch:
                    states[i].batch = list(batch)
                batch = []
        next_is_base_affected = tax.is_base_affected
        batch.insert(0, state.index)
    for i in batch:
        states[i].batch = list(batch)


def _push(states: list[_State], targets: list[int], amount: Decimal) -> None:
    """Add `amount` to the targets' bases (and to their tax base while pending)."""
    for i in targets:
        states[i].extra_base_for_base += amount
        if not states[i].computed:
            states[i].extra_base_for_tax += amount


def _propagate(states: list[_State], state: _State) -> None:
    """Apply the reference's propagation table after `state`'s amount is known."""
    tax = state.tax
    before = [i for i in range(len(states)) if i < min(state.batch)]
    after = [i for i in range(len(states)) if i > max(state.batch)]
    if tax.price_include:
        if tax.include_base_amount:
            after = [i for i in after if not states[i].tax.is_base_affected]
        _push(states, after + before, -state.amount)
    elif tax.include_base_amount:
        _push(
            states, [i for i in after if states[i].tax.is_base_affected], state.amount
        )


def _batch_percent(states: list[_State], state: _State) -> Decimal:
    """Return the sum of the batch's rates as a fraction (12% -> 0.12)."""
    return sum((states[i].tax.amount for i in state.batch), ZERO) / HUNDRED


def _evaluate(
    state: _State, states: list[_State], raw_base: Decimal, quantity: Decimal
) -> Decimal:
    """Return the raw amount of one tax on its current base."""
    tax = state.tax
    base = raw_base + state.extra_base_for_tax
    if tax.amount_type == "fixed":
        return quantity * tax.amount
    total = _batch_percent(states, state)
    if tax.price_include:
        if tax.amount_type == "percent":
            return ZERO if 1 + total == 0 else base / (1 + total) * tax.amount / HUNDRED
        return base * tax.amount / HUNDRED
    if tax.amount_type == "percent":
        return base * tax.amount / HUNDRED
    divisor = 1 - total if 1 - total != 0 else Decimal(1)
    return base * tax.amount / HUNDRED / divisor


def compute_line(
    taxes: list[Tax],
    *,
    price_unit: Decimal,
    quantity: Decimal,
    discount: Decimal = ZERO,
    rounding: Decimal | None,
    negative_fixed: bool = False,
) -> LineResult:
    """Return the taxes of one line, modern engine.

    `rounding` is the currency rounding in round_per_line mode (every amount is
    rounded as soon as it is computed) and None in round_globally mode (raw).
    `negative_fixed` flips fixed taxes on negative prices (the master/19 rule).
    """
    price = price_unit * (1 - discount / HUNDRED)
    raw_base = quantity * price
    if rounding is not None:
        raw_base = float_round(raw_base, rounding)
    flat = flatten_modern(taxes)
    states = [_State(tax, i) for i, tax in enumerate(flat)]
    _batches(states)

    def settle(state: _State) -> None:
        amount = _evaluate(state, states, raw_base, quantity)
        if negative_fixed and state.tax.amount_type == "fixed" and price < 0:
            amount = -amount
        state.amount = float_round(amount, rounding) if rounding is not None else amount
        state.computed = True
        _propagate(states, state)

    # Fixed taxes ignore the base, so they go first; then price-included taxes
    # peel themselves off the price backwards; then excluded ones add up forwards.
    for state in reversed(states):
        if state.tax.amount_type == "fixed":
            settle(state)
    for state in reversed(states):
        if not state.computed and state.tax.price_include:
            settle(state)
    for state in states:
        if not state.computed:
            settle(state)
    return _line_result(states, raw_base)


def _line_result(states: list[_State], raw_base: Decimal) -> LineResult:
    """Return the bases and totals once every tax amount is known."""
    results = []
    for state in states:
        base = raw_base + state.extra_base_for_base
        if state.tax.price_include:
            base -= sum((states[i].amount for i in state.batch), ZERO)
        results.append(TaxResult(state.tax, base, state.amount))
    excluded = results[0].base if results else raw_base
    included = excluded + sum((r.amount for r in results), ZERO)
    return LineResult(excluded, included, results)
