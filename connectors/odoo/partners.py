"""Customers: find by email, VAT or key; create persons and companies with contacts.

A partner created by the hub carries its key in `ref` (the marker) and as an
external id, like every document. Companies go in first, then their contacts
with `parent_id` pointing at them: two `create` calls for any number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.odoo.idempotency import KeyedWriter, KeyIndex
from connectors.odoo.lookups import Lookups
from connectors.odoo.records import Partner, PartnerData
from connectors.odoo.wire import Transport, many2one_id
from o2c.errors import MappingError

PARTNER = "res.partner"
PARTNER_FIELDS = ["name", "email", "vat", "ref", "is_company", "parent_id"]


class Partners:
    """Finds and creates res.partner records."""

    def __init__(self, transport: Transport, index: KeyIndex, lookups: Lookups) -> None:
        self._rpc = transport
        self._index = index
        self._lookups = lookups
        self._writer = KeyedWriter(transport, index, model=PARTNER, marker="ref")
        # key -> id of partners seen by this gateway: a partner with documents
        # cannot be deleted in Odoo (only archived), so the id stays valid.
        self._known: dict[str, int] = {}

    def find(
        self,
        *,
        emails: Sequence[str] = (),
        vats: Sequence[str] = (),
        keys: Sequence[str] = (),
    ) -> list[Partner]:
        """Return partners matching any email (case-insensitive), VAT or key.

        One `search_read` for emails and VATs, one lookup for keys.
        """
        leaves: list[Any] = [["email", "=ilike", e] for e in dict.fromkeys(emails) if e]
        if vats:
            leaves.append(["vat", "in", [v for v in dict.fromkeys(vats) if v]])
        if keys:
            ids = sorted(set(self._index.lookup(keys, PARTNER).values()))
            leaves.append(["id", "in", ids])
        if not leaves:
            return []
        domain = ["|"] * (len(leaves) - 1) + leaves
        rows = self._rpc.call(
            PARTNER,
            "search_read",
            {"domain": domain, "fields": PARTNER_FIELDS, "order": "id asc"},
        )
        return [_partner(row) for row in rows]

    def create(self, partners: Sequence[PartnerData]) -> dict[str, int]:
        """Create partners (and their contacts) once per key; return key -> id.

        Existing keys are returned as they are; keys seen before by this
        gateway are answered from its cache without a call. Raises MappingError for an
        unknown country code, RejectedError when Odoo refuses the data.
        """
        top = self._ensure(partners, parent_ids={})
        contacts = [(c, p.key) for p in partners for c in p.contacts]
        parents = {c.key: top[key] for c, key in contacts if key in top}
        below = self._ensure([c for c, _ in contacts], parent_ids=parents)
        return {**top, **below}

    def _ensure(
        self, partners: Sequence[PartnerData], *, parent_ids: Mapping[str, int]
    ) -> dict[str, int]:
        if not partners:
            return {}
        keys = [p.key for p in partners]
        found = {k: self._known[k] for k in keys if k in self._known}
        unknown = [k for k in keys if k not in found]
        found.update(self._index.lookup(unknown, PARTNER) if unknown else {})
        missing = [k for k in keys if k not in found]
        found.update(self._writer.adopt_orphans(missing) if missing else {})
        todo = [p for p in partners if p.key not in found]
        countries = self._lookups.country_ids(
            [p.country_code for p in todo if p.country_code]
        )
        values = {p.key: _values(p, countries, parent_ids.get(p.key)) for p in todo}
        outcomes = self._writer.create(values)
        for key, outcome in outcomes.items():
            if outcome.error is not None:
                raise outcome.error
            if outcome.id is not None:
                found[key] = outcome.id
        self._known.update(found)
        return found


def _values(
    partner: PartnerData, countries: Mapping[str, int], parent_id: int | None
) -> dict[str, Any]:
    """Return the res.partner values of one new partner."""
    values: dict[str, Any] = {
        "name": partner.name,
        "ref": partner.key,
        "is_company": partner.is_company,
        "customer_rank": 1,
    }
    for name in ("email", "vat", "phone", "street", "street2", "city", "zip"):
        value = getattr(partner, name)
        if value:
            values[name] = value
    if partner.country_code:
        code = partner.country_code.upper()
        if code not in countries:
            raise MappingError("country", code)
        values["country_id"] = countries[code]
    if parent_id is not None:
        values["parent_id"] = parent_id
    return values


def _partner(row: Mapping[str, Any]) -> Partner:
    return Partner(
        id=int(row["id"]),
        name=str(row.get("name") or ""),
        email=row.get("email") or None,
        vat=row.get("vat") or None,
        ref=row.get("ref") or None,
        is_company=bool(row.get("is_company")),
        parent_id=many2one_id(row.get("parent_id")),
    )
