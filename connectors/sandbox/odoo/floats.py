"""Odoo's float handling done exactly: Decimal in, half-up rounding, floats out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
EPSILON = Decimal(2) ** -52


def to_decimal(value: Any) -> Decimal:
    """Return `value` (JSON number, Decimal, str, bool False) as an exact Decimal.

    Floats go through `repr`, the shortest text that reads back as the same float,
    so `19.99` becomes `Decimal("19.99")` and not its binary expansion.
    Raises ValueError when the value is not a number.
    """
    if value is None or value is False:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"could not convert {value!r} to a number") from exc


def float_round(value: Decimal, rounding: Decimal) -> Decimal:
    """Return `value` rounded half away from zero to a multiple of `rounding`.

    This is Odoo's `float_round(value, precision_rounding=...)`, including its
    nudge of one part in 2**52 away from zero before rounding half-up: a value a
    hair below a tie (a division that is not exact in 28 digits, or in binary)
    rounds as the tie it stands for, as in Odoo.
    """
    if rounding <= 0:
        return value
    normalized = value / rounding
    normalized += normalized * EPSILON
    steps = normalized.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    result = steps * rounding
    exponent = rounding.as_tuple().exponent
    return (
        result.quantize(rounding)
        if isinstance(exponent, int) and exponent < 0
        else (result)
    )


def round_digits(value: Decimal, digits: int) -> Decimal:
    """Return `value` rounded half-up to `digits` decimals (a field's precision)."""
    return float_round(value, Decimal(1).scaleb(-digits))


def is_zero(value: Decimal, rounding: Decimal) -> bool:
    """Return True when `value` rounds to zero at `rounding` (Odoo's float_is_zero)."""
    return float_round(value, rounding) == 0


def to_wire(value: Decimal) -> float:
    """Return the float Odoo would put on the wire for a stored Decimal."""
    return float(value)
