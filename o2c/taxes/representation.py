"""Turn an exact storefront amount into Odoo line fields that keep it exact.

Odoo stores `price_unit` with the "Product Price" precision (2 decimals by default)
and `quantity` with the unit-of-measure precision (2 by default). An amount that
does not fit is rounded by Odoo, silently. `represent` finds fields whose product
is the amount exactly: the quantity and unit price as given when they fit, else the
quantity divided and the price multiplied by a power of ten (a KWD price of 1.234
becomes 0.1 x 12.34 when prices keep two decimals). It never rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from o2c.taxes.definitions import RoundingConfig, fits


@dataclass(frozen=True, slots=True)
class LineFields:
    """A quantity and a unit price whose product is the intended amount exactly."""

    quantity: Decimal
    price_unit: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.price_unit


def represent(
    quantity: Decimal, price_unit: Decimal, config: RoundingConfig
) -> LineFields | None:
    """Return exact Odoo fields for `quantity x price_unit`, or None when none exist.

    Tries the fields as given, then trades decimals of the price for decimals of
    the quantity, within the configured precisions.
    """
    for shift in range(config.quantity_digits + 1):
        scale = Decimal(10) ** shift
        scaled_quantity = quantity / scale
        scaled_price = price_unit * scale
        if fits(scaled_quantity, config.quantity_digits) and fits(
            scaled_price, config.price_digits
        ):
            return LineFields(
                quantity=_plain(scaled_quantity), price_unit=_plain(scaled_price)
            )
    return None


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros so that 2.500 and 2.5 serialize alike (0 stays 0)."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return normalized.quantize(Decimal(1))
    return normalized
