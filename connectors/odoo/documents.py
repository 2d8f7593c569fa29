"""Invoices, credit notes and journal entries as account.move values.

The drafts name ERP records by opaque references (`partner_ref`, `product_ref`,
`account_ref`, tax ids); `Refs` resolves them, external ids in one batched read.
Every move carries its idempotency key in `ref` (the marker the lookup reads,
see `connectors.odoo.idempotency`); the order number goes to `invoice_origin`.
Lines always name their taxes (`tax_ids`, even empty) so that a product's default
taxes never change what the hub predicted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.odoo import keys as keyspace
from connectors.odoo.idempotency import Target, XmlId
from connectors.odoo.keys import RecordRef
from o2c.credit_notes import CreditNoteDraft
from o2c.errors import MappingError
from o2c.invoices import InvoiceLineDraft, ReceivableDraft
from o2c.ledger import JournalEntry

MOVE = "account.move"
PARTNER = "res.partner"
PRODUCT = "product.product"
ACCOUNT = "account.account"
JOURNAL = "account.journal"


@dataclass(frozen=True, slots=True)
class RefNeed:
    """One reference a document needs resolved: model, reference text, mapping kind."""

    model: str
    ref: str
    kind: str


@dataclass
class Refs:
    """References parsed and resolved to record ids for one batch."""

    parsed: dict[tuple[str, str], RecordRef] = field(default_factory=dict)
    targets: dict[XmlId, Target] = field(default_factory=dict)
    errors: dict[tuple[str, str], MappingError] = field(default_factory=dict)

    def add(self, need: RefNeed) -> None:
        """Parse a reference; a malformed one is kept as its MappingError."""
        slot = (need.model, need.ref)
        if slot in self.parsed or slot in self.errors:
            return
        try:
            self.parsed[slot] = keyspace.parse_ref(need.ref, need.model, kind=need.kind)
        except MappingError as exc:
            self.errors[slot] = exc

    def xmlids(self) -> set[XmlId]:
        """Return the external ids the parsed references name."""
        return {
            (ref.module, ref.name)
            for ref in self.parsed.values()
            if ref.module is not None and ref.name is not None
        }

    def id(self, need: RefNeed) -> int:
        """Return the record id of a reference.

        Raises MappingError(kind, ref) when it is malformed, unknown, or an
        external id of another model.
        """
        slot = (need.model, need.ref)
        if slot in self.errors:
            raise self.errors[slot]
        ref = self.parsed[slot]
        if ref.record_id is not None:
            return ref.record_id
        target = self.targets.get((ref.module or "", ref.name or ""))
        if target is None or target.model != need.model:
            raise MappingError(need.kind, need.ref, f"no {need.model} {ref.xmlid!r}")
        return target.res_id


def receivable_needs(draft: ReceivableDraft) -> list[RefNeed]:
    """Return the references an invoice or credit note draft needs."""
    needs = [RefNeed(PARTNER, draft.partner_ref, "partner")]
    for line in draft.lines:
        if line.product_ref:
            needs.append(RefNeed(PRODUCT, line.product_ref, "product"))
        if line.account_ref:
            needs.append(RefNeed(ACCOUNT, line.account_ref, "account"))
    return needs


def entry_needs(entry: JournalEntry) -> list[RefNeed]:
    """Return the accounts a journal entry's postings name."""
    return [RefNeed(ACCOUNT, p.account, "account") for p in entry.postings]


def receivable_values(
    draft: ReceivableDraft,
    refs: Refs,
    *,
    journal_id: int | None,
    reversed_id: int | None = None,
) -> dict[str, Any]:
    """Return the account.move values of an invoice or credit note draft.

    The caller adds `currency_id`. Raises MappingError for an unresolved reference.
    """
    is_credit = isinstance(draft, CreditNoteDraft)
    values: dict[str, Any] = {
        "move_type": "out_refund" if is_credit else "out_invoice",
        "partner_id": refs.id(RefNeed(PARTNER, draft.partner_ref, "partner")),
        "invoice_date": draft.document_date,
        "ref": draft.idempotency_key,
        "invoice_origin": draft.order_number,
        "invoice_line_ids": [[0, 0, line_values(line, refs)] for line in draft.lines],
    }
    if journal_id is not None:
        values["journal_id"] = journal_id
    if reversed_id is not None:
        values["reversed_entry_id"] = reversed_id
    return values


def line_values(line: InvoiceLineDraft, refs: Refs) -> dict[str, Any]:
    """Return the values of one invoice line, taxes named explicitly."""
    values: dict[str, Any] = {
        "name": line.description,
        "quantity": line.quantity,
        "price_unit": line.price_unit,
        "discount": line.discount,
        "tax_ids": [[6, 0, [tax.id for tax in line.taxes]]],
    }
    if line.product_ref:
        values["product_id"] = refs.id(RefNeed(PRODUCT, line.product_ref, "product"))
    if line.account_ref:
        values["account_id"] = refs.id(RefNeed(ACCOUNT, line.account_ref, "account"))
    return values


def entry_values(entry: JournalEntry, refs: Refs, *, journal_id: int) -> dict[str, Any]:
    """Return the account.move values of a balanced journal entry (no currency).

    The postings are written in the entry's currency as debit and credit, which
    Odoo books as company-currency amounts: entries must be in the company's
    currency. Raises MappingError for an unresolved account.
    """
    return {
        "move_type": "entry",
        "journal_id": journal_id,
        "date": entry.date,
        "ref": entry.idempotency_key,
        "narration": entry.reference,
        "line_ids": [
            [
                0,
                0,
                {
                    "name": posting.label,
                    "account_id": refs.id(RefNeed(ACCOUNT, posting.account, "account")),
                    "debit": posting.debit.amount,
                    "credit": posting.credit.amount,
                },
            ]
            for posting in entry.postings
        ],
    }


def collect(needs: Iterable[RefNeed], refs: Refs | None = None) -> Refs:
    """Return `refs` (or new Refs) with every need parsed."""
    refs = refs or Refs()
    for need in needs:
        refs.add(need)
    return refs


def to_money_amount(value: Any) -> Decimal:
    """Return a read amount (Decimal from the JSON parser, or int) as a Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        return Decimal(0)
    return Decimal(str(value))


def as_int_map(values: Mapping[str, Any]) -> dict[str, int]:
    """Return a mapping with its values as ints."""
    return {k: int(v) for k, v in values.items()}
