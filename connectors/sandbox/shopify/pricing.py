"""Sandbox Shopify pricing: currency conversion, discount allocation and tax lines.

All arithmetic happens in the buyer's (presentment) currency first, the way the buyer
sees the checkout; every single presentment amount is then converted to the shop's
currency on its own and rounded there.

Where real Shopify is unknown, the sandbox assumes:
- rounding is half away from zero, per amount (per allocation, per tax line);
- an order-level discount is allocated across lines in proportion to what each line
  still costs, each share rounded, the last line taking the rounding remainder;
- an included tax is `base * rate / (1 + sum of the line's rates)`, rounded per rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from connectors.sandbox.shopify.records import Amount, TaxLine
from o2c.money import quantum

# Units of each currency per US dollar; the sandbox's fixed exchange table.
UNITS_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "CAD": Decimal("1.36"),
    "JPY": Decimal("151.40"),
    "KWD": Decimal("0.3075"),
}


def round_to(amount: Decimal, currency: str) -> Decimal:
    """Return the amount rounded half away from zero to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def exchange_rate(shop_currency: str, presentment_currency: str) -> Decimal:
    """Return presentment units per shop unit, to six decimals (1 for one currency)."""
    if shop_currency == presentment_currency:
        return Decimal(1)
    rate = UNITS_PER_USD[presentment_currency] / UNITS_PER_USD[shop_currency]
    return rate.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Converter:
    """Turns presentment amounts into `Amount`s for one order's pair of currencies."""

    shop_currency: str
    presentment_currency: str
    rate: Decimal

    def amount(self, presentment: Decimal) -> Amount:
        """Return the rounded presentment amount beside its own shop conversion."""
        exact = round_to(presentment, self.presentment_currency)
        if self.rate == 1 and self.shop_currency == self.presentment_currency:
            return Amount(exact, exact)
        return Amount(round_to(exact / self.rate, self.shop_currency), exact)

    def price_from_usd(self, usd: Decimal) -> Decimal:
        """A catalogue price given in USD, in presentment currency, rounded."""
        units = UNITS_PER_USD[self.presentment_currency]
        return round_to(usd * units, self.presentment_currency)


def allocate(
    total: Decimal, weights: Sequence[Decimal], currency: str
) -> list[Decimal]:
    """Split `total` across `weights` proportionally; shares rounded, the last one
    absorbing the remainder so the shares sum to `total` exactly.

    Returns one share per weight (all zero when the weights sum to zero).
    """
    whole = sum(weights, Decimal(0))
    if whole == 0:
        return [Decimal(0) for _ in weights]
    shares = [round_to(total * w / whole, currency) for w in weights[:-1]]
    shares.append(total - sum(shares, Decimal(0)))
    return shares


def tax_lines(
    base: Decimal,
    rates: Sequence[tuple[str, Decimal]],
    *,
    included: bool,
    converter: Converter,
) -> tuple[TaxLine, ...]:
    """Return one tax line per (title, rate) on a discounted base in presentment money.

    With included taxes the base already holds them and each tax is carved out of it.
    """
    currency = converter.presentment_currency
    combined = sum((rate for _, rate in rates), Decimal(0))
    result = []
    for title, rate in rates:
        exact = base * rate / (1 + combined) if included else base * rate
        amount = converter.amount(round_to(exact, currency))
        result.append(TaxLine(title=title, rate=rate, amount=amount))
    return tuple(result)
