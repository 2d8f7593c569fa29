"""Typed, path-aware reading of decoded Shopify JSON, for both wire shapes.

Every reader raises `PayloadError(message, where=path)` naming the field that is
missing or of the wrong type, so a malformed body never leaks a KeyError or TypeError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from o2c.errors import PayloadError
from o2c.ids import shopify_gid
from o2c.money import Money, MoneyBag, quantum
from o2c.orders import TransactionKind

# Amounts beyond this many integer digits are not money a shop charged.
_MAX_AMOUNT_DIGITS = 15


def loads(body: bytes | str) -> Any:
    """Decode JSON keeping integers exact and reading non-integer numbers as Decimal.

    Raises PayloadError for text that is not JSON (including NaN/Infinity, bad
    UTF-8, nesting too deep to decode).
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
        return _DECODER.decode(text)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc


def _no_constant(name: str) -> Any:
    raise PayloadError(f"JSON constant {name} is not allowed")


# One decoder for every call: building one per call costs as much as a small body.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)


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
    result = _amount(value)
    if isinstance(result, str):
        raise PayloadError(result, where=where)
    return result


def _amount(value: object) -> Decimal | str:
    """The Decimal a JSON amount holds, or the message saying why there is none."""
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return f"not a decimal amount: {value[:40]!r}"
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    else:
        return f"expected a decimal, got {kind_of(value)}"
    if not result.is_finite() or result.adjusted() >= _MAX_AMOUNT_DIGITS:
        return f"amount out of range: {value!s:.40}"
    return result


def to_money(amount: object, currency: object, where: str | Obj) -> Money:
    """Return Money from a JSON amount and currency code.

    An amount is written with the currency's decimals when that loses nothing
    ("10.0" in GraphQL and "10.00" in REST both give 10.00), so both shapes
    serialise alike; significant extra decimals (tax lines may carry them) stay.
    `where` (a path, or the object holding the amount) names the field in errors.
    """
    value = _amount(amount)
    if isinstance(value, str):
        raise PayloadError(value, where=_at(where, "amount"))
    code = currency.upper() if isinstance(currency, str) else ""
    # Checked after upper-casing, which may change the length ("ß" -> "SS").
    if len(code) != 3 or not code.isalpha():
        message = f"not a currency code: {currency!s:.40}"
        raise PayloadError(message, where=_at(where, None))
    exact = value.quantize(_quantum(code))
    return Money.checked(exact if exact == value else value, code)


def _at(where: str | Obj, key: str | None) -> str:
    base = where.path if isinstance(where, Obj) else where
    if key is None:
        return base
    return f"{base}.{key}" if base else key


def bag_at(
    o: Obj, key: str, currencies: tuple[str, str], names: tuple[str, str, str]
) -> MoneyBag:
    """Read the money bag in field `key`; `names` are the wire's names for the shop
    side, the presentment side and the currency code. The bag must be in the
    order's (shop, presentment) currencies. Raises PayloadError naming the field.
    """
    bag = _plain_bag(o.data.get(key), currencies, names)
    if bag is not None:
        return bag
    # Anything out of the common shape takes the careful path, which names the field.
    return same_currency(_read_bag(o.obj(key), names), currencies, o, key)


def _plain_bag(
    raw: object, currencies: tuple[str, str], names: tuple[str, str, str]
) -> MoneyBag | None:
    """The bag when it has the common shape (two amounts as text, each side in
    exactly the order's currency), read without paths; None for anything else.

    Backfill reads about fifteen bags an order, so this is the parser's hot path.
    """
    if type(raw) is not dict:
        return None
    shop, shown = raw.get(names[0]), raw.get(names[1])
    if type(shop) is not dict or type(shown) is not dict:
        return None
    if shop.get(names[2]) != currencies[0] or shown.get(names[2]) != currencies[1]:
        return None
    shop_amount, shown_amount = shop.get("amount"), shown.get("amount")
    if type(shop_amount) is not str or type(shown_amount) is not str:
        return None
    seen = (shop_amount, shown_amount, currencies)
    bag = _BAGS_SEEN.get(seen)
    if bag is not None:
        return bag
    if not _plain_codes(currencies):
        return None
    shop_money = _money_of(shop_amount, currencies[0])
    shown_money = _money_of(shown_amount, currencies[1])
    if shop_money is None or shown_money is None:
        return None
    bag = MoneyBag.checked(shop_money, shown_money)
    _remember(_BAGS_SEEN, seen, bag)
    return bag


def _plain_codes(currencies: tuple[str, str]) -> bool:
    """True when both codes are already what `to_money` would make of them."""
    known = _PLAIN_CODES.get(currencies)
    if known is None:
        known = all(
            len(code) == 3 and code.isalpha() and code.upper() == code
            for code in currencies
        )
        _remember(_PLAIN_CODES, currencies, known)
    return known


def _money_of(amount: str, code: str) -> Money | None:
    """Money from a textual amount in a checked currency code, as `to_money` reads
    it; None when the amount is not one (the caller then reports it)."""
    money = _MONEY_SEEN.get((amount, code))
    if money is None:
        value = _amount(amount)
        if isinstance(value, str):
            return None
        exact = value.quantize(_quantum(code))
        money = Money.checked(exact if exact == value else value, code)
        _remember(_MONEY_SEEN, (amount, code), money)
    return money


def _read_bag(bag: Obj, names: tuple[str, str, str]) -> MoneyBag:
    return MoneyBag.checked(
        bag.obj(names[0]).money(names[2]), bag.obj(names[1]).money(names[2])
    )


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _SEEN_MAX:
        cache.clear()
    cache[key] = value


def _quantum(code: str) -> Decimal:
    step = _QUANTA.get(code)
    return step if step is not None else _QUANTA.setdefault(code, quantum(code))


_QUANTA: dict[str, Decimal] = {}
# Money is immutable and shops repeat amounts (prices, zeros): reuse what was read.
_MONEY_SEEN: dict[tuple[str, str], Money] = {}
_BAGS_SEEN: dict[tuple[str, str, tuple[str, str]], MoneyBag] = {}
_PLAIN_CODES: dict[tuple[str, str], bool] = {}
_SEEN_MAX = 5_000
Key = str | int | tuple[str, int] | None


def _join(parent: Obj | None, key: Key) -> str:
    """Build a field's path (`refunds[0].transactions`) only when a message needs it."""
    base = parent.path if parent is not None else ""
    if key is None:
        return base
    if isinstance(key, tuple):
        name = f"{key[0]}[{key[1]}]"
        return f"{base}.{name}" if base else name
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


class Obj:
    """One JSON object and where it sits in the body (its path, built on demand)."""

    __slots__ = ("_key", "_parent", "data")

    def __init__(
        self, data: object, parent: Obj | None = None, key: Key = None
    ) -> None:
        if not isinstance(data, dict):
            where = _join(parent, key)
            raise PayloadError(f"expected an object, got {kind_of(data)}", where=where)
        self.data: dict[str, Any] = data
        self._parent = parent
        self._key = key

    @property
    def path(self) -> str:
        """The object's path from the body's root (empty for the root)."""
        return _join(self._parent, self._key)

    def at(self, key: str) -> str:
        """Return the path of a field of this object."""
        return _join(self, key)

    def money(self, currency_key: str) -> Money:
        """Return Money from this object's `amount` and its currency field."""
        data = self.data
        amount, currency = data.get("amount"), data.get(currency_key)
        if type(amount) is str and type(currency) is str:
            known = _MONEY_SEEN.get((amount, currency))
            if known is not None:
                return known
            # Anything wrong raises below, naming the field.
            money = to_money(amount, currency, self)
            _remember(_MONEY_SEEN, (amount, currency), money)
            return money
        return to_money(self.raw("amount"), self.raw(currency_key), self)

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
        result = _amount(self.raw(key))
        if isinstance(result, str):
            raise PayloadError(result, where=self.at(key))
        return result

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
        return Obj(self.raw(key), self, key)

    def opt_obj(self, key: str) -> Obj | None:
        value = self.data.get(key)
        return None if value is None else Obj(value, self, key)

    def objs(self, key: str) -> list[Obj]:
        """Return a required array of objects."""
        value = self.raw(key)
        if not isinstance(value, list):
            raise PayloadError(
                f"expected an array, got {kind_of(value)}", where=self.at(key)
            )
        return [Obj(item, self, (key, i)) for i, item in enumerate(value)]

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
        if isinstance(value, str) and value.isascii() and value.isdigit():
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


def same_currency(
    bag: MoneyBag, currencies: tuple[str, str], o: Obj, key: str | None = None
) -> MoneyBag:
    """Check a bag's sides are in the order's shop and presentment currencies;
    `o` and `key` name the field in the error."""
    if bag.shop.currency == currencies[0] and bag.presentment.currency == currencies[1]:
        return bag
    raise PayloadError(
        f"money in {bag.shop.currency}/{bag.presentment.currency}, order is in "
        f"{currencies[0]}/{currencies[1]}",
        where=o.at(key) if key is not None else o.path,
    )


class _Dated(Protocol):
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def external_id(self) -> str: ...


D = TypeVar("D", bound=_Dated)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def in_time_order(items: Iterable[D]) -> tuple[D, ...]:
    """Sort refunds or fulfillments by creation, then id: the two APIs need not
    list them in the same order, and equal orders must compare equal."""
    return tuple(sorted(items, key=lambda i: (i.created_at or _EPOCH, i.external_id)))


def lower_or_none(value: str | None) -> str | None:
    """Return an enum-like value in lower case (Shopify REST vocabulary)."""
    return value.lower() if value is not None else None


def transaction_kind(o: Obj) -> TransactionKind:
    """Return a transaction's `kind` (any letter case); PayloadError when unknown."""
    kind = o.string("kind").lower()
    try:
        return TransactionKind(kind)
    except ValueError:
        raise PayloadError(
            f"unknown transaction kind {kind!r}", where=o.at("kind")
        ) from None
