"""Odoo's legacy tax engine (`account.tax.compute_all`, Odoo 16 and 17) for one line.

It differs from the modern engine in ways that change cents:
- the base `price * quantity` is rounded to the currency in both rounding modes, and
  the untaxed total is rounded too, even in round_globally;
- taxes are sorted on sequence alone, but a line's taxes (and a group's children)
  come from the database already in `account.tax` order (sequence, id), so the
  order is (sequence, id) in practice; duplicates inside groups are kept;
- a run of price-included taxes stores the gross price as a checkpoint and the
  last tax of the run takes what is left (52.50 at 12% included gives 46.88 + 5.62,
  where the modern engine gives 46.87 + 5.63);
- in round_globally each tax is rounded to the currency's decimals plus five, which
  is nearly raw; the document rounds the sums per tax afterwards.
A negative base is computed as a positive one and every result negated at the end.

Odoo 16 and 17 differ in the backward pass: 16 starts a new run at every tax that
includes its amount in the base and adds up price-included fixed taxes; 17 starts a
new run only when the tax after it accepts base changes, and keeps the last fixed
tax of a run (it assigns where 16 adds). `version` selects the behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from o2c.taxes.definitions import LineTaxes, TaxAmount, TaxDefinition, round_to

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
# round_globally keeps five more decimals than the currency on each line.
GLOBAL_EXTRA_DIGITS = 5


def flatten_legacy(taxes: Sequence[TaxDefinition]) -> list[TaxDefinition]:
    """Return the leaf taxes in Odoo 16/17 order, groups expanded in place.

    The order is (sequence, id): records arrive in that order and the sort on
    sequence is stable. Duplicates are kept.
    """
    ordered: list[TaxDefinition] = []
    for tax in sorted(taxes, key=lambda item: (item.sequence, item.id)):
        if tax.children:
            ordered.extend(flatten_legacy(tax.children))
        else:
            ordered.append(tax)
    return ordered


@dataclass
class _Included:
    """Price-included amounts gathered while walking the taxes backwards."""

    percent: Decimal = _ZERO
    division: Decimal = _ZERO
    fixed: Decimal = _ZERO

    def add_fixed(self, amount: Decimal, version: int) -> None:
        # Odoo 17 assigns where 16 adds: a second fixed tax in a run replaces the
        # first.
        self.fixed = amount if version >= 17 else self.fixed + amount

    def strip(self, gross: Decimal) -> Decimal:
        """Remove the gathered taxes from a gross amount and start a new run."""
        net = (
            (gross - self.fixed)
            / (1 + self.percent / _HUNDRED)
            * (_HUNDRED - self.division)
            / _HUNDRED
        )
        self.percent = self.division = self.fixed = _ZERO
        return net


@dataclass
class _Forward:
    """The running values of the forward pass."""

    base: Decimal
    total_excluded: Decimal
    checkpoints: dict[int, Decimal]
    cumulated_included: Decimal = _ZERO
    skip_checkpoint: bool = False
    results: list[TaxAmount] = field(default_factory=list)


def legacy_line_taxes(
    taxes: Sequence[TaxDefinition],
    *,
    price_unit: Decimal,
    quantity: Decimal,
    digits: int,
    per_line: bool,
    version: int = 17,
) -> LineTaxes:
    """Compute one line's taxes the way Odoo 16/17's `compute_all` does.

    `price_unit` is the unit price after the line's discount; `digits` the
    currency's decimals. Returns the line's totals (the untaxed one rounded to the
    currency) and each tax's base and amount.
    """
    ordered = flatten_legacy(taxes)
    precision = digits if per_line else digits + GLOBAL_EXTRA_DIGITS
    gross = round_to(price_unit * quantity, digits)
    sign = -1 if gross < 0 else 1
    gross = abs(gross)

    checkpoints, stripped = _strip_included(
        ordered, gross, quantity=quantity, version=version
    )
    total_excluded = round_to(stripped, digits)
    state = _Forward(
        base=total_excluded, total_excluded=total_excluded, checkpoints=checkpoints
    )
    for index, tax in enumerate(ordered):
        _forward_step(state, index, tax, quantity=quantity, precision=precision)

    total_included = total_excluded + sum((r.amount for r in state.results), _ZERO)
    return LineTaxes(
        total_excluded=sign * total_excluded,
        total_included=sign * round_to(total_included, digits),
        taxes=tuple(
            TaxAmount(tax=r.tax, base=sign * r.base, amount=sign * r.amount)
            for r in state.results
        ),
    )


def _strip_included(
    ordered: list[TaxDefinition],
    gross: Decimal,
    *,
    quantity: Decimal,
    version: int,
) -> tuple[dict[int, Decimal], Decimal]:
    """Walk backwards removing price-included taxes; return checkpoints and the net.

    Each run of price-included taxes ends at a tax that includes its amount in the
    base of later taxes; the last non-zero price-included tax of a run remembers
    the gross amount it must reach.
    """
    checkpoints: dict[int, Decimal] = {}
    included = _Included()
    base = gross
    store_checkpoint = True
    next_is_base_affected = True
    for index in reversed(range(len(ordered))):
        tax = ordered[index]
        if tax.include_base_amount and (next_is_base_affected or version < 17):
            base = included.strip(base)
            store_checkpoint = True
        if tax.price_include:
            if tax.amount_type == "percent":
                included.percent += tax.amount
            elif tax.amount_type == "division":
                included.division += tax.amount
            else:
                included.add_fixed(abs(quantity) * tax.amount, version)
            if store_checkpoint and tax.amount:
                checkpoints[index] = base
                store_checkpoint = False
        next_is_base_affected = tax.is_base_affected
    return checkpoints, included.strip(base)


def _forward_step(
    state: _Forward,
    index: int,
    tax: TaxDefinition,
    *,
    quantity: Decimal,
    precision: int,
) -> None:
    """Compute one tax in sequence order and update the running base."""
    if tax.price_include or tax.is_base_affected:
        tax_base = state.base
    else:
        tax_base = state.total_excluded

    checkpoint = state.checkpoints.get(index)
    if tax.price_include and checkpoint is not None and not state.skip_checkpoint:
        amount = checkpoint - (state.base + state.cumulated_included)
        state.cumulated_included = _ZERO
    else:
        amount = _excluded_formula(tax, tax_base, quantity)
    amount = round_to(amount, precision)

    if tax.price_include and checkpoint is None:
        state.cumulated_included += amount
    if tax.include_base_amount:
        state.base += amount
        if not tax.price_include:
            state.skip_checkpoint = True
    state.results.append(
        TaxAmount(tax=tax, base=round_to(tax_base, precision), amount=amount)
    )


def _excluded_formula(tax: TaxDefinition, base: Decimal, quantity: Decimal) -> Decimal:
    if tax.amount_type == "fixed":
        return abs(quantity) * tax.amount
    if tax.amount_type == "division":
        return base / (1 - tax.amount / _HUNDRED) - base
    return base * tax.amount / _HUNDRED
