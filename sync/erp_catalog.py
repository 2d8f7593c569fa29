"""The Odoo gateway seen as the mappings' catalog, and customers as partners to create.

`mapping` may not import `connectors`; this adapter sits in `sync`, where both
meet. `GatewayCatalog` answers `mapping.catalog.Catalog` with the gateway's
batched lookups; `partner_data` turns an order's customer into the partner the
executor creates when the mapping's policy says `create`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from connectors.odoo.gateway import ErpGateway
from connectors.odoo.records import Partner, PartnerData
from mapping.catalog import PartnerQuery
from o2c.invoices import hub_key
from o2c.orders import Address, Order
from o2c.taxes import TaxDefinition

_EMPTY = PartnerData(key="", name="")


class GatewayCatalog:
    """A `mapping.catalog.Catalog` over the ERP gateway (one call per lookup)."""

    def __init__(self, gateway: ErpGateway) -> None:
        self.gateway = gateway

    def products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product ids by internal reference."""
        return self.gateway.find_products_by_code(codes) if codes else {}

    def sale_taxes(self) -> Sequence[tuple[str, TaxDefinition]]:
        """Return every sales tax as (name, definition)."""
        return [(tax.name, tax) for tax in self.gateway.find_taxes()]

    def journals_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return journal ids by code."""
        return self.gateway.find_journals(codes) if codes else {}

    def accounts_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account ids by code."""
        return self.gateway.find_accounts(codes) if codes else {}

    def find_partner(self, query: PartnerQuery, *, match: Sequence[str]) -> int | None:
        """Return the partner found by the first key of `match` that finds one."""
        found = _find(self.gateway, [query], match)
        hit = _first_match(found, query, match)
        return hit.id if hit is not None else None


def find_or_create_partners(
    gateway: ErpGateway,
    wanted: Mapping[str, tuple[PartnerQuery, PartnerData]],
    *,
    match: Sequence[str],
) -> dict[str, int]:
    """Return a partner id for each reference: found by `match`, else created.

    One read for all of them, one create (with contacts) for the missing ones.
    """
    found = _find(gateway, [query for query, _ in wanted.values()], match)
    ids: dict[str, int] = {}
    missing: dict[str, PartnerData] = {}
    for ref, (query, data) in wanted.items():
        hit = _first_match(found, query, match)
        if hit is not None:
            ids[ref] = hit.id
        else:
            missing[ref] = data
    if missing:
        created = gateway.create_partners(list(missing.values()))
        ids.update({ref: created[data.key] for ref, data in missing.items()})
    return ids


def _find(
    gateway: ErpGateway, queries: Sequence[PartnerQuery], match: Sequence[str]
) -> list[Partner]:
    def wanted(how: str, values: list[str | None]) -> list[str]:
        return sorted({v for v in values if v}) if how in match else []

    return gateway.find_partners(
        emails=wanted("email", [q.email for q in queries]),
        vats=wanted("vat", [q.vat for q in queries]),
        keys=wanted("external_id", [q.external_key for q in queries]),
    )


def _first_match(
    found: Sequence[Partner], query: PartnerQuery, match: Sequence[str]
) -> Partner | None:
    """The partner found by the first key of `match` (keys tried in that order)."""
    values = {
        "external_id": query.external_key,
        "vat": query.vat,
        "email": query.email,
        "name": query.name,
    }
    for how in match:
        value = values.get(how)
        hit = next((p for p in found if value and _has(p, how, value)), None)
        if hit is not None:
            return hit
    return None


def _has(partner: Partner, how: str, value: str) -> bool:
    if how == "email":
        return (partner.email or "").casefold() == value.casefold()
    if how == "vat":
        return (partner.vat or "").replace(" ", "") == value.replace(" ", "")
    if how == "external_id":
        return partner.ref == value
    return partner.name == value


def partner_data(order: Order, query: PartnerQuery) -> PartnerData:
    """Return the partner to create for an order's customer (a company with contact).

    Raises ValueError when the query has no key (a guest order).
    """
    if query.external_key is None:
        raise ValueError(f"order {order.number} has no customer key")
    customer = order.customer
    address = order.billing_address or order.shipping_address or Address()
    names = (customer.first_name, customer.last_name) if customer else ()
    person = " ".join(p for p in names if p)
    email = customer.email if customer else None
    place = replace(
        _EMPTY,
        street=address.address1,
        street2=address.address2,
        city=address.city,
        zip=address.zip,
        country_code=address.country_code,
    )
    if not query.is_company:
        return replace(
            place,
            key=query.external_key,
            name=query.name or person or email or order.number,
            email=email,
            phone=customer.phone if customer else None,
        )
    contact_ident = (customer.external_id if customer else None) or email or "buyer"
    contact = PartnerData(
        key=hub_key("customer", order.source, contact_ident.rsplit("/", 1)[-1]),
        name=person or email or "Buyer",
        email=email,
    )
    return replace(
        place,
        key=query.external_key,
        name=query.name or query.vat or order.number,
        vat=query.vat,
        is_company=True,
        contacts=(contact,),
    )
