"""Stripe connector: payments, refunds, disputes, payouts and webhooks."""

from connectors.stripe.client import StripeConnector, build_stripe_client
from connectors.stripe.webhooks import (
    StripeEvent,
    load_event,
    parse_event,
    verify_signature,
)

__all__ = [
    "StripeConnector",
    "StripeEvent",
    "build_stripe_client",
    "load_event",
    "parse_event",
    "verify_signature",
]
