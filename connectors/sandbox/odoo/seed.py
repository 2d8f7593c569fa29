"""Deterministic seed data: company, chart of accounts, taxes, products, journals.

Every seeded record also gets an external id (`base.USD`, `sandbox.tax_20_excl`,
...) so tests and the demo find it with `check_object_reference`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo.database import Database
from connectors.sandbox.odoo.profiles import VersionProfile
from connectors.sandbox.odoo.schema import ModelSpec

SEED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
TAX_RATES = (0, 5, 7, 10, 19, 20, 21)

# Units of each currency for one USD (Odoo's `rate` against a USD company).
CURRENCIES: dict[str, tuple[str, str, str]] = {
    "USD": ("$", "0.01", "1.0"),
    "EUR": ("€", "0.01", "0.92"),
    "GBP": ("£", "0.01", "0.79"),
    "CAD": ("$", "0.01", "1.36"),
    "JPY": ("¥", "1.0", "151.0"),
    "KWD": ("KD", "0.001", "0.307"),
}

ACCOUNTS: dict[str, tuple[str, str, str, bool]] = {
    "receivable": ("121000", "Account Receivable", "asset_receivable", True),
    "income": ("400000", "Product Sales", "income", False),
    "shipping_income": ("400100", "Shipping Income", "income", False),
    "tax_payable": ("251000", "Tax Payable", "liability_current", False),
    "bank": ("101401", "Bank", "asset_cash", False),
    "stripe_clearing": ("101402", "Stripe Clearing", "asset_current", True),
    "outstanding_receipts": ("101403", "Outstanding Receipts", "asset_current", True),
    "liquidity_transfer": ("101404", "Liquidity Transfer", "asset_current", True),
    "fees_expense": ("620000", "Payment Processor Fees", "expense", False),
    "rounding": ("642000", "Rounding Differences", "expense", False),
    "gift_card_liability": (
        "255000",
        "Gift Cards Outstanding",
        "liability_current",
        True,
    ),
}

PRODUCTS: dict[str, tuple[str, str, str, str]] = {
    "tshirt": ("TSHIRT-001", "T-Shirt", "consu", "25.00"),
    "mug": ("MUG-001", "Coffee Mug", "consu", "12.50"),
    "hoodie": ("HOODIE-001", "Hoodie", "consu", "49.90"),
    "ebook": ("EBOOK-001", "E-Book", "service", "9.99"),
    "shipping": ("SHIP", "Shipping", "service", "0.00"),
    "gift_card": ("GIFT-CARD", "Gift Card", "service", "0.00"),
}

GROUPS = {
    "base.group_user": "Internal User",
    "base.group_system": "Settings",
    "account.group_account_invoice": "Billing",
    "account.group_account_manager": "Billing Administrator",
}
ADMIN_GROUPS = tuple(GROUPS)


class _Seeder:
    """Inserts seed rows and records their external ids."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, model: str, xmlid: str | None, row: dict[str, Any]) -> int:
        """Insert a row (with audit dates) and its external id; return the id."""
        rid = self.db.insert(
            model, {"create_date": SEED_TIME, "write_date": SEED_TIME, **row}
        )
        if xmlid:
            module, name = xmlid.split(".", 1)
            self.db.insert(
                "ir.model.data",
                {
                    "module": module,
                    "name": name,
                    "model": model,
                    "res_id": rid,
                    "noupdate": True,
                    "create_date": SEED_TIME,
                    "write_date": SEED_TIME,
                },
            )
        return rid


def seed(
    db: Database,
    profile: VersionProfile,
    specs: dict[str, ModelSpec],
    *,
    rounding_method: str,
    currency: str,
    accountant: bool,
) -> dict[str, int]:
    """Fill an empty database; return the ids of named seed records."""
    s = _Seeder(db)
    ids: dict[str, int] = {}
    for name, spec in sorted(specs.items()):
        s.add("ir.model", None, {"name": spec.description, "model": name})
    for xmlid, label in GROUPS.items():
        s.add("res.groups", xmlid, {"name": label, "full_name": label, "_xmlid": xmlid})
    for code, name in (
        ("US", "United States"),
        ("DE", "Germany"),
        ("FR", "France"),
        ("GB", "United Kingdom"),
        ("CA", "Canada"),
        ("JP", "Japan"),
        ("KW", "Kuwait"),
        ("NL", "Netherlands"),
        ("BE", "Belgium"),
    ):
        ids[f"country_{code}"] = s.add(
            "res.country", f"base.{code.lower()}", {"name": name, "code": code}
        )
    base_rate = Decimal(CURRENCIES[currency][2])
    for code, (symbol, rounding, rate) in CURRENCIES.items():
        ids[code] = s.add(
            "res.currency",
            f"base.{code}",
            {
                "name": code,
                "symbol": symbol,
                "rounding": Decimal(rounding),
                "active": True,
                "_rate": Decimal(rate) / base_rate,
            },
        )
    for key, (code, name, kind, reconcile) in ACCOUNTS.items():
        company_field = (
            {"company_id": 1} if profile.major <= 17 else {"company_ids": [1]}
        )
        ids[key] = s.add(
            "account.account",
            f"sandbox.account_{key}",
            {
                "code": code,
                "name": name,
                "account_type": kind,
                "reconcile": reconcile,
                "deprecated": False,
                "currency_id": False,
                **company_field,
            },
        )
    _company(
        s,
        profile,
        ids,
        rounding_method=rounding_method,
        currency=currency,
        accountant=accountant,
    )
    _partners_and_users(s, ids)
    _taxes(s, profile, ids)
    _products(s, ids)
    _journals(s, ids)
    s.add("uom.uom", "uom.product_uom_unit", {"name": "Units"})
    return ids


def _company(
    s: _Seeder,
    profile: VersionProfile,
    ids: dict[str, int],
    *,
    rounding_method: str,
    currency: str,
    accountant: bool,
) -> None:
    """Insert the company with its rounding method and default accounts."""
    extra: dict[str, Any] = {}
    if profile.major >= 18:
        extra["account_price_include"] = "tax_excluded"
    ids["company"] = s.add(
        "res.company",
        "base.main_company",
        {
            "name": "Sandbox Company",
            "currency_id": ids[currency],
            "country_id": ids["country_US"],
            "tax_calculation_rounding_method": rounding_method,
            "account_journal_payment_debit_account_id": ids["outstanding_receipts"],
            "_receivable_account_id": ids["receivable"],
            "_transfer_account_id": ids["liquidity_transfer"],
            "_accountant": accountant,
            **extra,
        },
    )


def _partners_and_users(s: _Seeder, ids: dict[str, int]) -> None:
    """Insert the company partner, the admin, a sales user and three customers."""
    common = {"active": True, "lang": "en_US", "is_company": False, "customer_rank": 0}
    ids["partner_company"] = s.add(
        "res.partner",
        "base.main_partner",
        {**common, "name": "Sandbox Company", "is_company": True},
    )
    ids["partner_root"] = s.add(
        "res.partner", "base.partner_root", {**common, "name": "OdooBot"}
    )
    ids["partner_admin"] = s.add(
        "res.partner",
        "base.partner_admin",
        {**common, "name": "Mitchell Admin", "email": "admin@example.com"},
    )
    ids["partner_sales"] = s.add(
        "res.partner", "sandbox.partner_sales", {**common, "name": "Sam Sales"}
    )
    customers = (
        ("deco", "Deco Addict", True, "deco@example.com", "BE0477472701"),
        ("azure", "Azure Interior", True, "azure@example.com", "US12345677"),
        ("jane", "Jane Doe", False, "jane@example.com", False),
    )
    for key, name, company, email, vat in customers:
        ids[f"partner_{key}"] = s.add(
            "res.partner",
            f"sandbox.partner_{key}",
            {
                **common,
                "name": name,
                "is_company": company,
                "email": email,
                "vat": vat,
                "customer_rank": 1,
                "property_account_receivable_id": ids["receivable"],
            },
        )
    ids["user_root"] = s.add(
        "res.users",
        "base.user_root",
        {
            "name": "OdooBot",
            "login": "__system__",
            "active": False,
            "partner_id": ids["partner_root"],
            "company_id": ids["company"],
            "_groups": ADMIN_GROUPS,
        },
    )
    ids["user_admin"] = s.add(
        "res.users",
        "base.user_admin",
        {
            "name": "Mitchell Admin",
            "login": "admin",
            "active": True,
            "partner_id": ids["partner_admin"],
            "company_id": ids["company"],
            "_groups": ADMIN_GROUPS,
        },
    )
    ids["user_sales"] = s.add(
        "res.users",
        "sandbox.user_sales",
        {
            "name": "Sam Sales",
            "login": "sales",
            "active": True,
            "partner_id": ids["partner_sales"],
            "company_id": ids["company"],
            "_groups": ("base.group_user",),
        },
    )


def _taxes(s: _Seeder, profile: VersionProfile, ids: dict[str, int]) -> None:
    """Insert sales taxes at every rate, price-excluded and price-included."""
    for rate in TAX_RATES:
        for included in (False, True):
            suffix = "incl" if included else "excl"
            include: dict[str, Any] = {"price_include": included}
            if profile.has_price_include_override:
                include = {
                    "price_include_override": "tax_included"
                    if included
                    else "tax_excluded"
                }
            ids[f"tax_{rate}_{suffix}"] = s.add(
                "account.tax",
                f"sandbox.tax_{rate}_{suffix}",
                {
                    "name": f"{rate}%{' incl.' if included else ''}",
                    "description": f"{rate}%",
                    "amount_type": "percent",
                    "amount": Decimal(rate),
                    "type_tax_use": "sale",
                    "include_base_amount": False,
                    "is_base_affected": True,
                    "sequence": 1,
                    "children_tax_ids": [],
                    "company_id": ids["company"],
                    "active": True,
                    "_account_id": ids["tax_payable"],
                    **include,
                },
            )


def _products(s: _Seeder, ids: dict[str, int]) -> None:
    """Insert products with SKUs, shipping and a gift card."""
    for key, (sku, name, kind, price) in PRODUCTS.items():
        income = ids["shipping_income"] if key == "shipping" else ids["income"]
        if key == "gift_card":
            income = ids["gift_card_liability"]
        ids[f"product_{key}"] = s.add(
            "product.product",
            f"sandbox.product_{key}",
            {
                "name": name,
                "default_code": sku,
                "type": kind,
                "list_price": Decimal(price),
                "standard_price": Decimal(0),
                "taxes_id": [],
                "sale_ok": True,
                "active": True,
                "property_account_income_id": income,
            },
        )


def _journals(s: _Seeder, ids: dict[str, int]) -> None:
    """Insert the sales, miscellaneous, bank and Stripe journals."""
    journals = (
        ("sale", "Customer Invoices", "INV", "sale", "income", True, False),
        ("general", "Miscellaneous Operations", "MISC", "general", None, False, False),
        ("bank", "Bank", "BNK1", "bank", "bank", False, True),
        ("stripe", "Stripe", "STRP", "bank", "stripe_clearing", False, True),
    )
    for key, name, code, kind, account, refund_seq, payment_seq in journals:
        ids[f"journal_{key}"] = s.add(
            "account.journal",
            f"sandbox.journal_{key}",
            {
                "name": name,
                "code": code,
                "type": kind,
                "default_account_id": ids[account] if account else False,
                "currency_id": False,
                "company_id": ids["company"],
                "refund_sequence": refund_seq,
                "payment_sequence": payment_seq,
                "restrict_mode_hash_table": False,
                "active": True,
            },
        )
