"""An in-memory ERP catalog for the mapping tests: codes, taxes and partners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mapping.catalog import PartnerQuery
from o2c.taxes import TaxDefinition


def sales_tax(tax_id: int, percent: str, *, included: bool) -> TaxDefinition:
    """A percent tax named like the sandbox's: `20%` or `20% incl.`."""
    name = f"{percent}%{' incl.' if included else ''}"
    return TaxDefinition(
        id=tax_id, name=name, amount=Decimal(percent), price_include=included
    )


@dataclass
class MemoryCatalog:
    """Answers the catalog's questions from dicts, counting every call."""

    products: dict[str, int] = field(
        default_factory=lambda: {"TSHIRT-001": 11, "MUG-001": 12, "SHIP": 20}
    )
    accounts: dict[str, int] = field(default_factory=lambda: {"642000": 70})
    journals: dict[str, int] = field(default_factory=lambda: {"STRP": 5, "BNK1": 6})
    taxes: list[TaxDefinition] = field(
        default_factory=lambda: [
            sales_tax(1, "20", included=False),
            sales_tax(2, "20", included=True),
            sales_tax(3, "10", included=False),
        ]
    )
    partners: dict[str, int] = field(default_factory=dict)  # email or vat -> id
    calls: list[str] = field(default_factory=list)

    def products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        self.calls.append(f"products {sorted(codes)}")
        return {c: self.products[c] for c in codes if c in self.products}

    def sale_taxes(self) -> Sequence[tuple[str, TaxDefinition]]:
        self.calls.append("taxes")
        return [(tax.name, tax) for tax in self.taxes]

    def journals_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        self.calls.append(f"journals {sorted(codes)}")
        return {c: self.journals[c] for c in codes if c in self.journals}

    def accounts_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        self.calls.append(f"accounts {sorted(codes)}")
        return {c: self.accounts[c] for c in codes if c in self.accounts}

    def find_partner(self, query: PartnerQuery, *, match: Sequence[str]) -> int | None:
        self.calls.append(f"partner {query.email or query.vat}")
        for how in match:
            value = {"email": query.email, "vat": query.vat, "name": query.name}.get(
                how
            )
            if value and value in self.partners:
                return self.partners[value]
        return None
