"""Local simulators of Shopify, Odoo and Stripe for tests and the demo."""
