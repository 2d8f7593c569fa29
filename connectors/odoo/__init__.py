"""Odoo ERP gateway: JSON-RPC and JSON-2 backends behind one interface."""
