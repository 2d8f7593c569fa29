"""Customer payments registered on posted invoices through Odoo's "Register Payment".

The wizard (`account.payment.register`, opened on the invoice through the
context) creates, posts and matches the payment in one call, as a user would.
Its memo (`communication`, which becomes `ref` on 16/17 and `memo` on 18+) is
the payment's idempotency key: the marker the lookup reads when the answer of
`action_create_payments` is lost. Two calls per payment, plus one batched
lookup before and one external-id `create` and one `read` after, for all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.odoo import keys as keyspace
from connectors.odoo.documents import JOURNAL, MOVE, RefNeed, collect
from connectors.odoo.idempotency import KeyIndex
from connectors.odoo.profile import OdooProfile
from connectors.odoo.records import PaymentRequest, RegisteredPayment
from connectors.odoo.wire import Transport
from o2c.errors import (
    AmbiguousWriteError,
    HubError,
    LockedPeriodError,
    MappingError,
    RejectedError,
)

logger = logging.getLogger(__name__)

PAYMENT = "account.payment"
REGISTER = "account.payment.register"


class Payments:
    """Registers payments once per key."""

    def __init__(
        self,
        transport: Transport,
        index: KeyIndex,
        profile: OdooProfile,
        currency_ids: Callable[[Sequence[str]], dict[str, int]],
    ) -> None:
        self._rpc = transport
        self._index = index
        self._profile = profile
        self._currency_ids = currency_ids

    def register(self, requests: Sequence[PaymentRequest]) -> list[RegisteredPayment]:
        """Register each payment on its invoice unless its key exists already.

        Returns one result per request, in order; a refused payment (invoice not
        posted, nothing left to pay, unknown invoice or journal) carries its error.
        Raises AccessError/AuthenticationError, and AmbiguousWriteError when a
        registration stays unconfirmed after one lookup and retry.
        """
        memo = self._profile.payment_memo_field
        refs = collect(RefNeed(JOURNAL, r.journal_ref, "journal") for r in requests)
        all_keys = {k for r in requests for k in (r.key, r.invoice_key)}
        pairs = {k: (keyspace.MODULE, keyspace.xmlid_name(k)) for k in all_keys}
        refs.targets = self._index.resolve({*refs.xmlids(), *pairs.values()})
        keyed = {
            k: refs.targets[p].res_id for k, p in pairs.items() if p in refs.targets
        }
        existing = {r.key: keyed[r.key] for r in requests if r.key in keyed}
        missing = [r.key for r in requests if r.key not in keyed]
        orphans = self._index.find_markers(PAYMENT, memo, missing) if missing else {}
        existing.update(self._index.bind(PAYMENT, orphans))

        new: dict[str, int] = {}
        errors: dict[str, HubError] = {}
        for request in requests:
            if request.key in existing:
                continue
            try:
                invoice_id = keyed.get(request.invoice_key)
                if invoice_id is None:
                    raise MappingError("invoice", request.invoice_key)
                journal_id = refs.id(RefNeed(JOURNAL, request.journal_ref, "journal"))
                values = self._values(request, journal_id)
                new[request.key] = self._register_once(request, invoice_id, values)
            except (MappingError, RejectedError, LockedPeriodError) as exc:
                logger.warning("odoo: payment %s not registered: %s", request.key, exc)
                errors[request.key] = exc
        bound = self._index.bind(PAYMENT, new)
        states = self._read({**existing, **bound}.values())
        return [_result(r, existing, bound, errors, states) for r in requests]

    def _values(self, request: PaymentRequest, journal_id: int) -> dict[str, Any]:
        """Return the wizard values: amount in its currency, date, journal, memo.

        Raises MappingError for a currency Odoo does not have active.
        """
        code = request.amount.currency
        currency = self._currency_ids([code]).get(code)
        if currency is None:
            raise MappingError("currency", code)
        return {
            "amount": request.amount.amount,
            "currency_id": currency,
            "payment_date": request.payment_date,
            "journal_id": journal_id,
            "communication": request.key,
        }

    def _register_once(
        self, request: PaymentRequest, invoice_id: int, values: dict[str, Any]
    ) -> int:
        """Run the wizard; after a lost answer, look the memo up before retrying."""
        try:
            return self._register(request, invoice_id, values)
        except AmbiguousWriteError:
            memo = self._profile.payment_memo_field
            found = self._index.find_markers(PAYMENT, memo, [request.key])
            if request.key in found:
                return found[request.key]
            return self._register(request, invoice_id, values)

    def _register(
        self, request: PaymentRequest, invoice_id: int, values: dict[str, Any]
    ) -> int:
        context = {"active_model": MOVE, "active_ids": [invoice_id]}
        wizard = self._rpc.call(
            REGISTER,
            "create",
            {"vals_list": [values], "context": context},
            write=True,
            external_id=request.key,
        )
        wizard_id = int(wizard[0]) if isinstance(wizard, list) else int(wizard)
        action = self._rpc.call(
            REGISTER,
            "action_create_payments",
            {"context": context},
            ids=[wizard_id],
            write=True,
            external_id=request.key,
        )
        logger.info("odoo: registered payment %s", request.key)
        if isinstance(action, dict) and action.get("res_id"):
            return int(action["res_id"])
        found = self._index.find_markers(
            PAYMENT, self._profile.payment_memo_field, [request.key]
        )
        return found[request.key]

    def _read(self, ids: Any) -> dict[int, Mapping[str, Any]]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self._rpc.call(
            PAYMENT, "read", {"fields": ["name", "state"]}, ids=wanted
        )
        return {int(row["id"]): row for row in rows}


def _result(
    request: PaymentRequest,
    existing: Mapping[str, int],
    bound: Mapping[str, int],
    errors: Mapping[str, HubError],
    states: Mapping[int, Mapping[str, Any]],
) -> RegisteredPayment:
    if request.key in errors:
        return RegisteredPayment(request.key, None, error=errors[request.key])
    rid = existing.get(request.key) or bound[request.key]
    row = states.get(rid, {})
    return RegisteredPayment(
        key=request.key,
        id=rid,
        name=row.get("name") or None,
        state=row.get("state") or None,
        created=request.key not in existing,
    )
