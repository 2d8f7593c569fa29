"""Odoo's modern tax engine (17.2 and later: 18, 19) for one invoice line.

Steps, as the reference describes Odoo's `_get_tax_details`:
1. flatten the taxes (groups replaced by their children) in (sequence, id) order;
2. cut them into batches of like taxes (price-included percents share a divisor);
3. compute fixed taxes, then price-included taxes backwards, then price-excluded
   taxes forwards, each on the raw base plus what earlier results pushed onto it;
4. derive each tax's base and the line's untaxed and taxed totals.
In round_per_line the raw base and every tax are rounded to the currency as they are
computed; in round_globally nothing is rounded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from o2c.taxes.definitions import LineTaxes, TaxAmount, TaxDefinition, round_to

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def flatten_modern(taxes: Sequence[TaxDefinition]) -> list[TaxDefinition]:
    """Return the leaf taxes in evaluation order, each tax once.

    A group takes its place by its own (sequence, id) and brings its children in
    their (sequence, id) order.
    """
    ordered: list[TaxDefinition] = []
    seen: set[int] = set()
    for tax in sorted(taxes, key=_order_key):
        members = flatten_modern(tax.children) if tax.children else [tax]
        for member in members:
            if member.id not in seen:
                seen.add(member.id)
                ordered.append(member)
    return ordered


def _order_key(tax: TaxDefinition) -> tuple[int, int]:
    return tax.sequence, tax.id


def batches(ordered: Sequence[TaxDefinition]) -> list[tuple[int, ...]]:
    """Return, for each position, the positions of the batch it belongs to.

    Walking backwards, a tax joins the batch of the tax after it when both have the
    same amount type, price inclusion and base inclusion, unless the tax changes
    the base of a later tax that accepts it.
    """
    batch_of: list[tuple[int, ...]] = [()] * len(ordered)
    current: list[int] = []
    next_is_base_affected = False
    for index in reversed(range(len(ordered))):
        tax = ordered[index]
        if current and not _same_batch(tax, ordered[current[0]], next_is_base_affected):
            _assign(batch_of, current)
            current = []
        next_is_base_affected = tax.is_base_affected
        current.append(index)
    _assign(batch_of, current)
    return batch_of


def _same_batch(tax: TaxDefinition, head: TaxDefinition, next_affected: bool) -> bool:
    return (
        tax.amount_type == head.amount_type
        and tax.price_include == head.price_include
        and tax.include_base_amount == head.include_base_amount
        and not (tax.include_base_amount and next_affected)
    )


def _assign(batch_of: list[tuple[int, ...]], members: list[int]) -> None:
    batch = tuple(sorted(members))
    for index in members:
        batch_of[index] = batch


@dataclass
class _Line:
    """The working state of one line's computation."""

    taxes: list[TaxDefinition]
    batch_of: list[tuple[int, ...]]
    raw_base: Decimal
    quantity: Decimal
    price_unit: Decimal
    digits: int | None  # None: do not round (round_globally)
    amounts: dict[int, Decimal] = field(default_factory=dict)
    extra_tax: list[Decimal] = field(default_factory=list)
    extra_base: list[Decimal] = field(default_factory=list)

    def batch_sum(self, index: int) -> Decimal:
        return sum((self.taxes[i].amount for i in self.batch_of[index]), _ZERO)

    def record(self, index: int, amount: Decimal) -> None:
        """Keep a tax's amount and push it onto the taxes it affects."""
        if self.digits is not None:
            amount = round_to(amount, self.digits)
        self.amounts[index] = amount
        for other, sign in _propagation(self.taxes, self.batch_of, index):
            if other not in self.amounts:
                self.extra_tax[other] += sign * amount
            self.extra_base[other] += sign * amount


def _propagation(
    taxes: list[TaxDefinition], batch_of: list[tuple[int, ...]], index: int
) -> list[tuple[int, int]]:
    """Return (position, sign) for every tax whose base this tax's amount changes.

    A price-included tax leaves the base of every tax before its batch, and of the
    taxes after it (only those refusing base changes when it includes its amount in
    the base of later taxes). A price-excluded tax that includes its amount in the
    base adds it to the later taxes that accept base changes.
    """
    tax = taxes[index]
    batch = batch_of[index]
    before = range(0, batch[0])
    after = range(batch[-1] + 1, len(taxes))
    if tax.price_include:
        pushed = [
            other
            for other in after
            if not (tax.include_base_amount and taxes[other].is_base_affected)
        ]
        return [(other, -1) for other in [*pushed, *before]]
    if tax.include_base_amount:
        return [(other, 1) for other in after if taxes[other].is_base_affected]
    return []


def modern_line_taxes(
    taxes: Sequence[TaxDefinition],
    *,
    price_unit: Decimal,
    quantity: Decimal,
    digits: int,
    per_line: bool,
    fixed_sign_follows_price: bool = False,
) -> LineTaxes:
    """Compute one line's taxes the way Odoo 18/19 does.

    `price_unit` is the unit price after the line's discount; `digits` the
    currency's decimals. Returns the line's untaxed and taxed totals and each
    tax's base and amount (rounded when `per_line`, raw otherwise).
    """
    ordered = flatten_modern(taxes)
    raw_base = quantity * price_unit
    if per_line:
        raw_base = round_to(raw_base, digits)
    line = _Line(
        taxes=ordered,
        batch_of=batches(ordered),
        raw_base=raw_base,
        quantity=quantity,
        price_unit=price_unit,
        digits=digits if per_line else None,
        extra_tax=[_ZERO] * len(ordered),
        extra_base=[_ZERO] * len(ordered),
    )

    # Fixed amounts first: they may sit in the base of a price-included batch.
    for index in reversed(range(len(ordered))):
        if ordered[index].amount_type == "fixed":
            sign = -1 if fixed_sign_follows_price and price_unit < 0 else 1
            line.record(index, sign * quantity * ordered[index].amount)

    # Price-included taxes are peeled off the price from the last one backwards.
    for index in reversed(range(len(ordered))):
        if ordered[index].price_include and index not in line.amounts:
            line.record(index, _included_amount(line, index))

    # Price-excluded taxes are added on top, first to last.
    for index in range(len(ordered)):
        if not ordered[index].price_include and index not in line.amounts:
            line.record(index, _excluded_amount(line, index))

    return _line_result(line)


def _included_amount(line: _Line, index: int) -> Decimal:
    tax = line.taxes[index]
    base = line.raw_base + line.extra_tax[index]
    if tax.amount_type == "division":
        return base * tax.amount / _HUNDRED
    total = line.batch_sum(index)
    if total == -_HUNDRED:
        return _ZERO
    return base * tax.amount / (_HUNDRED + total)


def _excluded_amount(line: _Line, index: int) -> Decimal:
    tax = line.taxes[index]
    base = line.raw_base + line.extra_tax[index]
    if tax.amount_type == "division":
        total = line.batch_sum(index)
        divisor = _HUNDRED if total == _HUNDRED else _HUNDRED - total
        return base * tax.amount / divisor
    return base * tax.amount / _HUNDRED


def _line_result(line: _Line) -> LineTaxes:
    results: list[TaxAmount] = []
    for index, tax in enumerate(line.taxes):
        base = line.raw_base + line.extra_base[index]
        if tax.price_include:
            base -= sum((line.amounts[i] for i in line.batch_of[index]), _ZERO)
        results.append(TaxAmount(tax=tax, base=base, amount=line.amounts[index]))
    total_excluded = results[0].base if results else line.raw_base
    total_included = total_excluded + sum((r.amount for r in results), _ZERO)
    return LineTaxes(
        total_excluded=total_excluded,
        total_included=total_included,
        taxes=tuple(results),
    )
