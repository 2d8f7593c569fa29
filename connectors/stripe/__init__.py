"""Stripe connector: payments, refunds, disputes, payouts and webhooks."""
