"""Sandbox Odoo: JSON-RPC and JSON-2 with the accounting models the hub touches."""
