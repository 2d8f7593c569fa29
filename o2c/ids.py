"""Id types per external system, so an Odoo id can never be passed as a Shopify id."""

from __future__ import annotations

from typing import NewType

# Shopify global ids, e.g. "gid://shopify/Order/820982911946154508". Always strings:
# numeric ids above 2**53 do not survive a JSON number.
ShopifyGid = NewType("ShopifyGid", str)
# Odoo record ids (integers assigned by the ERP database).
OdooId = NewType("OdooId", int)
# Stripe object ids, e.g. "ch_3Nx...", "po_1P...".
StripeId = NewType("StripeId", str)


def shopify_gid(kind: str, numeric_id: str | int) -> ShopifyGid:
    """Build a Shopify GID from a resource kind and its numeric id (given as text)."""
    return ShopifyGid(f"gid://shopify/{kind}/{numeric_id}")


def shopify_numeric_id(gid: str) -> str:
    """Return the trailing numeric part of a Shopify GID, as a string.

    Raises ValueError when the text is not a Shopify GID.
    """
    prefix, _, tail = gid.rpartition("/")
    if not prefix.startswith("gid://shopify/") or not tail:
        raise ValueError(f"not a Shopify GID: {gid!r}")
    return tail.split("?", 1)[0]
