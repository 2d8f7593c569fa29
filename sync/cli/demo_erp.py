"""The demo's ERP side: the sandbox Odoo set up as an operator would, then checked.

Before the hub starts, the operator's work is done over Odoo's public JSON-RPC API
with the admin's API key: a product for every storefront SKU the generated orders
use (the sandbox is seeded with other products), a sales tax for every storefront
rate it lacks, a discount product. The mapping file then names them, with the
seeded shipping product, journals and accounts (the Stripe clearing ones too).
After the run, every posted invoice is read back through the same API and its
total compared with its order's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from config.templates import SANDBOX_SHOP_NAME
from connectors.sandbox.odoo import SandboxOdoo
from o2c.errors import HubError
from o2c.orders import Order

DISCOUNT_CODE = "DISCOUNT"
INCOME_ACCOUNT = "400000"
CALL_TIMEOUT_SECONDS = 30.0

# The seeded records the mapping names: shipping and gift card products, the
# journals of storefront payments and of journal entries, and the accounts.
MAPPING_HEAD = """\
# Written by `o2c-hub demo` or `o2c-hub sandbox` for the sandbox Odoo;
# see config/mapping.example.toml.
[defaults]
unknown_sku = "park"
sku_is_code = true

[defaults.shipping]
default = "SHIP"

[defaults.special]
discount = "DISCOUNT"
gift_card = "GIFT-CARD"

[[defaults.gateways]]
gateway = "shopify_payments"
journal = "STRP"

[[defaults.gateways]]
gateway = "stripe"
journal = "STRP"

[[defaults.gateways]]
gateway = "paypal"
journal = "BNK1"

[[defaults.gateways]]
gateway = "manual"
journal = "BNK1"

[defaults.customers]
match = ["external_id", "vat", "email"]
unknown = "create"
companies = true

[defaults.accounts]
rounding = "642000"
refund_adjustment = "642000"
entry_journal = "MISC"

[defaults.stripe]
clearing = "101402"
bank = "101401"
fee_default = "620000"
refunds = "121000"
disputes = "642000"
suspense = "642000"
"""


class DemoError(HubError):
    """The demo could not finish (a simulator refused, the hub did not settle)."""


class OdooAdmin:
    """The operator at the sandbox Odoo: JSON-RPC `execute_kw` with an API key."""

    def __init__(self, odoo: SandboxOdoo) -> None:
        self.url = f"{odoo.url}/jsonrpc"
        self.database = odoo.database
        self.uid = odoo.uid
        self.api_key = odoo.api_key
        self.version = odoo.version  # Odoo 18 renamed the price-included flag
        self.session = requests.Session()
        self._ids = itertools.count(1)

    def call(self, model: str, method: str, args: list[Any], **kwargs: Any) -> Any:
        """Return the result of one model method. Raises DemoError on an error."""
        params = {
            "service": "object",
            "method": "execute_kw",
            "args": [
                self.database,
                self.uid,
                self.api_key,
                model,
                method,
                args,
                kwargs,
            ],
        }
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": "call", "params": params}
        body["id"] = next(self._ids)
        response = self.session.post(self.url, json=body, timeout=CALL_TIMEOUT_SECONDS)
        reply = response.json(parse_float=Decimal)
        if "error" in reply:
            error = reply["error"].get("data", {}).get("message") or reply["error"]
            raise DemoError(f"sandbox Odoo {model}.{method}: {error}")
        return reply["result"]

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def tax_name(rate: Decimal, included: bool) -> str:
    """The Odoo tax name of a storefront rate (a fraction): `5.5%`, `20% incl.`."""
    percent = (rate * 100).normalize()
    return f"{percent:f}%{' incl.' if included else ''}"


def order_rates(orders: list[Order]) -> set[tuple[Decimal, bool]]:
    """Return the (rate, prices include tax) pairs the orders' taxes use."""
    rates = set()
    for order in orders:
        taxes = [tax for line in order.lines for tax in line.tax_lines]
        taxes += [tax for line in order.shipping_lines for tax in line.tax_lines]
        rates |= {(tax.rate, order.taxes_included) for tax in taxes}
    return rates


def prepare_odoo(admin: OdooAdmin, orders: list[Order]) -> dict[str, int]:
    """Create the products and taxes the orders need; return how many of each."""
    return {
        "products": _add_products(admin, orders),
        "taxes": _add_taxes(admin, order_rates(orders)),
    }


def _add_products(admin: OdooAdmin, orders: list[Order]) -> int:
    titles = {line.sku: line.title for o in orders for line in o.lines if line.sku}
    titles[DISCOUNT_CODE] = "Discount"
    found = admin.call(
        "product.product",
        "search_read",
        [[["default_code", "in", sorted(titles)]]],
        fields=["default_code"],
    )
    missing = sorted(set(titles) - {row["default_code"] for row in found})
    [income] = admin.call(
        "account.account", "search", [[["code", "=", INCOME_ACCOUNT]]], limit=1
    )
    if missing:
        values = [
            {
                "name": titles[code],
                "default_code": code,
                "type": "service" if code == DISCOUNT_CODE else "consu",
                "sale_ok": True,
                "property_account_income_id": income,
            }
            for code in missing
        ]
        admin.call("product.product", "create", [values])
    return len(missing)


def _add_taxes(admin: OdooAdmin, rates: set[tuple[Decimal, bool]]) -> int:
    wanted = {tax_name(rate, included): (rate, included) for rate, included in rates}
    found = admin.call(
        "account.tax",
        "search_read",
        [[["name", "in", sorted(wanted)], ["type_tax_use", "=", "sale"]]],
        fields=["name"],
    )
    missing = sorted(set(wanted) - {row["name"] for row in found} - {"0%", "0% incl."})
    for name in missing:
        rate, included = wanted[name]
        include: dict[str, Any] = {"price_include": included}
        if admin.version >= 18:
            choice = "tax_included" if included else "tax_excluded"
            include = {"price_include_override": choice}
        admin.call(
            "account.tax",
            "create",
            [
                {
                    "name": name,
                    "amount_type": "percent",
                    "amount": str((rate * 100).normalize()),
                    "type_tax_use": "sale",
                    **include,
                }
            ],
        )
    return len(missing)


def write_mapping(path: Path, orders: list[Order]) -> None:
    """Write the demo's mapping file: the seeded records and one rule per tax."""
    rules = []
    for rate, included in sorted(order_rates(orders)):
        names = "[]" if rate == 0 else f'["{tax_name(rate, included)}"]'
        rules.append(
            f'[[defaults.taxes]]\nrate = "{rate}"\n'
            f"price_include = {'true' if included else 'false'}\ntaxes = {names}\n"
        )
    path.write_text(MAPPING_HEAD + "\n" + "\n".join(rules), encoding="utf-8")


# Odoo's payment states of an invoice that a registered payment has reached.
PAID_STATES = ("paid", "in_payment", "partial")


@dataclass
class InvoiceCheck:
    """Posted invoices read back from Odoo against their orders' totals."""

    expected: int = 0  # orders with an invoice, or that should have one
    matching: int = 0
    with_payment: int = 0  # Odoo's payment_state is paid, in payment or partial
    mismatched: list[str] = field(default_factory=list)  # "#1001: 10.00 != 9.99"
    missing: list[str] = field(default_factory=list)  # order numbers


def check_invoices(admin: OdooAdmin, orders: list[Order]) -> InvoiceCheck:
    """Read every hub invoice from Odoo; compare each total with its order's and
    count those a registered payment has (partly) paid."""
    prefix = f"o2c_hub.invoice.{SANDBOX_SHOP_NAME}."
    rows = admin.call(
        "account.move",
        "search_read",
        [[["move_type", "=", "out_invoice"], ["state", "=", "posted"]]],
        fields=["ref", "amount_total", "payment_state"],
    )
    ours = [row for row in rows if str(row.get("ref") or "").startswith(prefix)]
    totals = {str(row["ref"]): Decimal(row["amount_total"]) for row in ours}
    check = InvoiceCheck(
        with_payment=sum(1 for row in ours if row.get("payment_state") in PAID_STATES)
    )
    for order in orders:
        posted = totals.get(prefix + order.number.lstrip("#"))
        # An order cancelled before the hub saw it needs no invoice; one
        # cancelled later keeps its invoice (and gets a credit note).
        if posted is None and order.is_cancelled:
            continue
        check.expected += 1
        expected = order.totals.total.presentment.amount
        if posted is None:
            check.missing.append(order.number)
        elif posted == expected:
            check.matching += 1
        else:
            check.mismatched.append(f"{order.number}: {posted} != {expected}")
    return check
