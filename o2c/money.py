"""Money: an exact Decimal amount in one ISO 4217 currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# ISO 4217 minor units that are not 2. Everything else has cents.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were combined."""


def minor_units(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has (EUR 2, JPY 0)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    """Return the smallest amount of the currency, as a Decimal (0.01, 1, 0.001)."""
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: object) -> Decimal:
    """Convert a string, int or Decimal to Decimal; floats are refused.

    Raises ValueError for floats, booleans and text that is not a number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool | float):
        raise ValueError(f"money must not be a float or bool: {value!r}")
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {value!r}") from exc
    else:
        raise ValueError(f"not a decimal amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


class Money(BaseModel):
    """An amount of one currency. Arithmetic is exact; rounding is explicit."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Decimal:
        return to_decimal(value)

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"not an ISO 4217 currency code: {value!r}")
        return code

    # -- construction -------------------------------------------------------

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        """Build from a string, int or Decimal amount."""
        return cls(amount=to_decimal(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Build from integer minor units (Stripe's 1234 -> 12.34 EUR)."""
        return cls(
            amount=Decimal(units).scaleb(-minor_units(currency)), currency=currency
        )

    @classmethod
    def total(cls, items: Iterable[Money], currency: str) -> Money:
        """Sum amounts of one currency; an empty iterable gives zero."""
        result = cls.zero(currency)
        for item in items:
            result = result + item
        return result

    # -- rounding -----------------------------------------------------------

    def rounded(self) -> Money:
        """Round half away from zero to the currency's minor unit."""
        exact = self.amount.quantize(quantum(self.currency), rounding=ROUND_HALF_UP)
        return Money(amount=exact, currency=self.currency)

    def is_rounded(self) -> bool:
        return self.amount == self.rounded().amount

    def to_minor(self) -> int:
        """Return integer minor units; raises ValueError when there are more digits."""
        if not self.is_rounded():
            raise ValueError(f"{self} has more digits than {self.currency} allows")
        return int(self.amount.scaleb(minor_units(self.currency)))

    # -- arithmetic ---------------------------------------------------------

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __abs__(self) -> Money:
        return Money(amount=abs(self.amount), currency=self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("money must not be multiplied by a float")
        return Money(amount=self.amount * factor, currency=self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def as_json(self) -> dict[str, str]:
        """The wire form used by the CLI and the admin API."""
        return {"amount": str(self.amount), "currency": self.currency}


class MoneyBag(BaseModel):
    """One amount in the shop's currency and in the buyer's (presentment) currency."""

    model_config = ConfigDict(frozen=True)

    shop: Money
    presentment: Money

    @classmethod
    def single(cls, money: Money) -> MoneyBag:
        """A bag whose shop and presentment sides are the same amount."""
        return cls(shop=money, presentment=money)

    @classmethod
    def zero(cls, shop_currency: str, presentment_currency: str) -> MoneyBag:
        return cls(
            shop=Money.zero(shop_currency), presentment=Money.zero(presentment_currency)
        )

    def __add__(self, other: MoneyBag) -> MoneyBag:
        return MoneyBag(
            shop=self.shop + other.shop,
            presentment=self.presentment + other.presentment,
        )

    def __neg__(self) -> MoneyBag:
        return MoneyBag(shop=-self.shop, presentment=-self.presentment)

    def side(self, which: str) -> Money:
        """Return the `shop` or `presentment` side."""
        if which == "shop":
            return self.shop
        if which == "presentment":
            return self.presentment
        raise ValueError(f"money side must be 'shop' or 'presentment', not {which!r}")
