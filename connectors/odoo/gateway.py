"""The ERP gateway: one interface for Odoo 16-19, over JSON-RPC or JSON-2.

    gateway = open_gateway(settings.odoo)          # detects version and protocol
    results = gateway.create_invoices(drafts)      # batched, exactly once, posted
    for doc in results:
        doc.error or doc.finding                   # per-document problems

`open_gateway` asks the server its version (`GET /web/version`, else JSON-RPC
`common.version`), picks the protocol (`[odoo] protocol`: `auto` takes JSON-2 on
19+ and JSON-RPC below) and the version profile (field names and states that
differ). Every write is keyed (see `connectors.odoo.idempotency`); every read
names its fields; errors are the hub's (see `connectors.odoo.errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import requests

from config.settings import OdooSettings
from connectors.odoo import documents as docs
from connectors.odoo.errors import CallInfo, from_http_status, from_network
from connectors.odoo.idempotency import KeyIndex
from connectors.odoo.json2 import Json2Transport
from connectors.odoo.jsonrpc import JsonRpcTransport
from connectors.odoo.lookups import Lookups
from connectors.odoo.moves import MoveItem, Moves, open_receivables
from connectors.odoo.partners import Partners
from connectors.odoo.payments import Payments
from connectors.odoo.profile import OdooProfile, profile_from_version
from connectors.odoo.records import (
    CreatedDocument,
    DocumentTotals,
    Partner,
    PartnerData,
    PaymentRequest,
    RegisteredPayment,
)
from connectors.odoo.wire import Transport, loads, request_id
from o2c.credit_notes import CreditNoteDraft
from o2c.errors import ConfigurationError, RejectedError
from o2c.invoices import InvoiceDraft, ReceivableDraft, TotalMismatchError
from o2c.ledger import JournalEntry
from o2c.taxes import TaxDefinition

logger = logging.getLogger(__name__)

# Documents per create call. 100 invoices of a few lines take Odoo a few seconds.
BATCH_SIZE = 100


class ErpGateway(Protocol):
    """What the hub asks of an ERP. Every method raises the hub's ConnectorErrors."""

    profile: OdooProfile
    protocol: str

    @property
    def calls(self) -> int:
        """Return the number of requests sent so far."""
        ...

    def server_version(self) -> str:
        """Return the server's version, e.g. "18.0"."""
        ...

    def lookup_keys(
        self, keys: Sequence[str], model: str | None = None
    ) -> dict[str, int]:
        """Return the record id of every idempotency key that exists."""
        ...

    def create_invoices(
        self,
        drafts: Sequence[InvoiceDraft],
        *,
        post: bool = True,
        journal_ref: str | None = None,
    ) -> list[CreatedDocument]:
        """Create (once per key), post and read back customer invoices."""
        ...

    def create_credit_notes(
        self,
        drafts: Sequence[CreditNoteDraft],
        *,
        post: bool = True,
        journal_ref: str | None = None,
    ) -> list[CreatedDocument]:
        """Create (once per key), post and read back credit notes."""
        ...

    def post(self, ids: Sequence[int]) -> None:
        """Post draft documents in one call."""
        ...

    def read_totals(self, ids: Sequence[int]) -> dict[int, DocumentTotals]:
        """Return state and amounts of documents by id."""
        ...

    def find_partners(
        self,
        *,
        emails: Sequence[str] = (),
        vats: Sequence[str] = (),
        keys: Sequence[str] = (),
    ) -> list[Partner]:
        """Return partners matching any of the emails, VAT numbers or keys."""
        ...

    def create_partners(self, partners: Sequence[PartnerData]) -> dict[str, int]:
        """Create partners once per key; return key -> id."""
        ...

    def find_products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product ids by internal reference."""
        ...

    def find_taxes(
        self, *, ids: Sequence[int] = (), names: Sequence[str] = ()
    ) -> list[TaxDefinition]:
        """Return sales taxes as the prediction engine reads them."""
        ...

    def find_journals(self, codes: Sequence[str]) -> dict[str, int]:
        """Return journal ids by short code."""
        ...

    def find_accounts(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account ids by code."""
        ...

    def find_currencies(self, codes: Sequence[str]) -> dict[str, int]:
        """Return currency ids by ISO code."""
        ...

    def tax_rounding_method(self) -> str:
        """Return the company's tax rounding: round_per_line or round_globally."""
        ...

    def create_journal_entries(
        self, entries: Sequence[JournalEntry], *, journal_ref: str, post: bool = True
    ) -> list[CreatedDocument]:
        """Create (once per key) and post balanced journal entries."""
        ...

    def register_payments(
        self, requests: Sequence[PaymentRequest]
    ) -> list[RegisteredPayment]:
        """Register payments on posted invoices once per key."""
        ...

    def open_receivables(self, partner_ids: Sequence[int] = ()) -> dict[int, Decimal]:
        """Return the open receivable per partner in company currency."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class OdooGateway:
    """The Odoo implementation of `ErpGateway` over one transport."""

    def __init__(
        self,
        transport: Transport,
        profile: OdooProfile,
        protocol: str,
        *,
        batch_size: int = BATCH_SIZE,
        company_id: int | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.profile = profile
        self.protocol = protocol
        self._rpc = transport
        self._index = KeyIndex(transport)
        self._lookups = Lookups(transport, profile, company_id)
        self._moves = Moves(transport, self._index, self._lookups.currency_ids)
        self._partners = Partners(transport, self._index, self._lookups)
        self._payments = Payments(
            transport, self._index, profile, self._lookups.currency_ids
        )

    @property
    def calls(self) -> int:
        """Return the number of requests sent to Odoo so far."""
        return self._rpc.calls

    def server_version(self) -> str:
        """Return "<major>.<minor>" of the server."""
        return f"{self.profile.major}.{self.profile.minor}"

    def lookup_keys(
        self, keys: Sequence[str], model: str | None = None
    ) -> dict[str, int]:
        """Return key -> record id for keys with an external id (one read).

        Raises ValueError for a string that is not a hub key.
        """
        return self._index.lookup(keys, model)

    def create_invoices(
        self,
        drafts: Sequence[InvoiceDraft],
        *,
        post: bool = True,
        journal_ref: str | None = None,
    ) -> list[CreatedDocument]:
        """Create, post and read back invoices; one result per draft, in order.

        A draft whose `hold_reason` is set is not written (its result carries
        TotalMismatchError). See `Moves.write` for what is raised.
        """
        return self._receivables(drafts, post=post, journal_ref=journal_ref)

    def create_credit_notes(
        self,
        drafts: Sequence[CreditNoteDraft],
        *,
        post: bool = True,
        journal_ref: str | None = None,
    ) -> list[CreatedDocument]:
        """Create, post and read back credit notes, reversing their invoices.

        The invoice named by `invoice_key` becomes `reversed_entry_id` when it
        exists in Odoo; otherwise the credit note is written without it.
        """
        return self._receivables(drafts, post=post, journal_ref=journal_ref)

    def post(self, ids: Sequence[int]) -> None:
        """Post draft moves in one call (raises RejectedError, LockedPeriodError)."""
        self._moves.post(ids)

    def read_totals(self, ids: Sequence[int]) -> dict[int, DocumentTotals]:
        """Return state and exact amounts of moves by id (one read)."""
        return self._moves.read_totals(ids)

    def find_partners(
        self,
        *,
        emails: Sequence[str] = (),
        vats: Sequence[str] = (),
        keys: Sequence[str] = (),
    ) -> list[Partner]:
        """Return partners matching any email, VAT number or key."""
        return self._partners.find(emails=emails, vats=vats, keys=keys)

    def create_partners(self, partners: Sequence[PartnerData]) -> dict[str, int]:
        """Create partners and their contacts once per key; return key -> id."""
        return self._partners.create(partners)

    def find_products_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        """Return product ids by internal reference (one read)."""
        return self._lookups.products_by_code(codes)

    def find_taxes(
        self, *, ids: Sequence[int] = (), names: Sequence[str] = ()
    ) -> list[TaxDefinition]:
        """Return sales taxes by id or name, as TaxDefinitions."""
        return self._lookups.taxes(ids=ids, names=names)

    def find_journals(self, codes: Sequence[str]) -> dict[str, int]:
        """Return journal ids by short code (one read)."""
        return self._lookups.journals_by_code(codes)

    def find_accounts(self, codes: Sequence[str]) -> dict[str, int]:
        """Return account ids by code (one read)."""
        return self._lookups.accounts_by_code(codes)

    def find_currencies(self, codes: Sequence[str]) -> dict[str, int]:
        """Return currency ids by ISO code (cached)."""
        return self._lookups.currency_ids(codes)

    def tax_rounding_method(self) -> str:
        """Return the company's tax rounding method, read once from res.company.

        Raises ConfigurationError when the company cannot be read.
        """
        return self._lookups.company_tax_rounding()

    def create_journal_entries(
        self, entries: Sequence[JournalEntry], *, journal_ref: str, post: bool = True
    ) -> list[CreatedDocument]:
        """Create (once per key), post and read back balanced journal entries.

        An entry in another currency than the company's is not written (its
        result carries RejectedError); a lock date refusal is the entry's
        `LockedPeriodError`. Raises ConfigurationError when the company's
        currency cannot be read.
        """
        journal = docs.RefNeed(docs.JOURNAL, journal_ref, "journal")
        company = self._lookups.company_currency() if entries else ""
        items = [_entry_item(e, journal) for e in entries if e.currency == company]
        written = {r.key: r for r in self._write_chunked(items, post=post)}
        return [
            written.get(e.idempotency_key) or _foreign_entry(e, company)
            for e in entries
        ]

    def register_payments(
        self, requests: Sequence[PaymentRequest]
    ) -> list[RegisteredPayment]:
        """Register payments on their invoices once per key; one result each."""
        return self._payments.register(requests)

    def open_receivables(self, partner_ids: Sequence[int] = ()) -> dict[int, Decimal]:
        """Return the open receivable per partner (posted invoices minus credits)."""
        return open_receivables(self._rpc, self.profile, partner_ids)

    def close(self) -> None:
        """Release the transport's connections."""
        self._rpc.close()

    def _write_chunked(
        self, items: Sequence[MoveItem], *, post: bool
    ) -> list[CreatedDocument]:
        """Write items in chunks of `batch_size`, so one call stays well inside
        Odoo's request time limit (`limit_time_real`, 120 s by default)."""
        results: list[CreatedDocument] = []
        for start in range(0, len(items), self.batch_size):
            chunk = items[start : start + self.batch_size]
            results.extend(self._moves.write(chunk, post=post))
        return results

    def _receivables(
        self,
        drafts: Sequence[ReceivableDraft],
        *,
        post: bool,
        journal_ref: str | None,
    ) -> list[CreatedDocument]:
        journal = (
            docs.RefNeed(docs.JOURNAL, journal_ref, "journal") if journal_ref else None
        )
        items = [_receivable_item(draft, journal) for draft in drafts]
        held = {d.idempotency_key: d for d in drafts if d.hold_reason}
        results = self._write_chunked(
            [i for i in items if i.key not in held], post=post
        )
        by_key = {r.key: r for r in results}
        return [by_key.get(d.idempotency_key) or _held(d) for d in drafts]


def _receivable_item(draft: ReceivableDraft, journal: docs.RefNeed | None) -> MoveItem:
    """Return the move item of an invoice or credit note draft."""
    reversed_key = draft.invoice_key if isinstance(draft, CreditNoteDraft) else None
    needs = docs.receivable_needs(draft) + ([journal] if journal else [])

    def build(refs: docs.Refs, keyed: Mapping[str, int]) -> dict[str, Any]:
        return docs.receivable_values(
            draft,
            refs,
            journal_id=refs.id(journal) if journal else None,
            reversed_id=keyed.get(reversed_key) if reversed_key else None,
        )

    return MoveItem(
        key=draft.idempotency_key,
        currency=draft.currency,
        needs=needs,
        build=build,
        expected_total=draft.expected_total,
        extra_keys=[reversed_key] if reversed_key else [],
    )


def _entry_item(entry: JournalEntry, journal: docs.RefNeed) -> MoveItem:
    """Return the move item of a journal entry."""

    def build(refs: docs.Refs, keyed: Mapping[str, int]) -> dict[str, Any]:
        return docs.entry_values(entry, refs, journal_id=refs.id(journal))

    return MoveItem(
        key=entry.idempotency_key,
        currency=entry.currency,
        needs=[*docs.entry_needs(entry), journal],
        build=build,
        expected_total=None,
    )


def _foreign_entry(entry: JournalEntry, company: str) -> CreatedDocument:
    """Return the refusal of an entry not in the company's currency.

    Its debits and credits would be booked as company-currency amounts: wrong
    by the exchange rate, so it is not written.
    """
    error = RejectedError(
        f"journal entry in {entry.currency}; the company books in {company}",
        system="odoo",
        operation="account.move.create",
        external_id=entry.idempotency_key,
    )
    return CreatedDocument(key=entry.idempotency_key, id=None, error=error)


def _held(draft: ReceivableDraft) -> CreatedDocument:
    """Return the result of a draft that must not be posted (total mismatch)."""
    try:
        draft.ensure_postable()
    except TotalMismatchError as exc:
        return CreatedDocument(key=draft.idempotency_key, id=None, error=exc)
    return CreatedDocument(key=draft.idempotency_key, id=None)


# -- opening ---------------------------------------------------------------------


def open_gateway(
    settings: OdooSettings, *, session: requests.Session | None = None
) -> ErpGateway:
    """Return a gateway for the configured server, version and protocol detected.

    `session` is used for JSON-2 and the version probe (tests pass one).
    Raises ConfigurationError for an unsupported version or JSON-2 asked of a
    server below 19, RetryableError when the server cannot be reached.
    """
    session = session or requests.Session()
    version = detect_version(settings, session)
    profile = profile_from_version(version)
    protocol = settings.protocol
    if protocol == "auto":
        protocol = "json2" if profile.has_json2 else "jsonrpc"
    if protocol == "json2" and not profile.has_json2:
        raise ConfigurationError(
            f"[odoo] protocol = json2 needs Odoo 19 or later; the server is {version}"
        )
    transport: Transport
    if protocol == "json2":
        transport = Json2Transport(settings, session=session)
    else:
        transport = JsonRpcTransport(settings)
    logger.info(
        "odoo: connected to %s (Odoo %s.%s over %s)",
        settings.url,
        profile.major,
        profile.minor,
        protocol,
    )
    return OdooGateway(transport, profile, protocol, company_id=settings.company_id)


def detect_version(settings: OdooSettings, session: requests.Session) -> Any:
    """Return the server version: `/web/version`'s, else JSON-RPC `common.version`.

    Raises RetryableError when the server cannot be reached.
    """
    info = CallInfo("web.version", None, request_id(), write=False)
    base = settings.url.rstrip("/")
    try:
        reply = session.get(f"{base}/web/version", timeout=settings.timeout)
    except requests.RequestException as exc:
        raise from_network(exc, info, sent=False) from exc
    if reply.status_code == 200:
        try:
            body = loads(reply.content)
            return body.get("version_info") or body["version"]
        except (ValueError, KeyError, AttributeError):
            logger.debug("odoo: /web/version answered no version, asking JSON-RPC")
    elif reply.status_code >= 500:
        raise from_http_status(reply.status_code, info)
    version = JsonRpcTransport(settings).version()
    return version.get("server_version_info") or version["server_version"]
