"""Shopify order transactions (`order_transactions/create` webhooks) to canonical ones.

The webhook body is one REST transaction: its id, the `order_id` it belongs to, kind,
status, gateway, amount and currency, and the processor's references (`authorization`,
`payment_id`). Shopify sends it when a transaction is created and when its status
changes to success, failure or error.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connectors.shopify.payload import Obj, kind_of, loads, to_money, transaction_kind
from o2c.errors import PayloadError
from o2c.ids import shopify_gid
from o2c.orders import Transaction
from o2c.payments import StorefrontTransaction


def transaction_from_webhook(
    body: bytes | str | dict[str, Any], *, shop: str
) -> StorefrontTransaction:
    """Return the storefront transaction in an `order_transactions/create` body.

    A decoded dict must come from `loads` (numbers as Decimal, ids exact). Raises
    PayloadError naming the field for a body that is not JSON, lacks the order id,
    has an unknown kind or names no currency.
    """
    data = body if isinstance(body, dict) else loads(body)
    if not isinstance(data, dict):
        raise PayloadError(f"body must be a JSON object, got {kind_of(data)}")
    root = Obj(data)
    try:
        return StorefrontTransaction(
            source=shop,
            order_external_id=shopify_gid("Order", root.numeric_id("order_id")),
            transaction=_transaction(root),
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayloadError(f"invalid value: {first['msg']}", where=where) from exc


def _transaction(o: Obj) -> Transaction:
    return Transaction(
        external_id=o.rest_gid("OrderTransaction"),
        gateway=o.opt_str("gateway") or "",
        kind=transaction_kind(o),
        status=o.string("status").lower(),
        amount=to_money(o.raw("amount"), _currency(o), o),
        created_at=o.opt_timestamp("created_at"),
        parent_id=(
            shopify_gid("OrderTransaction", o.numeric_id("parent_id"))
            if o.has("parent_id")
            else None
        ),
        authorization=o.text("authorization"),
        payment_reference=o.text("payment_id"),
    )


def _currency(o: Obj) -> str:
    """The transaction's currency: its own field, else its unsettled amount's.

    Shopify may leave `currency` null on a transaction; the amount is then in the
    buyer's (presentment) currency, which `total_unsettled_set` names.
    """
    own = o.opt_str("currency")
    if own:
        return own
    unsettled = o.opt_obj("total_unsettled_set")
    shown = unsettled.opt_obj("presentment_money") if unsettled else None
    code = shown.opt_str("currency") if shown else None
    if code:
        return code
    raise PayloadError("transaction names no currency", where=o.at("currency"))
