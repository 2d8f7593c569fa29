"""Invoicing pipeline: decisions stored per second, and the executor's push rate.

Generated storefront orders are decided on (pipeline + mappings + outbox in one
transaction each) into a SQLite store, then the executor writes their invoices
into the sandbox Odoo (JSON-RPC, Odoo 17) in batches. Prints orders decided per
second, invoices posted per second and ERP calls per invoice.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from config.settings import settings_from_dict
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify.generator import generate_orders
from connectors.sandbox.shopify.render import render_rest
from connectors.shopify.parse import order_from_webhook
from o2c.orders import Order
from sync.invoicing import advance_order
from sync.orders_repo import upsert_order
from sync.runtime import Hub

ORDERS = 400
TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
# Only the rates the sandbox Odoo is seeded with; other orders are skipped.
RATES = {"0.05", "0.07", "0.1", "0.19", "0.2", "0.21"}
MAPPING = """
[defaults]
unknown_sku = "placeholder"
placeholder_product = "HOODIE-001"
[defaults.shipping]
default = "SHIP"
[defaults.special]
discount = "TSHIRT-001"
gift_card = "GIFT-CARD"
[defaults.accounts]
rounding = "642000"
refund_adjustment = "642000"
"""


def _orders() -> list[Order]:
    generated = generate_orders(ORDERS, seed=5, shop_domain="acme.myshopify.com")
    orders = [
        order_from_webhook(json.dumps(render_rest(o), default=str), shop="acme")
        for o in generated
    ]
    return [o for o in orders if _rates(o) <= RATES and not o.is_cancelled]


def _rates(order: Order) -> set[str]:
    parts = (*order.lines, *order.shipping_lines)
    return {str(t.rate.normalize()) for p in parts for t in p.tax_lines}


def _mapping() -> str:
    rules = []
    for rate in sorted(RATES):
        percent = f"{(float(rate) * 100):g}"
        for included, suffix in ((False, ""), (True, " incl.")):
            rules.append(
                f'[[defaults.taxes]]\nrate = "{rate}"\n'
                f"price_include = {str(included).lower()}\n"
                f'taxes = ["{percent}%{suffix}"]\n'
            )
    return MAPPING + "\n".join(rules)


def main() -> None:
    orders = _orders()
    with (
        SandboxOdoo(17, today=lambda: TODAY) as odoo,
        tempfile.TemporaryDirectory() as tmp,
    ):
        base = Path(tmp)
        (base / "mapping.toml").write_text(_mapping())
        config = {
            "environment": "development",
            "store": {"url": f"sqlite:///{base / 'hub.db'}"},
            "odoo": {
                "url": odoo.url,
                "database": odoo.database,
                "login": odoo.login,
                "api_key": odoo.api_key,
                "protocol": "jsonrpc",
            },
        }
        hub = Hub(settings_from_dict(config, base_dir=base))
        hub.migrate()
        invoicing = hub.invoicing()

        lookups = hub.gateway().calls
        started = time.perf_counter()
        for order in orders:
            with hub.engine.begin() as conn:
                upsert_order(conn, order, now=NOW)
                advance_order(conn, order, invoicing, now=NOW)
        decided = time.perf_counter() - started
        lookups = hub.gateway().calls - lookups

        calls = hub.gateway().calls
        started = time.perf_counter()
        result = hub.execute()
        pushed = time.perf_counter() - started
        calls = hub.gateway().calls - calls
        hub.close()

    invoices = sum(
        1 for row in odoo.records("account.move") if row["state"] == "posted"
    )
    print(f"orders decided (pipeline + outbox): {len(orders) / decided:.0f} /s")
    print(f"ERP lookups while deciding:         {lookups} for {len(orders)} orders")
    print(f"invoices posted by the executor:    {invoices / pushed:.0f} /s")
    print(f"ERP calls per invoice:              {calls / max(invoices, 1):.2f}")
    print(f"commands done / dead:               {result.done} / {result.dead}")


if __name__ == "__main__":
    main()
