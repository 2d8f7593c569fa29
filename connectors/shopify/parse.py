"""Shopify payloads to canonical records: the one entry point for both wire shapes.

`order_from_webhook` reads the REST-shaped body of `orders/*` webhooks,
`order_from_graphql` an Admin GraphQL order node; the same order read from either
gives an equal `Order`. Whatever is wrong with a payload comes out as
`o2c.errors.PayloadError` naming the field, never as KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from connectors.shopify.parse_graphql import graphql_order
from connectors.shopify.parse_rest import rest_order, rest_refund
from connectors.shopify.payload import Obj, kind_of, loads
from o2c.errors import PayloadError
from o2c.ids import shopify_gid
from o2c.orders import Order, Refund

__all__ = [
    "loads",
    "order_from_graphql",
    "order_from_webhook",
    "refund_from_webhook",
]

T = TypeVar("T")


def order_from_webhook(body: bytes | str | dict[str, Any], *, shop: str) -> Order:
    """Return the Order in an `orders/*` webhook body (raw bytes, text or decoded).

    A decoded dict must come from `loads` (numbers as Decimal, ids exact).
    Raises PayloadError for malformed, truncated or wrongly-typed bodies.
    """
    return _guarded(lambda: rest_order(_root(body), shop=shop))


def order_from_graphql(node: dict[str, Any], *, shop: str) -> Order:
    """Return the Order a GraphQL order node describes (as `fetch_order` returns it).

    Raises PayloadError for a node that lacks a selected field or has a wrong type.
    """
    return _guarded(lambda: graphql_order(Obj(node), shop=shop))


def refund_from_webhook(
    body: bytes | str | dict[str, Any], *, shop: str
) -> tuple[str, Refund]:
    """Return the order's GID and the Refund in a `refunds/create` webhook body.

    The order GID is built from `order_id` read as an exact integer. Raises
    PayloadError for malformed bodies or a refund that names no currency.
    """

    def parse() -> tuple[str, Refund]:
        root = _root(body)
        order_id = shopify_gid("Order", root.numeric_id("order_id"))
        return order_id, rest_refund(root, _refund_currencies(root))

    return _guarded(parse)


def _root(body: bytes | str | dict[str, Any]) -> Obj:
    data = body if isinstance(body, dict) else loads(body)
    if not isinstance(data, dict):
        raise PayloadError(f"body must be a JSON object, got {kind_of(data)}")
    return Obj(data)


def _guarded(parse: Callable[[], T]) -> T:
    """Run a parse; the canonical model's own validation errors become PayloadError."""
    try:
        return parse()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayloadError(f"invalid value: {first['msg']}", where=where) from exc


def _refund_currencies(refund: Obj) -> tuple[str, str]:
    """A refund body has no currency field; read it from its first money bag."""
    candidates = [refund.data.get("total_duties_set")]
    for key, bag_key in (
        ("refund_line_items", "subtotal_set"),
        ("refund_shipping_lines", "subtotal_amount_set"),
        ("order_adjustments", "amount_set"),
    ):
        candidates += [item.data.get(bag_key) for item in refund.opt_objs(key)]
    for bag in candidates:
        if isinstance(bag, dict):
            shop, shown = bag.get("shop_money"), bag.get("presentment_money")
            if isinstance(shop, dict) and isinstance(shown, dict):
                codes = (shop.get("currency_code"), shown.get("currency_code"))
                if isinstance(codes[0], str) and isinstance(codes[1], str):
                    return codes[0].upper(), codes[1].upper()
    for transaction in refund.opt_objs("transactions"):
        currency = transaction.opt_str("currency")
        if currency:
            return currency.upper(), currency.upper()
    raise PayloadError("refund names no currency in any money bag", where="refund")
