"""The commands the pipeline emits for the shell to carry out, as outbox records.

Each command is a frozen record that serializes to JSON (`to_json`, read back with
`command_from_json`) so that `sync` can store it in the same transaction as the
order's new state and run it later. Each carries the idempotency key
`o2c_hub.<kind>.<source>.<id>` that the executor stores in the ERP as an external id:
it looks the key up before writing and again after an ambiguous failure, so a retry
never writes twice.

    CreateInvoice        the invoice draft, with the totals the ERP must show
    CreateCreditNote     a credit note draft (one per refund, one per cancellation)
    PlaceHold            stop the order before fulfillment, with the reasons
    ReleaseHold          lift the holds (operator release or cleared cause)
    HandOffFulfillment   tell the fulfillment side the order may ship
    RegisterPayment      apply a storefront payment to the order's invoice
    PostJournalEntry     a balanced entry (fees, transfers, write-offs)
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from o2c.credit_notes import CreditNoteDraft
from o2c.ids import shopify_numeric_id
from o2c.invoices import InvoiceDraft, hub_key, order_ident
from o2c.money import Money
from o2c.orders import Order

__all__ = [
    "AnyCommand",
    "CreateCreditNote",
    "CreateInvoice",
    "HandOffFulfillment",
    "JournalPosting",
    "PlaceHold",
    "PostJournalEntry",
    "RegisterPayment",
    "ReleaseHold",
    "command_from_json",
    "fulfillment_key",
    "hold_key",
    "hub_key",
    "order_ident",
    "payment_key",
    "release_key",
]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    source: str
    order_external_id: str

    def to_json(self) -> str:
        """Return the command as JSON text for the outbox (amounts as strings)."""
        return self.model_dump_json()


class CreateInvoice(_Command):
    kind: Literal["create_invoice"] = "create_invoice"
    draft: InvoiceDraft


class CreateCreditNote(_Command):
    kind: Literal["create_credit_note"] = "create_credit_note"
    draft: CreditNoteDraft


class PlaceHold(_Command):
    """Stop the order; `reasons` are words: risk, credit, unmapped, total_mismatch."""

    kind: Literal["place_hold"] = "place_hold"
    reasons: tuple[str, ...]
    detail: str | None = None


class ReleaseHold(_Command):
    kind: Literal["release_hold"] = "release_hold"
    reasons: tuple[str, ...]


class HandOffFulfillment(_Command):
    kind: Literal["hand_off_fulfillment"] = "hand_off_fulfillment"


class RegisterPayment(_Command):
    """Apply one storefront transaction to the invoice `invoice_key`."""

    kind: Literal["register_payment"] = "register_payment"
    invoice_key: str
    transaction_external_id: str
    gateway: str
    amount: Money
    payment_date: date
    reference: str | None = None


class JournalPosting(BaseModel):
    """One debit or credit on one account; exactly one side is non-zero."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_ref: str
    label: str
    debit: Money
    credit: Money


class PostJournalEntry(_Command):
    """A balanced entry: the debits equal the credits, in one currency."""

    kind: Literal["post_journal_entry"] = "post_journal_entry"
    entry_date: date
    reference: str
    postings: tuple[JournalPosting, ...]

    @model_validator(mode="after")
    def _balanced(self) -> PostJournalEntry:
        if not self.postings:
            raise ValueError("a journal entry needs postings")
        currency = self.postings[0].debit.currency
        debit = Money.total((p.debit for p in self.postings), currency)
        credit = Money.total((p.credit for p in self.postings), currency)
        if debit != credit:
            raise ValueError(f"journal entry is not balanced: {debit} != {credit}")
        return self


AnyCommand = Annotated[
    CreateInvoice
    | CreateCreditNote
    | PlaceHold
    | ReleaseHold
    | HandOffFulfillment
    | RegisterPayment
    | PostJournalEntry,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[AnyCommand] = TypeAdapter(AnyCommand)


def command_from_json(text: str | bytes) -> AnyCommand:
    """Parse a command stored by `to_json`.

    Raises pydantic.ValidationError when the text is not a known command.
    """
    return _ADAPTER.validate_json(text)


def hold_key(order: Order, reasons: tuple[str, ...]) -> str:
    """Key of a hold: one per order and set of reasons."""
    return hub_key("hold", order.source, f"{order_ident(order)}-{'-'.join(reasons)}")


def release_key(order: Order, reasons: tuple[str, ...]) -> str:
    """Key of the release of a given set of holds."""
    return hub_key("release", order.source, f"{order_ident(order)}-{'-'.join(reasons)}")


def fulfillment_key(order: Order) -> str:
    """Key of the fulfillment hand-off: one per order."""
    return hub_key("fulfillment", order.source, order_ident(order))


def payment_key(order: Order, transaction_external_id: str) -> str:
    """Key of a payment: one per storefront transaction."""
    try:
        ident = shopify_numeric_id(transaction_external_id)
    except ValueError:
        ident = transaction_external_id
    return hub_key("payment", order.source, ident)
