"""ERP taxes as the prediction engine needs them, and the company's rounding settings.

The engine predicts what Odoo will compute for an invoice, so these records carry
exactly the tax fields Odoo's computation reads (see the reference in
`shared/reference/odoo-taxes.md`): the amount type, the amount, whether the price
includes the tax, whether the tax changes the base of later taxes, its sequence and,
for a group, its children. Accounts, tags and repartition lines do not change the
amounts and are left to the ERP.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from o2c.money import to_decimal

AmountType = Literal["percent", "fixed", "division", "group"]
Engine = Literal["legacy", "modern"]
RoundingMethod = Literal["round_per_line", "round_globally"]
# How round_globally settles the untaxed amount of a document:
#   excluded  the rounded sum of the raw untaxed amounts (Odoo 18)
#   mixed     as excluded, unless every tax is price-included: then the rounded sum
#             of the tax-included amounts is kept whole (Odoo 19 / master)
#   total     the rounded sum of untaxed plus tax is kept whole (Odoo 18, Portugal)
GlobalUntaxed = Literal["excluded", "mixed", "total"]


class TaxDefinition(BaseModel):
    """One ERP tax (`account.tax`) with the fields that decide its amount.

    `id` is the ERP record id: the modern engine orders taxes by (sequence, id).
    `amount` is a percentage for percent and division taxes, a currency amount per
    unit for fixed taxes, and unused for groups, whose `children` are the taxes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str
    amount_type: AmountType = "percent"
    amount: Decimal = Decimal(0)
    price_include: bool = False
    include_base_amount: bool = False
    is_base_affected: bool = True
    sequence: int = 1
    children: tuple[TaxDefinition, ...] = Field(default=())

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: Any) -> Decimal:
        return to_decimal(value)

    @model_validator(mode="after")
    def _group_has_children(self) -> TaxDefinition:
        if (self.amount_type == "group") != bool(self.children):
            raise ValueError(
                f"tax {self.name!r}: a group needs children and only a group has them"
            )
        if self.amount_type == "division" and self.amount >= 100:
            raise ValueError(f"tax {self.name!r}: a division tax must be below 100%")
        return self


class RoundingConfig(BaseModel):
    """How the ERP company computes and rounds taxes, and the precision of its fields.

    `price_digits` is Odoo's "Product Price" decimal precision (the digits kept on
    `price_unit`), `discount_digits` the "Discount" precision, `quantity_digits` the
    "Product Unit of Measure" precision. `fixed_tax_follows_price_sign` is the
    Odoo 19 rule that makes a fixed tax negative on a negative price;
    `legacy_version` picks Odoo 16's or 17's variant of the legacy engine.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: Engine = "modern"
    rounding: RoundingMethod = "round_per_line"
    price_digits: int = Field(2, ge=0, le=10)
    discount_digits: int = Field(2, ge=0, le=10)
    quantity_digits: int = Field(2, ge=0, le=10)
    global_untaxed: GlobalUntaxed = "excluded"
    fixed_tax_follows_price_sign: bool = False
    legacy_version: int = Field(17, ge=16, le=17)

    @classmethod
    def for_odoo(
        cls,
        version: int,
        *,
        rounding: RoundingMethod = "round_per_line",
        fiscal_country: str | None = None,
        **precisions: int,
    ) -> RoundingConfig:
        """Return the configuration matching an Odoo major version (16 to 19).

        Raises ValueError for a version outside 16..19.
        """
        if not 16 <= version <= 19:
            raise ValueError(f"Odoo {version} is not supported (16 to 19 are)")
        global_untaxed: GlobalUntaxed = "excluded"
        if version >= 19:
            global_untaxed = "mixed"
        elif version == 18 and (fiscal_country or "").upper() == "PT":
            global_untaxed = "total"
        return cls(
            engine="legacy" if version <= 17 else "modern",
            rounding=rounding,
            global_untaxed=global_untaxed,
            fixed_tax_follows_price_sign=version >= 19,
            legacy_version=min(max(version, 16), 17),
            **precisions,
        )

    @property
    def per_line(self) -> bool:
        return self.rounding == "round_per_line"


@dataclass(frozen=True, slots=True)
class TaxAmount:
    """One tax computed on one line: its base and its amount (rounded or raw)."""

    tax: TaxDefinition
    base: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LineTaxes:
    """The taxes of one invoice line as Odoo computes them.

    In round_per_line every amount is rounded to the currency; in round_globally
    the amounts are raw (modern engine) or nearly raw (legacy engine), and the
    document rounding happens afterwards.
    """

    total_excluded: Decimal
    total_included: Decimal
    taxes: tuple[TaxAmount, ...]

    @property
    def tax_total(self) -> Decimal:
        return sum((item.amount for item in self.taxes), Decimal(0))


# Odoo's float_round moves a value one part in 2**52 away from zero before rounding
# half-up, so that a tie computed as 702.62499... (after a division) still rounds up.
_FLOAT_ROUND_NUDGE = 1 + Decimal(2) ** -52


def round_to(value: Decimal, digits: int) -> Decimal:
    """Round half away from zero to `digits` decimals, as Odoo's float_round does."""
    nudged = value * _FLOAT_ROUND_NUDGE
    return nudged.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fits(value: Decimal, digits: int) -> bool:
    """True when `value` has no more than `digits` significant decimals."""
    return value == value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
