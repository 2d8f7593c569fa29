"""Shopify Admin GraphQL connector and webhook body parsing."""
