"""One sandbox Stripe account: the operations that move its balance, and their events.

Each operation writes the objects Stripe would (a charge with its payment intent and
balance transaction, a refund, a dispute's withdrawal and reinstatement, a payout and
the lines it carried) in the shapes of Stripe's published fixtures, and records the
event Stripe would send. Amounts are integers of minor units, as on the wire.

Fees follow a plain card price (2.9 % + 30 minor units, VAT on the fee where the
account is European); Stripe's real pricing varies by country and card, so only the
arithmetic (amount - fee = net) is meant to be faithful, not the rates.
"""

from __future__ import annotations

import copy
import random
import string
from typing import Any

from connectors.sandbox.stripe.store import StripeStore

API_VERSION = "2025-09-30.clover"
DISPUTE_FEE = 1500
# A few of the failure codes Stripe lists for payouts, with a message of our own.
_FAILURE_MESSAGES = {
    "account_closed": "The bank account has been closed.",
    "no_account": "The bank account details on file are probably incorrect.",
    "could_not_process": "The bank could not process this payout.",
}
_ALPHABET = string.ascii_letters + string.digits


class SandboxAccount:
    """Writes Stripe objects and events into a store, as Stripe would."""

    def __init__(
        self,
        store: StripeStore,
        *,
        seed: int = 0,
        account_id: str = "acct_1SandboxHub0000",
        fee_vat_rate: int = 0,  # percent of the Stripe fee charged as VAT (e.g. 20)
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.fee_vat_rate = fee_vat_rate
        self.rng = random.Random(seed)
        self.unpaid: list[str] = []  # balance lines no payout carried yet

    def new_id(self, prefix: str) -> str:
        """A Stripe-looking id: prefix, then 24 letters and digits."""
        return prefix + "".join(self.rng.choices(_ALPHABET, k=24))

    # -- money in ---------------------------------------------------------------

    def charge(
        self,
        amount: int,
        currency: str,
        *,
        created: int,
        metadata: dict[str, str] | None = None,
        description: str | None = None,
        email: str | None = None,
        charge_id: str | None = None,
        intent_id: str | None = None,
    ) -> dict[str, Any]:
        """A succeeded card payment through a payment intent; returns the charge.

        `charge_id` and `intent_id` name the charge and its intent when another
        system already knows them (a storefront that took the payment); new ids
        are drawn otherwise. Raises ValueError for an id the account already holds.
        """
        charge_id = self._unused(charge_id, "ch_", "charges")
        intent_id = self._unused(intent_id, "pi_", "payment_intents")
        fee = (amount * 29 + 500) // 1000 + 30
        details = [_fee_detail(fee, currency, "Stripe processing fees", "stripe_fee")]
        vat = (fee * self.fee_vat_rate + 50) // 100
        if vat:
            details.append(_fee_detail(vat, currency, "VAT", "tax"))
        txn = self._line(
            amount,
            currency,
            created=created,
            kind="charge",
            source=charge_id,
            description=description,
            fee_details=details,
        )
        intent = _intent(intent_id, amount, currency, created, charge_id, metadata)
        intent["description"] = description
        charge = _charge(charge_id, amount, currency, created, intent_id, txn["id"])
        charge.update(description=description, receipt_email=email)
        charge["billing_details"]["email"] = email
        self.store.put("payment_intents", intent)
        self.store.put("charges", charge)
        self.event("payment_intent.succeeded", intent, created)
        self.event("charge.succeeded", charge, created)
        return charge

    def _unused(self, given: str | None, prefix: str, kind: str) -> str:
        """The id asked for, checked to be new and of the kind's shape, or a new one."""
        if given is None:
            return self.new_id(prefix)
        if not given.startswith(prefix) or len(given) == len(prefix):
            raise ValueError(f"{kind} id {given!r} must start with {prefix!r}")
        if given in self.store.objects.get(kind, {}):
            raise ValueError(f"{kind} id {given!r} is already taken in this account")
        return given

    def refund(self, charge_id: str, amount: int, *, created: int) -> dict[str, Any]:
        """A succeeded refund of part or all of a charge; returns the refund."""
        charge = self.store.objects["charges"][charge_id]
        refund_id = self.new_id("re_")
        txn = self._line(
            -amount,
            charge["currency"],
            created=created,
            kind="refund",
            source=refund_id,
            description="REFUND FOR CHARGE",
        )
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": txn["id"],
            "charge": charge_id,
            "created": created,
            "currency": charge["currency"],
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": "requested_by_customer",
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
        }
        self.store.put("refunds", refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, dict(refund))
        charge["refunds"]["total_count"] = len(charge["refunds"]["data"])
        self.event("refund.created", refund, created)
        self.event("charge.refunded", charge, created)
        return refund

    # -- disputes ---------------------------------------------------------------

    def dispute(self, charge_id: str, *, created: int) -> dict[str, Any]:
        """A chargeback: funds and the dispute fee withdrawn; returns the dispute."""
        charge = self.store.objects["charges"][charge_id]
        amount, dispute_id = charge["amount"], self.new_id("dp_")
        fee = _fee_detail(DISPUTE_FEE, charge["currency"], "Dispute fee", "stripe_fee")
        txn = self._line(
            -amount,
            charge["currency"],
            created=created,
            kind="adjustment",
            source=dispute_id,
            category="dispute",
            fee_details=[fee],
            description=f"Chargeback withdrawal for {charge_id}",
        )
        dispute = {
            "id": dispute_id,
            "object": "dispute",
            "amount": amount,
            "balance_transactions": [dict(txn)],
            "charge": charge_id,
            "created": created,
            "currency": charge["currency"],
            "evidence_details": {
                "due_by": created + 14 * 86400,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": "fraudulent",
            "status": "needs_response",
        }
        self.store.put("disputes", dispute)
        charge["disputed"] = True
        self.event("charge.dispute.created", dispute, created)
        self.event("charge.dispute.funds_withdrawn", dispute, created)
        return dispute

    def win_dispute(self, dispute_id: str, *, created: int) -> dict[str, Any]:
        """The dispute is won: funds and fee reinstated; returns the dispute."""
        dispute = self.store.objects["disputes"][dispute_id]
        fee = _fee_detail(
            -DISPUTE_FEE, dispute["currency"], "Dispute fee refund", "stripe_fee"
        )
        txn = self._line(
            dispute["amount"],
            dispute["currency"],
            created=created,
            kind="adjustment",
            source=dispute_id,
            category="dispute_reversal",
            fee_details=[fee],
            description=f"Chargeback reversal for {dispute['charge']}",
        )
        dispute["balance_transactions"].append(dict(txn))
        dispute["status"] = "won"
        self.event("charge.dispute.funds_reinstated", dispute, created)
        self.event("charge.dispute.closed", dispute, created)
        return dispute

    def radar_fee(self, amount: int, currency: str, *, created: int) -> dict[str, Any]:
        """A fee billed on its own balance line (like Radar's); returns the line."""
        return self._line(
            -amount,
            currency,
            created=created,
            kind="stripe_fee",
            source=None,
            category="fee",
            description="Radar for Fraud Teams",
        )

    # -- money out --------------------------------------------------------------

    def automatic_payout(
        self, currency: str, *, created: int, arrival: int
    ) -> dict[str, Any] | None:
        """Pay out every unpaid line of the currency; None when they net to <= 0."""
        lines = [
            self.store.objects["balance_transactions"][i]
            for i in self.unpaid
            if self.store.objects["balance_transactions"][i]["currency"] == currency
        ]
        amount = sum(line["net"] for line in lines)
        if amount <= 0:
            return None
        payout = self._payout(amount, currency, created, arrival, automatic=True)
        carried = [line["id"] for line in lines] + [payout["balance_transaction"]]
        self.store.assign_to_payout(payout["id"], carried)
        paid = set(carried)
        self.unpaid = [i for i in self.unpaid if i not in paid]
        self.event("payout.paid", payout, arrival)
        self.event("payout.reconciliation_completed", payout, arrival)
        return payout

    def manual_payout(
        self, amount: int, currency: str, *, created: int, arrival: int
    ) -> dict[str, Any]:
        """A payout the merchant asked for: no lines are recorded against it."""
        payout = self._payout(amount, currency, created, arrival, automatic=False)
        self.event("payout.paid", payout, arrival)
        return payout

    def fail_payout(
        self, payout_id: str, *, created: int, code: str = "account_closed"
    ) -> dict[str, Any]:
        """The bank sends a payout back; returns the payout, now `failed`.

        As Stripe documents it, a payout may fail after it was paid: its amount
        returns to the balance on a `payout_failure` line (reporting category
        `payout_reversal`, named by `failure_balance_transaction`), which the next
        automatic payout carries, and `payout.failed` is sent. Stripe keeps the fees
        of the lines the payout carried. Raises ValueError for a payout that is not
        paid or in transit.
        """
        payout = self.store.objects["payouts"][payout_id]
        if payout["status"] not in ("paid", "in_transit"):
            raise ValueError(f"payout {payout_id} is {payout['status']}, not paid")
        txn = self._line(
            payout["amount"],
            payout["currency"],
            created=created,
            kind="payout_failure",
            source=payout_id,
            category="payout_reversal",
            description="STRIPE PAYOUT FAILURE",
        )
        payout.update(
            status="failed",
            failure_balance_transaction=txn["id"],
            failure_code=code,
            failure_message=_FAILURE_MESSAGES.get(code, "The payout failed."),
        )
        self.event("payout.failed", payout, created)
        return payout

    def _payout(
        self, amount: int, currency: str, created: int, arrival: int, *, automatic: bool
    ) -> dict[str, Any]:
        payout_id = self.new_id("po_")
        txn = self._line(
            -amount,
            currency,
            created=created,
            kind="payout",
            source=payout_id,
            category="payout",
            description="STRIPE PAYOUT",
            unpaid=False,
        )
        payout = {
            "id": payout_id,
            "object": "payout",
            "amount": amount,
            "application_fee": None,
            "application_fee_amount": None,
            "arrival_date": arrival,
            "automatic": automatic,
            "balance_transaction": txn["id"],
            "created": created,
            "currency": currency,
            "description": "STRIPE PAYOUT",
            "destination": "ba_1SandboxBank00000000000",
            "failure_balance_transaction": None,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": {},
            "method": "standard",
            "original_payout": None,
            "reconciliation_status": "completed" if automatic else "not_applicable",
            "reversed_by": None,
            "source_type": "card",
            "statement_descriptor": None,
            "status": "paid",
            "type": "bank_account",
        }
        self.store.put("payouts", payout)
        self.event("payout.created", payout, created)
        return payout

    # -- shared -----------------------------------------------------------------

    def _line(
        self,
        amount: int,
        currency: str,
        *,
        created: int,
        kind: str,
        source: str | None,
        category: str | None = None,
        description: str | None = None,
        fee_details: list[dict[str, Any]] | None = None,
        unpaid: bool = True,
    ) -> dict[str, Any]:
        details = fee_details or []
        fee = sum(d["amount"] for d in details)
        txn = {
            "id": self.new_id("txn_"),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": created + 2 * 86400,
            "balance_type": "payments",
            "created": created,
            "currency": currency,
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": details,
            "net": amount - fee,
            "reporting_category": category or kind,
            "source": source,
            "status": "available",
            "type": kind,
        }
        self.store.put("balance_transactions", txn)
        if unpaid:
            self.unpaid.append(txn["id"])
        return txn

    def event(self, kind: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
        """Record the event Stripe sends when `obj` changed (a snapshot of it)."""
        event = {
            "id": self.new_id("evt_"),
            "object": "event",
            "account": self.account_id,
            "api_version": API_VERSION,
            "created": created,
            "data": {"object": _snapshot(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        return self.store.put("events", event)


def _snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)


def _fee_detail(
    amount: int, currency: str, description: str, kind: str
) -> dict[str, Any]:
    return {
        "amount": amount,
        "application": None,
        "currency": currency,
        "description": description,
        "type": kind,
    }


def _intent(
    intent_id: str,
    amount: int,
    currency: str,
    created: int,
    charge_id: str,
    metadata: dict[str, str] | None,
) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": amount,
        "capture_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": None,
        "latest_charge": charge_id,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "payment_method_types": ["card"],
        "status": "succeeded",
    }


def _charge(
    charge_id: str,
    amount: int,
    currency: str,
    created: int,
    intent_id: str,
    txn_id: str,
) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "balance_transaction": txn_id,
        "billing_details": {
            "address": None,
            "email": None,
            "name": None,
            "phone": None,
        },
        "captured": True,
        "created": created,
        "currency": currency,
        "customer": None,
        "disputed": False,
        "livemode": False,
        "metadata": {},
        "outcome": {
            "network_status": "approved_by_network",
            "type": "authorized",
            "risk_level": "normal",
            "seller_message": "Payment complete.",
        },
        "paid": True,
        "payment_intent": intent_id,
        "payment_method_details": {
            "type": "card",
            "card": {"brand": "visa", "last4": "4242"},
        },
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        "status": "succeeded",
    }
