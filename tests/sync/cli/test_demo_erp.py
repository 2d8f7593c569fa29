"""The demo's ERP side: Odoo prepared over its API, invoices read back and compared."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.sandbox.odoo import SandboxOdoo
from connectors.sandbox.shopify import generate_orders, render_rest
from connectors.shopify.parse import order_from_webhook
from mapping import load_tables
from o2c.orders import Order
from sync.cli.demo_erp import (
    OdooAdmin,
    check_invoices,
    order_rates,
    prepare_odoo,
    tax_name,
    write_mapping,
)


@pytest.fixture
def odoo() -> Iterator[SandboxOdoo]:
    with SandboxOdoo(version=17) as server:
        yield server


@pytest.fixture
def admin(odoo: SandboxOdoo) -> Iterator[OdooAdmin]:
    admin = OdooAdmin(odoo)
    yield admin
    admin.close()


def demo_orders(count: int) -> list[Order]:
    generated = generate_orders(count, seed=4, shop_domain="o2c-demo.myshopify.com")
    return [order_from_webhook(render_rest(o), shop="demo") for o in generated]


def post_invoice(
    admin: OdooAdmin, odoo: SandboxOdoo, order: Order, *, total: Decimal
) -> None:
    """Post an untaxed one-line invoice of `total` under the order's hub key."""
    currency = order.totals.total.presentment.currency
    [move] = admin.call(
        "account.move",
        "create",
        [
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": odoo.ref("sandbox.partner_jane"),
                    "ref": f"o2c_hub.invoice.demo.{order.number[1:]}",
                    "currency_id": odoo.ref(f"base.{currency}"),
                    "invoice_line_ids": [
                        [
                            0,
                            0,
                            {"name": "Goods", "quantity": 1, "price_unit": str(total)},
                        ]
                    ],
                }
            ]
        ],
    )
    admin.call("account.move", "action_post", [[move]])


def test_prepare_creates_every_missing_sku_and_rate_once(
    admin: OdooAdmin, odoo: SandboxOdoo
) -> None:
    orders = demo_orders(15)
    first = prepare_odoo(admin, orders)
    again = prepare_odoo(admin, orders)

    skus = {line.sku for order in orders for line in order.lines}
    codes = {row["default_code"] for row in odoo.records("product.product")}
    assert skus <= codes
    names = {row["name"] for row in odoo.records("account.tax")}
    rates = {tax_name(r, i) for r, i in order_rates(orders) if r != 0}
    assert rates <= names
    assert first["products"] > 0
    assert again == {"products": 0, "taxes": 0}


def test_written_mapping_names_a_tax_rule_per_rate_and_stripe_accounts(
    tmp_path: Path,
) -> None:
    orders = demo_orders(15)
    write_mapping(tmp_path / "mapping.toml", orders)
    tables = load_tables(tmp_path / "mapping.toml").for_shop("demo")
    assert len(tables.taxes) == len(order_rates(orders))
    assert tables.stripe is not None
    assert tables.stripe.clearing == "101402"


def test_check_counts_matching_and_names_mismatched_and_missing_invoices(
    admin: OdooAdmin, odoo: SandboxOdoo
) -> None:
    # Odoo keeps two decimals of a unit price: a KWD total cannot be one line.
    orders = [
        o
        for o in demo_orders(20)
        if not o.is_cancelled and o.totals.total.presentment.currency != "KWD"
    ][:3]
    right, wrong, missing = orders
    post_invoice(admin, odoo, right, total=right.totals.total.presentment.amount)
    off = wrong.totals.total.presentment.amount + Decimal(1)
    post_invoice(admin, odoo, wrong, total=off)

    check = check_invoices(admin, orders)

    assert check.expected == 3
    assert check.matching == 1
    assert [m.split(":")[0] for m in check.mismatched] == [wrong.number]
    assert check.missing == [missing.number]
    assert check.with_payment == 0


def test_check_counts_invoices_a_registered_payment_has_paid(
    admin: OdooAdmin, odoo: SandboxOdoo
) -> None:
    orders = [
        o
        for o in demo_orders(20)
        if not o.is_cancelled and o.totals.total.presentment.currency != "KWD"
    ][:2]
    paid, _unpaid = orders
    for order in orders:
        post_invoice(admin, odoo, order, total=order.totals.total.presentment.amount)
    [invoice] = admin.call(
        "account.move",
        "search",
        [[["ref", "=", "o2c_hub.invoice.demo." + paid.number[1:]]]],
    )
    [journal] = admin.call("account.journal", "search", [[["code", "=", "BNK1"]]])
    context = {"active_model": "account.move", "active_ids": [invoice]}
    values = {
        "amount": str(paid.totals.total.presentment.amount),
        "currency_id": odoo.ref(f"base.{paid.totals.total.presentment.currency}"),
        "journal_id": journal,
        "communication": "test payment",
    }
    wizard = admin.call(
        "account.payment.register", "create", [[values]], context=context
    )
    wizard_id = wizard[0] if isinstance(wizard, list) else wizard
    admin.call(
        "account.payment.register",
        "action_create_payments",
        [[wizard_id]],
        context=context,
    )

    check = check_invoices(admin, orders)

    assert check.matching == 2
    assert check.with_payment == 1
