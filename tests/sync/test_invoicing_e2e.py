"""End to end: sandbox Shopify's generated orders become Odoo invoices, cent-exact.

Orders come from the sandbox Shopify generator (several currencies, taxes in and
out of prices, one or two taxes per line, discounts, shipping), rendered as
webhook bodies and parsed by the Shopify connector. The sandbox Odoo gets a sales
tax for every rate they use; the mapping names them. Every order must end as a
posted invoice whose `amount_total` equals the storefront total to the minor unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config.settings import settings_from_dict
from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify.generator import generate_orders
from connectors.sandbox.shopify.render import render_rest
from connectors.shopify.parse import order_from_webhook
from o2c.orders import Order
from sync.outbox import demo_summary, invoicing_status
from sync.runtime import Hub
from tests.sync.invoicing_support import TODAY, hub_config, moves_with_ref, store

SANDBOX_RATES = (0, 5, 7, 10, 19, 20, 21)
# The generator's SKUs are not Odoo's: one placeholder product takes them all.
MAPPING = """
[defaults]
unknown_sku = "placeholder"
placeholder_product = "HOODIE-001"

[defaults.shipping]
default = "SHIP"

[defaults.special]
discount = "TSHIRT-001"
gift_card = "GIFT-CARD"

[defaults.customers]
unknown = "create"

[defaults.accounts]
rounding = "642000"
refund_adjustment = "642000"

"""


def generated_orders(count: int, seed: int) -> list[Order]:
    """Orders of the generator as the hub reads them from webhooks."""
    orders = generate_orders(count, seed=seed, shop_domain="acme.myshopify.com")
    bodies = [json.dumps(render_rest(o), default=str).encode() for o in orders]
    return [order_from_webhook(body, shop="acme") for body in bodies]


def tax_name(percent: Decimal, included: bool) -> str:
    return f"{percent.normalize():f}%{' incl.' if included else ''}"


def add_missing_taxes(odoo: SandboxOdoo, rates: set[tuple[Decimal, bool]]) -> None:
    """Create the sales taxes the sandbox was not seeded with (as an admin would)."""
    for rate, included in sorted(rates):
        percent = rate * 100
        if percent == percent.to_integral() and int(percent) in SANDBOX_RATES:
            continue
        include: dict[str, Any] = {"price_include": included}
        if odoo.profile.has_price_include_override:
            include = {
                "price_include_override": "tax_included" if included else "tax_excluded"
            }
        odoo.service.call(
            odoo.uid,
            "account.tax",
            "create",
            [
                {
                    "name": tax_name(percent, included),
                    "amount_type": "percent",
                    "amount": str(percent),
                    "type_tax_use": "sale",
                    **include,
                }
            ],
            {},
            context={},
        )


def credit_currency(odoo: SandboxOdoo, move: dict[str, Any]) -> str:
    return str(odoo.record("res.currency", move["currency_id"])["name"])


def tax_rules(rates: set[tuple[Decimal, bool]]) -> str:
    rules = []
    for rate, included in sorted(rates):
        names = "[]" if rate == 0 else f'["{tax_name(rate * 100, included)}"]'
        rules.append(
            f'[[defaults.taxes]]\nrate = "{rate}"\n'
            f"price_include = {'true' if included else 'false'}\ntaxes = {names}\n"
        )
    return "\n".join(rules)


@pytest.fixture(params=[17, 19], ids=["odoo17", "odoo19"])
def odoo(request: pytest.FixtureRequest) -> Iterator[SandboxOdoo]:
    with SandboxOdoo(version=request.param, today=lambda: TODAY) as server:
        yield server


def test_generated_orders_post_invoices_with_the_storefront_total(
    odoo: SandboxOdoo, sqlite_url: str, tmp_path: Path
) -> None:
    orders = generated_orders(30, seed=11)
    rates = {
        (tax.rate, order.taxes_included)
        for order in orders
        for part in (*order.lines, *order.shipping_lines)
        for tax in part.tax_lines
    }
    add_missing_taxes(odoo, rates)
    protocol = "json2" if odoo.version >= 19 else "jsonrpc"
    config = hub_config(odoo, sqlite_url, tmp_path, protocol=protocol)
    (tmp_path / "mapping.toml").write_text(MAPPING + tax_rules(rates))
    hub = Hub(settings_from_dict(config, base_dir=tmp_path))
    hub.migrate()
    try:
        decided = [store(hub.engine, hub.invoicing(), order) for order in orders]
        result = hub.execute()
        status = invoicing_status(hub.engine)
        summary = demo_summary(hub.engine, erp_calls=hub.gateway().calls)
    finally:
        hub.close()

    cancelled = [o for o in orders if o.is_cancelled]
    live = [o for o in orders if not o.is_cancelled]
    held = [d.order.number for d in decided if "PlaceHold" in d.commands]
    assert held == []
    assert result.dead == 0, result.errors
    assert status["invoices"]["posted"] == len(live)
    assert summary["invoices.posted"] == len(live)
    assert summary["invoices.total_mismatches"] == 0
    for order in live:
        [invoice] = moves_with_ref(odoo, f"o2c_hub.invoice.acme.{order.number[1:]}")
        assert invoice["state"] == "posted"
        assert invoice["amount_total"] == order.totals.total.presentment.amount, (
            order.number
        )
    refunds = [r for o in live for r in o.refunds]
    assert status["credit_notes"]["posted"] == len(refunds) > 0
    checked = 0
    for refund in refunds:
        key = f"o2c_hub.credit_note.acme.{refund.external_id.rsplit('/', 1)[-1]}"
        [credit] = moves_with_ref(odoo, key)
        paid_back = [t.amount for t in refund.transactions if t.status == "success"]
        assert credit["move_type"] == "out_refund"
        if paid_back and paid_back[0].currency == credit_currency(odoo, credit):
            assert credit["amount_total"] == sum(m.amount for m in paid_back)
            checked += 1
    assert checked > 0  # refunds whose money moved in the credit note's currency
    for order in cancelled:  # cancelled before any invoice: nothing to write
        assert moves_with_ref(odoo, f"o2c_hub.invoice.acme.{order.number[1:]}") == []
