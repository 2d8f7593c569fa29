"""Sandbox Stripe: the v1 resources the hub reads, and signed webhooks."""
