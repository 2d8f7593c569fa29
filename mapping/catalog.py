"""The ERP lookups the mappings need, as a protocol, and a cache in front of them.

`mapping` may not import `connectors`; `sync` passes in an object that answers
these questions (the Odoo gateway through a thin adapter, or a test's). Each
lookup takes many codes at once so that resolving a batch of orders costs one
call per kind of record, and `CachedCatalog` remembers every answer, misses too,
so a code is asked about once per process (`forget` starts over after an
administrator changed the ERP).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from o2c.taxes import TaxDefinition


@dataclass(frozen=True, slots=True)
class PartnerQuery:
    """Who an order's customer is, by the keys partners can be found with.

    `external_key` is the hub's key for the customer (stored in the ERP as an
    external id when the hub creates the partner).
    """

    external_key: str | None = None
    email: str | None = None
    vat: str | None = None
    name: str | None = None
    is_company: bool = False


class Catalog(Protocol):
    """Batched reads of the ERP's master data; each returns only what exists."""

    def products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product ids by internal reference (`default_code`)."""
        ...

    def sale_taxes(self) -> Sequence[tuple[str, TaxDefinition]]:
        """Return every active sales tax as (name in the ERP, definition)."""
        ...

    def journals_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return journal ids by short code (`INV`, `STRP`)."""
        ...

    def accounts_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account ids by code (`642000`)."""
        ...

    def find_partner(self, query: PartnerQuery, *, match: Sequence[str]) -> int | None:
        """Return the partner found by the keys in `match`, tried in that order."""
        ...


class CachedCatalog:
    """A `Catalog` that asks the ERP once per code and remembers the answers."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self._codes: dict[str, dict[str, int | None]] = {}
        self._taxes: tuple[tuple[str, TaxDefinition], ...] | None = None
        self._partners: dict[tuple[PartnerQuery, tuple[str, ...]], int | None] = {}
        self.lookups = 0  # calls that reached the ERP

    def products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product ids by code, asking the ERP only for new codes."""
        return self._by_code("product", codes, self._catalog.products_by_code)

    def journals_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return journal ids by code, asking the ERP only for new codes."""
        return self._by_code("journal", codes, self._catalog.journals_by_code)

    def accounts_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account ids by code, asking the ERP only for new codes."""
        return self._by_code("account", codes, self._catalog.accounts_by_code)

    def sale_taxes(self) -> Sequence[tuple[str, TaxDefinition]]:
        """Return the ERP's sales taxes, read once."""
        with self._lock:
            if self._taxes is None:
                self.lookups += 1
                self._taxes = tuple(self._catalog.sale_taxes())
            return self._taxes

    def find_partner(self, query: PartnerQuery, *, match: Sequence[str]) -> int | None:
        """Return the partner for a customer, found once and remembered."""
        key = (query, tuple(match))
        with self._lock:
            if key in self._partners:
                return self._partners[key]
        self.lookups += 1
        found = self._catalog.find_partner(query, match=match)
        with self._lock:
            self._partners[key] = found
        return found

    def remember_partner(
        self, query: PartnerQuery, match: Sequence[str], pid: int
    ) -> None:
        """Record a partner the hub just created, so it is not looked up again."""
        with self._lock:
            self._partners[(query, tuple(match))] = pid

    def forget(self) -> None:
        """Drop every cached answer (the ERP's master data changed)."""
        with self._lock:
            self._codes.clear()
            self._partners.clear()
            self._taxes = None

    def _by_code(
        self,
        kind: str,
        codes: Iterable[str],
        fetch: _Fetch,
    ) -> dict[str, int]:
        wanted = list(dict.fromkeys(codes))
        with self._lock:
            known = self._codes.setdefault(kind, {})
            missing = [code for code in wanted if code not in known]
        if missing:
            self.lookups += 1
            found = fetch(missing)
            with self._lock:
                for code in missing:
                    known[code] = found.get(code)
        return {code: pid for code in wanted if (pid := known.get(code)) is not None}


class _Fetch(Protocol):
    def __call__(self, codes: Sequence[str], /) -> dict[str, int]: ...
