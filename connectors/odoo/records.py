"""What the gateway returns and takes besides the o2c drafts: results and inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from o2c.errors import HubError
from o2c.money import Money


@dataclass(frozen=True, slots=True)
class TotalFinding:
    """A posted document whose total in Odoo is not the total the hub predicted."""

    key: str
    record_id: int
    expected: Money
    actual: Money

    @property
    def difference(self) -> Money:
        """Return Odoo's total minus the expected total."""
        return self.actual - self.expected

    def __str__(self) -> str:
        return (
            f"{self.key} (id {self.record_id}): Odoo shows {self.actual}, "
            f"expected {self.expected} (difference {self.difference})"
        )


@dataclass(frozen=True, slots=True)
class CreatedDocument:
    """One document the gateway was asked to write, as Odoo holds it afterwards.

    `created` is False when the key already existed (nothing was written).
    `error` is set, and `id` may be None, when this document alone failed
    (validation, lock date, unmapped reference); the rest of the batch went on.
    `finding` is set when the posted total differs from the expected total.
    """

    key: str
    id: int | None
    name: str | None = None
    state: str | None = None
    amount_total: Money | None = None
    created: bool = False
    finding: TotalFinding | None = None
    error: HubError | None = None

    @property
    def ok(self) -> bool:
        """Return True when the document exists and no error or finding is attached."""
        return self.id is not None and self.error is None and self.finding is None


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    """The amounts and state of one account.move, as read back."""

    id: int
    name: str
    state: str
    move_type: str
    amount_untaxed: Money
    amount_tax: Money
    amount_total: Money
    amount_residual: Money
    payment_state: str | None
    ref: str | None


@dataclass(frozen=True, slots=True)
class Partner:
    """A res.partner as the gateway reads it."""

    id: int
    name: str
    email: str | None = None
    vat: str | None = None
    ref: str | None = None
    is_company: bool = False
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class PartnerData:
    """A customer to create: a person, or a company with its contacts.

    `key` is the idempotency key (`o2c_hub.partner.<shop>.<customer id>`);
    contacts carry their own keys.
    """

    key: str
    name: str
    email: str | None = None
    vat: str | None = None
    phone: str | None = None
    is_company: bool = False
    street: str | None = None
    street2: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    contacts: tuple[PartnerData, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A customer payment to register against one posted invoice (or credit note).

    `journal_ref` is the bank or processor journal (id, "model,id" or external
    id). The payment's memo (`ref` on 16/17, `memo` on 18+) is its key.
    """

    key: str
    invoice_key: str
    amount: Money
    payment_date: dt.date
    journal_ref: str


@dataclass(frozen=True, slots=True)
class RegisteredPayment:
    """A payment as Odoo holds it after registration."""

    key: str
    id: int | None
    name: str | None = None
    state: str | None = None
    created: bool = False
    error: HubError | None = None
