"""Stripe's wire objects (plain dicts) into the canonical payment records.

Stripe states amounts as integers of the currency's minor unit and times as Unix
seconds; both are converted here and nowhere else. A field of the wrong shape raises
`PayloadError` naming the object and the field, so the raw event can be parked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from o2c.errors import PayloadError
from o2c.money import Money
from o2c.payments import (
    BalanceTransaction,
    BreakdownStatus,
    Dispute,
    Fee,
    Payment,
    PaymentRefund,
    Payout,
    links_from_text,
)

Obj = Mapping[str, Any]

_DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
_INTENT_STATUS = {
    "succeeded": "succeeded",
    "processing": "pending",
    "requires_capture": "pending",
    "canceled": "failed",
}
MANUAL_PAYOUT_NOTE = (
    "manual payout: Stripe does not record which balance transactions a manual "
    "payout carried, so it is kept as a single amount"
)
NOT_APPLICABLE_NOTE = (
    "Stripe reports no reconciliation for this payout (not_applicable)"
)
IN_PROGRESS_NOTE = "Stripe has not finished reconciling this payout; ask again later"


def object_id(value: Any) -> str | None:
    """The id of a field that is either an id string or an expanded object."""
    if isinstance(value, Mapping):
        return _text(value.get("id"))
    return _text(value)


def minor(obj: Obj, field: str, currency: str) -> Money:
    """Read an integer minor-unit amount; raises PayloadError for any other shape."""
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(
            f"{_label(obj)}: {field} must be an integer of minor units, not {value!r}",
            where=field,
        )
    return Money.from_minor(value, currency)


def timestamp(obj: Obj, field: str) -> datetime:
    """Read Unix seconds as an aware UTC datetime; raises PayloadError otherwise."""
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{_label(obj)}: {field} is not Unix seconds", where=field)
    return datetime.fromtimestamp(value, tz=UTC)


def currency_of(obj: Obj) -> str:
    """The object's ISO currency, upper case; raises PayloadError when absent."""
    value = obj.get("currency")
    if not isinstance(value, str) or len(value) != 3:
        raise PayloadError(f"{_label(obj)}: no currency", where="currency")
    return value.upper()


def parse_balance_transaction(obj: Obj) -> BalanceTransaction:
    """A balance transaction, with its source expanded or not.

    Raises PayloadError when amounts do not add up or fields have the wrong shape.
    """
    currency = currency_of(obj)
    source = obj.get("source")
    source_id = object_id(source)
    category = _text(obj.get("reporting_category"))
    is_dispute = category in _DISPUTE_CATEGORIES or (
        obj.get("type") == "adjustment" and (source_id or "").startswith("dp_")
    )
    with _payload(obj):
        return BalanceTransaction(
            external_id=_required(obj, "id"),
            type=_required(obj, "type"),
            reporting_category=category,
            amount=minor(obj, "amount", currency),
            fee=minor(obj, "fee", currency),
            net=minor(obj, "net", currency),
            fees=tuple(_fees(obj.get("fee_details") or (), is_dispute=is_dispute)),
            source_id=source_id,
            payment_id=_payment_of_source(source),
            created=timestamp(obj, "created"),
            available_on=_optional_time(obj, "available_on"),
            status=_text(obj.get("status")),
            description=_text(obj.get("description")),
        )


def parse_charge(obj: Obj, *, intent_metadata: Obj | None = None) -> Payment:
    """A charge as a payment; `amount` is what was captured (zero before capture).

    Metadata of the charge's payment intent, when given, adds to the charge's own.
    """
    currency = currency_of(obj)
    authorized = minor(obj, "amount", currency)
    metadata = {**_strings(intent_metadata), **_strings(obj.get("metadata"))}
    description = _text(obj.get("description"))
    billing = obj.get("billing_details") or {}
    with _payload(obj):
        return Payment(
            external_id=_required(obj, "id"),
            payment_intent_id=object_id(obj.get("payment_intent")),
            amount=_captured(obj, authorized),
            amount_refunded=minor(obj, "amount_refunded", currency),
            status=_text(obj.get("status")) or _status_of_old_charge(obj),
            created=timestamp(obj, "created"),
            description=description,
            customer_id=object_id(obj.get("customer")),
            customer_email=_text(billing.get("email"))
            or _text(obj.get("receipt_email")),
            metadata=metadata,
            balance_transaction_id=object_id(obj.get("balance_transaction")),
            disputed=bool(obj.get("disputed")),
            links=links_from_text(metadata, description),
        )


def parse_payment_intent(obj: Obj) -> Payment:
    """A payment intent as a payment: through its latest charge when expanded.

    Without an expanded charge the intent's `amount_received` is used, and the
    refunded amount is unknown (zero).
    """
    charge = obj.get("latest_charge")
    if isinstance(charge, Mapping):
        return parse_charge(charge, intent_metadata=obj.get("metadata"))
    currency = currency_of(obj)
    metadata = _strings(obj.get("metadata"))
    description = _text(obj.get("description"))
    intent_id = _required(obj, "id")
    with _payload(obj):
        return Payment(
            external_id=_text(charge) or intent_id,
            payment_intent_id=intent_id,
            amount=minor(obj, "amount_received", currency),
            amount_refunded=Money.zero(currency),
            status=_INTENT_STATUS.get(str(obj.get("status")), "pending"),
            created=timestamp(obj, "created"),
            description=description,
            customer_id=object_id(obj.get("customer")),
            customer_email=_text(obj.get("receipt_email")),
            metadata=metadata,
            links=links_from_text(metadata, description),
        )


def parse_refund(obj: Obj) -> PaymentRefund:
    """A refund of a charge."""
    currency = currency_of(obj)
    with _payload(obj):
        return PaymentRefund(
            external_id=_required(obj, "id"),
            payment_id=object_id(obj.get("charge")),
            payment_intent_id=object_id(obj.get("payment_intent")),
            amount=minor(obj, "amount", currency),
            status=_text(obj.get("status")) or "succeeded",
            reason=_text(obj.get("reason")),
            created=timestamp(obj, "created"),
            balance_transaction_id=object_id(obj.get("balance_transaction")),
            metadata=_strings(obj.get("metadata")),
        )


def parse_dispute(obj: Obj) -> Dispute:
    """A dispute with the balance transactions that withdrew or reinstated funds."""
    currency = currency_of(obj)
    lines = obj.get("balance_transactions") or ()
    with _payload(obj):
        return Dispute(
            external_id=_required(obj, "id"),
            payment_id=object_id(obj.get("charge")),
            payment_intent_id=object_id(obj.get("payment_intent")),
            amount=minor(obj, "amount", currency),
            reason=_text(obj.get("reason")),
            status=_required(obj, "status"),
            created=timestamp(obj, "created"),
            balance_transactions=tuple(
                parse_balance_transaction(line) for line in lines
            ),
        )


def parse_payout(obj: Obj) -> Payout:
    """A payout without its lines; `breakdown` says whether lines can be listed.

    A manual payout is NOT_AVAILABLE (with the reason); an automatic one is PENDING
    until the connector attaches its lines.
    """
    currency = currency_of(obj)
    automatic = bool(obj.get("automatic"))
    reconciliation = _text(obj.get("reconciliation_status"))
    breakdown, note = BreakdownStatus.PENDING, None
    if not automatic:
        breakdown, note = BreakdownStatus.NOT_AVAILABLE, MANUAL_PAYOUT_NOTE
    elif reconciliation == "not_applicable":
        breakdown, note = BreakdownStatus.NOT_AVAILABLE, NOT_APPLICABLE_NOTE
    elif reconciliation == "in_progress":
        note = IN_PROGRESS_NOTE
    with _payload(obj):
        return Payout(
            external_id=_required(obj, "id"),
            amount=minor(obj, "amount", currency),
            status=_required(obj, "status"),
            automatic=automatic,
            method=_text(obj.get("method")),
            created=timestamp(obj, "created"),
            arrival_date=timestamp(obj, "arrival_date"),
            reconciliation_status=reconciliation,
            balance_transaction_id=object_id(obj.get("balance_transaction")),
            destination=object_id(obj.get("destination")),
            description=_text(obj.get("description")),
            failure_code=_text(obj.get("failure_code")),
            breakdown=breakdown,
            breakdown_note=note,
        )


def can_list_lines(payout: Payout) -> bool:
    """True when Stripe can list the payout's balance transactions now.

    Older API versions have no `reconciliation_status`; an automatic payout is then
    listed anyway.
    """
    return payout.automatic and payout.reconciliation_status in (None, "completed")


# -- small readers ------------------------------------------------------------


def _fees(details: Iterable[Obj], *, is_dispute: bool) -> list[Fee]:
    fees = []
    for detail in details:
        kind = str(detail.get("type") or "stripe_fee")
        if is_dispute and kind == "stripe_fee":
            kind = "dispute_fee"
        fees.append(
            Fee(
                kind=kind,
                amount=minor(detail, "amount", currency_of(detail)),
                description=_text(detail.get("description")),
            )
        )
    return fees


def _payment_of_source(source: Any) -> str | None:
    """The charge a balance transaction's source goes back to, when it can be told."""
    if isinstance(source, Mapping):
        kind = source.get("object")
        if kind == "charge":
            return object_id(source)
        if kind in ("refund", "dispute"):
            return object_id(source.get("charge"))
        return None
    text = _text(source) or ""
    return text if text.startswith(("ch_", "py_")) else None


def _captured(obj: Obj, authorized: Money) -> Money:
    """The captured amount (old charges lack `amount_captured` or say 0)."""
    if not obj.get("captured"):
        return Money.from_minor(0, authorized.currency)
    captured = obj.get("amount_captured")
    if isinstance(captured, int) and not isinstance(captured, bool) and captured > 0:
        return Money.from_minor(captured, authorized.currency)
    return authorized


def _status_of_old_charge(obj: Obj) -> str:
    """Charges before API 2015 carry no `status`: `paid` says whether it succeeded."""
    if "paid" not in obj:
        raise PayloadError(f"{_label(obj)}: status is missing", where="status")
    return "succeeded" if obj.get("paid") else "failed"


def _optional_time(obj: Obj, field: str) -> datetime | None:
    return timestamp(obj, field) if obj.get(field) is not None else None


def _required(obj: Obj, field: str) -> str:
    value = _text(obj.get(field))
    if not value:
        raise PayloadError(f"{_label(obj)}: {field} is missing", where=field)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _label(obj: Obj) -> str:
    return f"{obj.get('object') or 'object'} {obj.get('id') or '(no id)'}"


@contextmanager
def _payload(obj: Obj) -> Iterator[None]:
    """Turn a record's own validation failure into a PayloadError naming the object."""
    try:
        yield
    except PayloadError:
        raise
    except ValueError as exc:
        raise PayloadError(str(exc), where=_label(obj)) from exc
