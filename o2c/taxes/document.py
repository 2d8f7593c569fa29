"""The totals Odoo will compute for a whole invoice: untaxed, tax and total.

Each line goes through the configured engine; the document then adds the lines up
the way the company's rounding method says:
- round_per_line: every line is already rounded, the totals are plain sums;
- round_globally, modern engine: the tax is rounded once per tax over all lines,
  and the untaxed amount is rounded once over all lines (or settled so that the
  total is the rounded whole, see `GlobalUntaxed`);
- round_globally, legacy engine: each line's untaxed amount is already rounded; the
  nearly raw tax amounts are rounded once per tax.
Amounts are in the invoice's currency; `price_unit` and `discount` are first
rounded to the precision Odoo stores them with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from o2c.taxes.definitions import LineTaxes, RoundingConfig, TaxDefinition, round_to
from o2c.taxes.legacy import legacy_line_taxes
from o2c.taxes.modern import modern_line_taxes

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One invoice line as the tax engine sees it."""

    quantity: Decimal
    price_unit: Decimal
    taxes: tuple[TaxDefinition, ...] = ()
    discount: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    """What Odoo will show on the invoice, plus each line's own computation."""

    untaxed: Decimal
    tax: Decimal
    lines: tuple[LineTaxes, ...]
    tax_by_id: dict[int, Decimal]

    @property
    def total(self) -> Decimal:
        return self.untaxed + self.tax


def stored_price(line: DocumentLine, config: RoundingConfig) -> Decimal:
    """Return the unit price after discount as Odoo computes it from stored fields."""
    price = round_to(line.price_unit, config.price_digits)
    discount = round_to(line.discount, config.discount_digits)
    return price * (1 - discount / Decimal(100))


def line_taxes(line: DocumentLine, config: RoundingConfig, digits: int) -> LineTaxes:
    """Compute one line with the configured engine; `digits` are the currency's."""
    price = stored_price(line, config)
    if config.engine == "legacy":
        return legacy_line_taxes(
            line.taxes,
            price_unit=price,
            quantity=line.quantity,
            digits=digits,
            per_line=config.per_line,
            version=config.legacy_version,
        )
    return modern_line_taxes(
        line.taxes,
        price_unit=price,
        quantity=line.quantity,
        digits=digits,
        per_line=config.per_line,
        fixed_sign_follows_price=config.fixed_tax_follows_price_sign,
    )


def predict_document(
    lines: Sequence[DocumentLine], config: RoundingConfig, digits: int
) -> DocumentTotals:
    """Predict the invoice's untaxed, tax and total amounts as Odoo will compute them.

    `digits` are the decimals of the invoice currency (2 for EUR, 0 for JPY).
    Returns the totals, each line's computation and the rounded tax per tax id.
    """
    computed = tuple(line_taxes(line, config, digits) for line in lines)
    tax_by_id = _tax_by_id(computed, digits)
    tax = sum(tax_by_id.values(), _ZERO)
    untaxed = _untaxed(computed, config, digits=digits, tax=tax)
    return DocumentTotals(untaxed=untaxed, tax=tax, lines=computed, tax_by_id=tax_by_id)


def _tax_by_id(computed: Sequence[LineTaxes], digits: int) -> dict[int, Decimal]:
    """Sum each tax over the lines, then round once per tax.

    In round_per_line the line amounts are already rounded, so rounding the sum
    changes nothing; in round_globally this is Odoo's per-tax rounding.
    """
    raw: dict[int, Decimal] = {}
    for line in computed:
        for item in line.taxes:
            raw[item.tax.id] = raw.get(item.tax.id, _ZERO) + item.amount
    return {tax_id: round_to(amount, digits) for tax_id, amount in raw.items()}


def _untaxed(
    computed: Sequence[LineTaxes], config: RoundingConfig, *, digits: int, tax: Decimal
) -> Decimal:
    raw_excluded = sum((line.total_excluded for line in computed), _ZERO)
    if config.per_line or config.engine == "legacy":
        # Lines are already rounded (legacy rounds the untaxed amount of each line
        # in both modes).
        return round_to(raw_excluded, digits)
    raw_total = raw_excluded + sum((line.tax_total for line in computed), _ZERO)
    if config.global_untaxed == "total" or (
        config.global_untaxed == "mixed" and _all_taxes_included(computed, digits)
    ):
        return round_to(raw_total, digits) - tax
    return round_to(raw_excluded, digits)


def _all_taxes_included(computed: Sequence[LineTaxes], digits: int) -> bool:
    """True when every tax with a non-zero amount is price-included (Odoo 19)."""
    amounts = [item for line in computed for item in line.taxes]
    return all(
        item.tax.price_include for item in amounts if round_to(item.amount, digits)
    )
