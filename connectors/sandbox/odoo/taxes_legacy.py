"""The sandbox's own implementation of Odoo's legacy tax engine (`compute_all`, <= 17).

Written from the reference description (section 7): the base is rounded to the
currency first, price-included taxes are stripped backwards with a "checkpoint"
on the gross price, and the forward pass computes every tax as excluded.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.sandbox.odoo.floats import ZERO, float_round
from connectors.sandbox.odoo.taxes import HUNDRED, LineResult, Tax, TaxResult

GLOBAL_FACTOR = Decimal("1e-5")


def flatten_legacy(taxes: list[Tax]) -> list[Tax]:
    """Return taxes stably sorted by sequence, groups flattened, duplicates kept."""
    result: list[Tax] = []
    for tax in sorted(taxes, key=lambda t: (t.sequence, t.id)):
        if tax.amount_type == "group":
            result.extend(flatten_legacy(list(tax.children)))
        else:
            result.append(tax)
    return result


def _strip(
    base: Decimal, fixed: Decimal, percent: Decimal, division: Decimal
) -> Decimal:
    """Return the base without price-included taxes of one run."""
    return (base - fixed) / (1 + percent / HUNDRED) * (HUNDRED - division) / HUNDRED


def _excluded_amount(tax: Tax, base: Decimal, quantity: Decimal) -> Decimal:
    """Return a tax computed as price-excluded on `base` (legacy `_compute_amount`)."""
    if tax.amount_type == "fixed":
        return abs(quantity) * tax.amount
    if tax.amount_type == "percent":
        return base * tax.amount / HUNDRED
    if tax.amount_type == "division":
        rate = 1 - tax.amount / HUNDRED
        return base / rate - base if rate else ZERO
    return ZERO


def _checkpoints(
    taxes: list[Tax], base: Decimal, quantity: Decimal
) -> tuple[Decimal, dict[int, Decimal]]:
    """Return the stripped base and the gross-price checkpoint of each included run."""
    fixed = percent = division = ZERO
    checkpoints: dict[int, Decimal] = {}
    store = True
    for i in range(len(taxes) - 1, -1, -1):
        tax = taxes[i]
        if tax.include_base_amount:
            base = _strip(base, fixed, percent, division)
            fixed = percent = division = ZERO
            store = True
        if tax.price_include:
            if tax.amount_type == "percent":
                percent += tax.amount
            elif tax.amount_type == "division":
                division += tax.amount
            elif tax.amount_type == "fixed":
                fixed += abs(quantity) * tax.amount
            if store and tax.amount:
                checkpoints[i] = base
                store = False
    return _strip(base, fixed, percent, division), checkpoints


def compute_all(
    taxes: list[Tax],
    *,
    price_unit: Decimal,
    quantity: Decimal,
    discount: Decimal = ZERO,
    rounding: Decimal,
    round_globally: bool = False,
) -> LineResult:
    """Return the taxes of one line, legacy engine.

    `rounding` is the currency rounding; in round_globally mode tax amounts keep
    five more decimals while the base and totals are still currency-rounded.
    """
    prec = rounding * GLOBAL_FACTOR if round_globally else rounding
    price = price_unit * (1 - discount / HUNDRED)
    base = float_round(price * quantity, rounding)
    sign = Decimal(-1) if base < 0 else Decimal(1)
    base = abs(base)
    flat = flatten_legacy(taxes)

    stripped, checkpoints = _checkpoints(flat, base, quantity)
    total_excluded = float_round(stripped, rounding)

    # Forward pass: each tax as excluded on the running base, except the last
    # included tax of a run, which takes what is left of the gross price.
    running = total_included = total_excluded
    cumulated = ZERO
    skip_checkpoint = False
    results: list[TaxResult] = []
    for i, tax in enumerate(flat):
        tax_base = (
            running if (tax.price_include or tax.is_base_affected) else (total_excluded)
        )
        if not skip_checkpoint and tax.price_include and i in checkpoints:
            amount = checkpoints[i] - (running + cumulated)
            cumulated = ZERO
        else:
            amount = _excluded_amount(tax, tax_base, quantity)
        amount = float_round(amount, prec)
        if tax.price_include and i not in checkpoints:
            cumulated += amount
        results.append(
            TaxResult(tax, float_round(sign * tax_base, prec), sign * amount)
        )
        if tax.include_base_amount:
            running += amount
            if not tax.price_include:
                skip_checkpoint = True
        total_included += amount
    return LineResult(
        sign * total_excluded, sign * float_round(total_included, rounding), results
    )
