"""The Stripe connector: reads payments, refunds, disputes, payouts and events.

Transport is stripe-python's `StripeClient` with the API version pinned from the
configuration and network retries set explicitly (the library retries nothing by
default). Every write carries an idempotency key the caller derives from its own
record, so a retry after a lost answer can never refund twice. Library errors are
translated once, here, into the hub's tree (`o2c.errors`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import stripe

from config.settings import StripeSettings
from connectors.stripe.parse import (
    can_list_lines,
    parse_balance_transaction,
    parse_charge,
    parse_dispute,
    parse_payment_intent,
    parse_payout,
    parse_refund,
)
from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RejectedError,
    RetryableError,
)
from o2c.money import Money
from o2c.payments import (
    BalanceTransaction,
    BreakdownStatus,
    Dispute,
    Payment,
    PaymentRefund,
    Payout,
)

logger = logging.getLogger(__name__)

SYSTEM = "stripe"
PAGE_SIZE = 100  # Stripe's largest page
DEFAULT_TIMEOUT = 30.0


def build_stripe_client(
    settings: StripeSettings, *, http_client: stripe.HTTPClient | None = None
) -> stripe.StripeClient:
    """A StripeClient with the pinned API version, explicit retries and base URL."""
    bases: dict[str, str] = {}
    if settings.api_base:
        bases = {"api": settings.api_base, "files": settings.api_base}
    return stripe.StripeClient(
        settings.api_key.get_secret_value(),
        stripe_version=settings.api_version,
        base_addresses=bases,  # type: ignore[arg-type]
        max_network_retries=settings.max_network_retries,
        http_client=http_client or stripe.RequestsClient(timeout=DEFAULT_TIMEOUT),
    )


class StripeConnector:
    """Reads Stripe objects as canonical records; one instance per Stripe account."""

    def __init__(
        self,
        settings: StripeSettings,
        *,
        http_client: stripe.HTTPClient | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.settings = settings
        self.page_size = page_size
        self.client = build_stripe_client(settings, http_client=http_client)

    # -- single objects -----------------------------------------------------

    def payment(self, object_id: str) -> Payment:
        """The payment behind a charge (`ch_`/`py_`) or payment intent (`pi_`) id.

        Raises PermanentError when Stripe does not know it, RetryableError when
        Stripe cannot be reached, PayloadError when the answer does not parse.
        """
        if object_id.startswith("pi_"):
            params: Any = {"expand": ["latest_charge"]}
            with _translated("retrieve payment_intent", object_id):
                intent = self.client.v1.payment_intents.retrieve(object_id, params)
            return parse_payment_intent(intent.to_dict())
        # The intent often holds the order's metadata: read it in the same call.
        expand: Any = {"expand": ["payment_intent"]}
        with _translated("retrieve charge", object_id):
            data = self.client.v1.charges.retrieve(object_id, expand).to_dict()
        expanded = data.get("payment_intent")
        metadata = expanded.get("metadata") if isinstance(expanded, dict) else None
        return parse_charge(data, intent_metadata=metadata)

    def refund(self, refund_id: str) -> PaymentRefund:
        """One refund; raises as `payment` does."""
        with _translated("retrieve refund", refund_id):
            return parse_refund(self.client.v1.refunds.retrieve(refund_id).to_dict())

    def dispute(self, dispute_id: str) -> Dispute:
        """One dispute with its balance transactions; raises as `payment` does."""
        with _translated("retrieve dispute", dispute_id):
            return parse_dispute(self.client.v1.disputes.retrieve(dispute_id).to_dict())

    def payout(self, payout_id: str, *, breakdown: bool = True) -> Payout:
        """One payout; with `breakdown`, its balance transactions when Stripe has them.

        Raises as `payment` does.
        """
        with _translated("retrieve payout", payout_id):
            payout = parse_payout(self.client.v1.payouts.retrieve(payout_id).to_dict())
        if not (breakdown and can_list_lines(payout)):
            return payout
        lines = tuple(self.payout_lines(payout_id))
        return payout.model_copy(
            update={"transactions": lines, "breakdown": BreakdownStatus.COMPLETE}
        )

    # -- lists --------------------------------------------------------------

    def payout_lines(self, payout_id: str) -> Iterator[BalanceTransaction]:
        """Every balance transaction a payout carried (its own line included), paged,
        with sources expanded so refunds and disputes name their charge."""
        params = {"payout": payout_id, "expand": ["data.source"]}
        for data in self.list_all("balance_transactions", params):
            yield parse_balance_transaction(data)

    def events_since(self, created_gte: int) -> Iterator[dict[str, Any]]:
        """Every event created at or after the Unix time, newest first, as dicts."""
        return self.list_all("events", {"created": {"gte": created_gte}})

    def list_all(
        self, resource: str, params: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Walk a v1 list with `starting_after` until `has_more` is false.

        Pages go through the client's raw request (same version, retries and error
        translation) and are decoded here: building a StripeObject per item costs
        more than the HTTP call on long lists.
        """
        cursor: str | None = None
        while True:
            page_params = {**params, "limit": self.page_size}
            if cursor:
                page_params["starting_after"] = cursor
            with _translated(f"list {resource}", cursor):
                response = self.client.raw_request(
                    "get", f"/v1/{resource}", **page_params
                )
            page = json.loads(response.body, parse_float=Decimal)
            items: list[dict[str, Any]] = page.get("data") or []
            yield from items
            if not page.get("has_more") or not items:
                return
            cursor = items[-1]["id"]

    # -- writes -------------------------------------------------------------

    def create_refund(
        self, payment_id: str, amount: Money | None, *, idempotency_key: str
    ) -> PaymentRefund:
        """Refund a charge (all of it when `amount` is None), once per key.

        Raises AmbiguousWriteError when the answer was lost (look the refund up or
        retry with the same key), RejectedError when Stripe refuses it.
        """
        params: dict[str, Any] = {"charge": payment_id}
        if amount is not None:
            params["amount"] = amount.to_minor()
        options = {"idempotency_key": idempotency_key}
        with _translated("create refund", payment_id, write=True):
            refund = self.client.v1.refunds.create(params, options)  # type: ignore[arg-type]
        logger.info(
            "stripe refund %s created for %s",
            refund.id,
            payment_id,
            extra={"idempotency_key": idempotency_key},
        )
        return parse_refund(refund.to_dict())


@contextmanager
def _translated(
    operation: str, external_id: str | None, *, write: bool = False
) -> Iterator[None]:
    """Translate stripe-python errors into the hub's, once, with what support needs."""
    try:
        yield
    except stripe.StripeError as exc:
        raise _hub_error(exc, operation, external_id, write=write) from exc


def _hub_error(
    exc: stripe.StripeError, operation: str, external_id: str | None, *, write: bool
) -> ConnectorError:
    status = exc.http_status
    kind: type[ConnectorError]
    if isinstance(exc, stripe.APIConnectionError):
        kind = AmbiguousWriteError if write else RetryableError
    elif isinstance(exc, stripe.RateLimitError) or (status or 0) >= 500:
        kind = RetryableError
    elif isinstance(exc, stripe.AuthenticationError):
        kind = AuthenticationError
    elif isinstance(exc, stripe.PermissionError):
        kind = AccessError
    elif isinstance(exc, (stripe.CardError, stripe.IdempotencyError)) or status == 400:
        kind = RejectedError
    else:
        kind = PermanentError
    message = exc.user_message or str(exc) or exc.__class__.__name__
    return kind(
        message,
        system=SYSTEM,
        operation=operation,
        external_id=external_id,
        request_id=exc.request_id,
        status=status,
    )
