"""Money: an exact Decimal amount in one ISO 4217 currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import GetCoreSchemaHandler, TypeAdapter
from pydantic_core import core_schema
from pydantic_core.core_schema import SerializationInfo

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


class Money:
    """An amount of one currency. Arithmetic is exact; rounding is explicit.

    Immutable. A plain slotted class rather than a pydantic model: orders carry dozens
    of amounts and backfill parses thousands of orders a second. Inside pydantic models
    it validates from `{"amount": "12.30", "currency": "EUR"}` and serializes back to
    that form in JSON (the amount as a decimal string).
    """

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, *, amount: object, currency: str) -> None:
        code = currency.upper() if isinstance(currency, str) else ""
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
        object.__setattr__(self, "amount", to_decimal(amount))
        object.__setattr__(self, "currency", code)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount == other.amount and self.currency == other.currency

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __repr__(self) -> str:
        return f"Money(amount={self.amount!r}, currency={self.currency!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_money, (self.amount, self.currency))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        fields = core_schema.typed_dict_schema(
            {
                "amount": core_schema.typed_dict_field(core_schema.any_schema()),
                "currency": core_schema.typed_dict_field(core_schema.str_schema()),
            },
            extra_behavior="forbid",
        )
        from_fields = core_schema.no_info_after_validator_function(
            lambda data: cls(amount=data["amount"], currency=data["currency"]), fields
        )
        return core_schema.json_or_python_schema(
            json_schema=from_fields,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_fields]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize_money, info_arg=True
            ),
        )

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Money:
        """Parse the wire form `{"amount": "12.30", "currency": "EUR"}`."""
        return _MONEY_ADAPTER.validate_json(text)

    # -- construction -------------------------------------------------------

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        """Build from a string, int or Decimal amount."""
        return cls(amount=to_decimal(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    @classmethod
    def checked(cls, amount: Decimal, currency: str) -> Money:
        """Build from a finite Decimal and an upper-case three-letter code that the
        caller has already checked (a parser's hot path): nothing is checked again.
        """
        money = object.__new__(cls)
        _set_amount(money, amount)
        _set_currency(money, currency)
        return money

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


# The slots' own setters: what `__init__` does, without its checks.
_set_amount = vars(Money)["amount"].__set__
_set_currency = vars(Money)["currency"].__set__


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def _serialize_money(money: Money, info: SerializationInfo) -> dict[str, Any]:
    if info.mode_is_json():
        return money.as_json()
    return {"amount": money.amount, "currency": money.currency}


_MONEY_ADAPTER: TypeAdapter[Money] = TypeAdapter(Money)


class MoneyBag:
    """One amount in the shop's currency and in the buyer's (presentment) currency.

    Immutable and slotted like `Money`; validates from and serializes to
    `{"shop": <money>, "presentment": <money>}`.
    """

    __slots__ = ("presentment", "shop")

    shop: Money
    presentment: Money

    def __init__(self, *, shop: Money, presentment: Money) -> None:
        if not isinstance(shop, Money) or not isinstance(presentment, Money):
            raise ValueError("a money bag holds two Money amounts")
        object.__setattr__(self, "shop", shop)
        object.__setattr__(self, "presentment", presentment)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("MoneyBag is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MoneyBag):
            return NotImplemented
        return self.shop == other.shop and self.presentment == other.presentment

    def __hash__(self) -> int:
        return hash((self.shop, self.presentment))

    def __repr__(self) -> str:
        return f"MoneyBag(shop={self.shop!r}, presentment={self.presentment!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_bag, (self.shop, self.presentment))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        money = handler.generate_schema(Money)
        fields = core_schema.typed_dict_schema(
            {
                "shop": core_schema.typed_dict_field(money),
                "presentment": core_schema.typed_dict_field(money),
            },
            extra_behavior="forbid",
        )
        from_fields = core_schema.no_info_after_validator_function(
            lambda data: cls(shop=data["shop"], presentment=data["presentment"]),
            fields,
        )
        return core_schema.json_or_python_schema(
            json_schema=from_fields,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_fields]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize_bag, info_arg=True
            ),
        )

    @classmethod
    def single(cls, money: Money) -> MoneyBag:
        """A bag whose shop and presentment sides are the same amount."""
        return cls(shop=money, presentment=money)

    @classmethod
    def checked(cls, shop: Money, presentment: Money) -> MoneyBag:
        """Build from two Money amounts the caller has made (a parser's hot path)."""
        bag = object.__new__(cls)
        _set_shop(bag, shop)
        _set_presentment(bag, presentment)
        return bag

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


_set_shop = vars(MoneyBag)["shop"].__set__
_set_presentment = vars(MoneyBag)["presentment"].__set__


def _bag(shop: Money, presentment: Money) -> MoneyBag:
    return MoneyBag(shop=shop, presentment=presentment)


def _serialize_bag(bag: MoneyBag, info: SerializationInfo) -> dict[str, Any]:
    return {
        "shop": _serialize_money(bag.shop, info),
        "presentment": _serialize_money(bag.presentment, info),
    }
