"""Sandbox Shopify: GraphQL Admin API, bulk operations, signed webhooks."""
