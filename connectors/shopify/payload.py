"""Typed, path-aware reading of decoded Shopify JSON, for both wire shapes.

Every reader raises `PayloadError(message, where=path)` naming the field that is
missing or of the wrong type, so a malformed body never leaks a KeyError or TypeError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from o2c.errors import PayloadError
from o2c.ids import shopify_gid
from o2c.money import Money, MoneyBag, quantum

# Amounts beyond this many integer digits are not money a shop charged.
_MAX_AMOUNT_DIGITS = 15


def loads(body: bytes | str) -> Any:
    """Decode JSON keeping integers exact and reading non-integer numbers as Decimal.

    Raises PayloadError for text that is not JSON (including NaN/Infinity, bad
    UTF-8, nesting too deep to decode).
    """
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc


def _no_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not allowed")


def kind_of(value: object) -> str:
    """Return a JSON-ish name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def to_amount(value: object, where: str) -> Decimal:
    """Return a finite Decimal from a JSON string or number (never a float)."""
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise PayloadError(
                f"not a decimal amount: {value[:40]!r}", where=where
            ) from None
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    else:
        raise PayloadError(f"expected a decimal, got {kind_of(value)}", where=where)
    if not result.is_finite() or result.adjusted() >= _MAX_AMOUNT_DIGITS:
        raise PayloadError(f"amount out of range: {value!s:.40}", where=where)
    return result


def to_money(amount: object, currency: object, where: str) -> Money:
    """Return Money from a JSON amount and currency code.

    An amount is written with the currency's decimals when that loses nothing
    ("10.0" in GraphQL and "10.00" in REST both give 10.00), so both shapes
    serialise alike; significant extra decimals (tax lines may carry them) stay.
    """
    value = to_amount(amount, f"{where}.amount")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise PayloadError(f"not a currency code: {currency!s:.40}", where=where)
    code = currency.upper()
    exact = value.quantize(quantum(code))
    return Money(amount=exact if exact == value else value, currency=code)


class Obj:
    """One JSON object and its path from the body's root."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, dict):
            raise PayloadError(f"expected an object, got {kind_of(data)}", where=path)
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        """Return the path of a field of this object."""
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        """True when the field is present and not null."""
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        """Return the field's value, which must be present (it may be null)."""
        try:
            return self.data[key]
        except KeyError:
            raise PayloadError("missing field", where=self.at(key)) from None

    def string(self, key: str) -> str:
        """Return a required, non-null string field."""
        value = self.raw(key)
        if not isinstance(value, str):
            raise PayloadError(
                f"expected a string, got {kind_of(value)}", where=self.at(key)
            )
        return value

    def currency(self, key: str) -> str:
        """Return a required ISO 4217 currency code, upper-cased."""
        value = self.string(key)
        if len(value) != 3 or not value.isalpha():
            raise PayloadError(
                f"not a currency code: {value[:40]!r}", where=self.at(key)
            )
        return value.upper()

    def opt_str(self, key: str) -> str | None:
        """Return a string field that may be absent or null."""
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise PayloadError(
            f"expected a string, got {kind_of(value)}", where=self.at(key)
        )

    def text(self, key: str) -> str | None:
        """Return a string field, with absent, null and blank all read as None."""
        value = self.opt_str(key)
        return value if value and value.strip() else None

    def integer(self, key: str) -> int:
        """Return a required integer field."""
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayloadError(
                f"expected an integer, got {kind_of(value)}", where=self.at(key)
            )
        return value

    def opt_int(self, key: str) -> int | None:
        """Return an integer field that may be absent or null."""
        return None if self.data.get(key) is None else self.integer(key)

    def boolean(self, key: str, default: bool | None = None) -> bool:
        """Return a boolean field; absent or null gives `default` when one is set."""
        value = self.data.get(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, bool):
            raise PayloadError(
                f"expected a boolean, got {kind_of(value)}", where=self.at(key)
            )
        return value

    def decimal(self, key: str) -> Decimal:
        """Return a required decimal field (JSON string or number)."""
        return to_amount(self.raw(key), self.at(key))

    def opt_decimal(self, key: str) -> Decimal | None:
        return None if self.data.get(key) is None else self.decimal(key)

    def timestamp(self, key: str) -> datetime:
        """Return a required ISO 8601 timestamp with its offset, in UTC.

        REST writes the shop's offset, GraphQL writes UTC; both read alike.
        """
        value = self.string(key)
        try:
            result = datetime.fromisoformat(value)
            if result.tzinfo is None:
                raise ValueError("no offset")
            return result.astimezone(UTC)
        except (ValueError, OverflowError):
            raise PayloadError(
                f"not a timestamp with an offset: {value[:40]!r}", where=self.at(key)
            ) from None

    def opt_timestamp(self, key: str) -> datetime | None:
        return None if self.data.get(key) is None else self.timestamp(key)

    def obj(self, key: str) -> Obj:
        """Return a required, non-null object field."""
        return Obj(self.raw(key), self.at(key))

    def opt_obj(self, key: str) -> Obj | None:
        value = self.data.get(key)
        return None if value is None else Obj(value, self.at(key))

    def objs(self, key: str) -> list[Obj]:
        """Return a required array of objects."""
        value = self.raw(key)
        if not isinstance(value, list):
            raise PayloadError(
                f"expected an array, got {kind_of(value)}", where=self.at(key)
            )
        where = self.at(key)
        return [Obj(item, f"{where}[{i}]") for i, item in enumerate(value)]

    def opt_objs(self, key: str) -> list[Obj]:
        """Return an array of objects; absent or null gives an empty list."""
        return [] if self.data.get(key) is None else self.objs(key)

    def strs(self, key: str) -> list[str]:
        """Return an array of strings; absent or null gives an empty list."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PayloadError("expected an array of strings", where=self.at(key))
        return value

    def numeric_id(self, key: str) -> str:
        """Return a REST numeric id as text (a JSON integer or a string of digits)."""
        value = self.raw(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)
        if isinstance(value, str) and value.isdigit():
            return value
        raise PayloadError(f"not a numeric id: {value!s:.40}", where=self.at(key))

    def gid(self, key: str, kind: str) -> str:
        """Return a required Shopify GID field of the given resource kind."""
        value = self.string(key)
        prefix = f"gid://shopify/{kind}/"
        if not value.startswith(prefix) or len(value) == len(prefix):
            raise PayloadError(f"not a {kind} GID: {value[:60]!r}", where=self.at(key))
        return value

    def rest_gid(self, kind: str, *, id_key: str = "id") -> str:
        """Return a REST resource's GID: `admin_graphql_api_id`, else built from its id.

        The GID is preferred: samples scraped through JavaScript carry numeric ids
        rounded above 2**53, while the GID string stays exact.
        """
        if self.has("admin_graphql_api_id"):
            return self.gid("admin_graphql_api_id", kind)
        return shopify_gid(kind, self.numeric_id(id_key))


def same_currency(bag: MoneyBag, currencies: tuple[str, str], where: str) -> MoneyBag:
    """Check a bag's sides are in the order's shop and presentment currencies."""
    if (bag.shop.currency, bag.presentment.currency) != currencies:
        raise PayloadError(
            f"money in {bag.shop.currency}/{bag.presentment.currency}, order is in "
            f"{currencies[0]}/{currencies[1]}",
            where=where,
        )
    return bag


def lower_or_none(value: str | None) -> str | None:
    """Return an enum-like value in lower case (Shopify REST vocabulary)."""
    return value.lower() if value is not None else None


def as_mapping(value: object, where: str) -> Mapping[str, Any]:
    """Return a decoded JSON object, or raise PayloadError naming what it was."""
    if not isinstance(value, dict):
        raise PayloadError(f"expected a JSON object, got {kind_of(value)}", where=where)
    return value
