"""Reference-data lookups: currencies, countries, products, taxes, journals, accounts.

Each lookup is one `search_read` for many codes, naming its fields. Currencies
and countries never change under the hub and are cached for the gateway's life.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from connectors.odoo.profile import OdooProfile
from connectors.odoo.wire import Transport, many2one_name
from o2c.errors import ConfigurationError
from o2c.taxes import TaxDefinition

TAX_FIELDS = [
    "name",
    "amount_type",
    "amount",
    "include_base_amount",
    "is_base_affected",
    "sequence",
    "children_tax_ids",
]


class Lookups:
    """Finds reference records by their business codes."""

    def __init__(
        self, transport: Transport, profile: OdooProfile, company_id: int | None = None
    ) -> None:
        self._rpc = transport
        self._profile = profile
        self._company_id = company_id
        self._cache: dict[tuple[str, str], int] = {}
        self._company_row: dict[str, Any] | None = None

    def company_currency(self) -> str:
        """Return the ISO code of the company's currency (read once).

        The company is `[odoo] company_id` when set, else the first company the
        user can read. Raises ConfigurationError when no company is readable.
        """
        name = many2one_name(self._company()["currency_id"])
        if name is None:
            raise ConfigurationError("cannot read the Odoo company's currency")
        return name

    def company_tax_rounding(self) -> str:
        """Return the company's tax rounding method (`round_per_line` or
        `round_globally`), read once. Raises ConfigurationError when unreadable."""
        method = self._company().get("tax_calculation_rounding_method")
        if method not in ("round_per_line", "round_globally"):
            raise ConfigurationError(
                f"cannot read the Odoo company's tax rounding method: {method!r}"
            )
        return str(method)

    def _company(self) -> dict[str, Any]:
        if self._company_row is None:
            domain = [["id", "=", self._company_id]] if self._company_id else []
            fields = ["currency_id", "tax_calculation_rounding_method"]
            rows = self._rpc.call(
                "res.company",
                "search_read",
                {"domain": domain, "fields": fields, "limit": 1},
            )
            if not rows:
                raise ConfigurationError("cannot read the Odoo company")
            self._company_row = rows[0]
        return self._company_row

    def currency_ids(self, codes: Sequence[str]) -> dict[str, int]:
        """Return res.currency ids by ISO code (active currencies; cached)."""
        return self._cached("res.currency", "name", codes)

    def country_ids(self, codes: Sequence[str]) -> dict[str, int]:
        """Return res.country ids by ISO code (cached)."""
        return self._cached("res.country", "code", [c.upper() for c in codes])

    def products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product.product ids by internal reference (`default_code`).

        Archived products are not found; a code held by two products maps to
        the first by id.
        """
        return self._by_field("product.product", "default_code", codes)

    def journals_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account.journal ids by short code."""
        return self._by_field("account.journal", "code", codes)

    def accounts_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account.account ids by code."""
        return self._by_field("account.account", "code", codes)

    def taxes(
        self, *, ids: Sequence[int] = (), names: Sequence[str] = ()
    ) -> list[TaxDefinition]:
        """Return sales taxes by id or name as the prediction engine reads them.

        Group taxes come with their children (one more read when there are any).
        """
        domain: list[Any] = [["type_tax_use", "=", "sale"]]
        if ids and names:
            domain += ["|", ["id", "in", list(ids)], ["name", "in", list(names)]]
        elif ids:
            domain.append(["id", "in", list(ids)])
        elif names:
            domain.append(["name", "in", list(names)])
        fields = [*TAX_FIELDS, "price_include"]
        rows = self._rpc.call(
            "account.tax", "search_read", {"domain": domain, "fields": fields}
        )
        child_ids = sorted(
            {c for row in rows for c in row.get("children_tax_ids") or []}
        )
        children: dict[int, TaxDefinition] = {}
        if child_ids:
            child_rows = self._rpc.call(
                "account.tax", "read", {"fields": fields}, ids=child_ids
            )
            children = {int(r["id"]): _tax(r, {}) for r in child_rows}
        return [_tax(row, children) for row in rows]

    def _cached(self, model: str, field: str, codes: Sequence[str]) -> dict[str, int]:
        wanted = [c for c in dict.fromkeys(codes) if (model, c) not in self._cache]
        if wanted:
            for code, rid in self._by_field(model, field, wanted).items():
                self._cache[(model, code)] = rid
        return {c: self._cache[(model, c)] for c in codes if (model, c) in self._cache}

    def _by_field(self, model: str, field: str, codes: Sequence[str]) -> dict[str, int]:
        """Return ids of `model` whose `field` is one of `codes`, first id wins."""
        if not codes:
            return {}
        rows = self._rpc.call(
            model,
            "search_read",
            {
                "domain": [[field, "in", list(dict.fromkeys(codes))]],
                "fields": [field],
                "order": "id asc",
            },
        )
        found: dict[str, int] = {}
        for row in rows:
            found.setdefault(str(row[field]), int(row["id"]))
        return found


def _tax(
    row: Mapping[str, Any], children: Mapping[int, TaxDefinition]
) -> TaxDefinition:
    """Return one read tax as a TaxDefinition (children resolved from `children`)."""
    kids = tuple(
        children[c] for c in row.get("children_tax_ids") or [] if c in children
    )
    return TaxDefinition(
        id=int(row["id"]),
        name=str(row["name"]),
        amount_type=row.get("amount_type") or "percent",
        amount=Decimal(str(row.get("amount") or 0)),
        price_include=bool(row.get("price_include")),
        include_base_amount=bool(row.get("include_base_amount")),
        is_base_affected=bool(row.get("is_base_affected", True)),
        sequence=int(row.get("sequence") or 1),
        children=kids,
    )
