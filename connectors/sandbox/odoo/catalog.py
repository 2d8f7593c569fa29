"""The models the sandbox serves and their fields, per Odoo version."""

from __future__ import annotations

from connectors.sandbox.odoo.catalog_accounting import accounting_specs
from connectors.sandbox.odoo.profiles import VersionProfile
from connectors.sandbox.odoo.reversal import reversal_spec
from connectors.sandbox.odoo.schema import (
    Field,
    ModelSpec,
    boolean,
    char,
    date,
    decimal,
    integer,
    many2many,
    many2one,
    model,
    monetary,
    one2many,
    selection,
)

BILLING = "account.group_account_invoice"
SYSTEM = "base.group_system"


def _currency() -> ModelSpec:
    return model(
        "res.currency",
        "Currency",
        [
            char("name", "Currency", required=True),
            char("symbol", "Symbol"),
            decimal("rounding", "Rounding Factor", digits=6),
            integer("decimal_places", "Decimal Places", readonly=True, store=False),
            decimal("rate", "Current Rate", digits=6, readonly=True, store=False),
            boolean("active", "Active", default=True),
        ],
        order="active desc, name",
    )


def _company(p: VersionProfile) -> ModelSpec:
    locks: list[Field] = [
        date("fiscalyear_lock_date", "Lock Date for All Users"),
        date("tax_lock_date", "Tax Return Lock Date"),
    ]
    if p.major <= 17:
        locks.append(date("period_lock_date", "Journal Entries Lock Date"))
    else:
        locks += [
            date("sale_lock_date", "Sales Lock Date"),
            date("purchase_lock_date", "Purchase Lock date"),
            date("hard_lock_date", "Hard Lock Date"),
            selection(
                "account_price_include",
                "Default Sales Price Include",
                (("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")),
                default="tax_excluded",
            ),
        ]
    return model(
        "res.company",
        "Companies",
        [
            char("name", "Company Name", required=True),
            many2one("currency_id", "Currency", "res.currency", required=True),
            many2one("country_id", "Country", "res.country"),
            selection(
                "tax_calculation_rounding_method",
                "Tax Calculation Rounding Method",
                (
                    ("round_per_line", "Round per Line"),
                    ("round_globally", "Round Globally"),
                ),
                default="round_per_line",
            ),
            many2one(
                "account_journal_payment_debit_account_id",
                "Journal Outstanding Receipts",
                "account.account",
            ),
            *locks,
        ],
    )


def _partner() -> ModelSpec:
    return model(
        "res.partner",
        "Contact",
        [
            char("name", "Name"),
            char("ref", "Reference"),
            char("email", "Email"),
            char("phone", "Phone"),
            char("vat", "Tax ID"),
            boolean("is_company", "Is a Company", default=False),
            selection(
                "company_type",
                "Company Type",
                (("person", "Individual"), ("company", "Company")),
                store=False,
            ),
            many2one("parent_id", "Related Company", "res.partner"),
            char("street", "Street"),
            char("street2", "Street2"),
            char("city", "City"),
            char("zip", "Zip"),
            many2one("country_id", "Country", "res.country"),
            char("lang", "Language", default="en_US"),
            integer("customer_rank", "Customer Rank"),
            boolean("active", "Active", default=True),
            many2one(
                "property_account_receivable_id",
                "Account Receivable",
                "account.account",
            ),
            monetary(
                "credit", "Total Receivable", store=False, readonly=True, groups=BILLING
            ),
            many2one(
                "currency_id", "Currency", "res.currency", store=False, readonly=True
            ),
        ],
        order="name, id",
    )


def _product(p: VersionProfile) -> ModelSpec:
    types = [("consu", "Goods"), ("service", "Service")]
    types += (
        [("combo", "Combo")] if p.major >= 18 else [("product", "Storable Product")]
    )
    extra = [boolean("is_storable", "Track Inventory")] if p.major >= 18 else []
    return model(
        "product.product",
        "Product Variant",
        [
            char("name", "Name", required=True),
            char("default_code", "Internal Reference"),
            char("barcode", "Barcode"),
            selection("type", "Product Type", tuple(types), default="consu"),
            *extra,
            decimal("list_price", "Sales Price", digits=2),
            decimal("standard_price", "Cost", digits=2),
            many2many("taxes_id", "Customer Taxes", "account.tax"),
            many2one("property_account_income_id", "Income Account", "account.account"),
            boolean("sale_ok", "Can be Sold", default=True),
            boolean("active", "Active", default=True),
        ],
        order="default_code, name, id",
        display=lambda r: (
            f"[{r['default_code']}] {r['name']}"
            if r.get("default_code")
            else str(r.get("name") or "")
        ),
    )


def _model_data() -> ModelSpec:
    return model(
        "ir.model.data",
        "Model Data",
        [
            char("name", "External Identifier", required=True),
            char("module", "Module", required=True, default=""),
            char("model", "Model Name", required=True),
            integer("res_id", "Record ID"),
            boolean("noupdate", "Non Updatable", default=False),
            char("complete_name", "Complete ID", store=False, readonly=True),
        ],
        order="module, model, name",
        rec_name="complete_name",
        groups={"write": SYSTEM, "create": SYSTEM, "unlink": SYSTEM},
        display=lambda r: f"{r.get('module')}.{r.get('name')}",
    )


def _users(p: VersionProfile) -> ModelSpec:
    groups_field = "group_ids" if p.major >= 19 else "groups_id"
    return model(
        "res.users",
        "User",
        [
            char("name", "Name"),
            char("login", "Login", required=True),
            many2one("partner_id", "Related Partner", "res.partner"),
            many2one("company_id", "Company", "res.company"),
            many2many(groups_field, "Groups", "res.groups", store=False, readonly=True),
            boolean("active", "Active", default=True),
        ],
        order="name, login",
        groups={"write": SYSTEM, "create": SYSTEM, "unlink": SYSTEM},
    )


def _small() -> list[ModelSpec]:
    return [
        model(
            "res.country",
            "Country",
            [char("name", "Country Name"), char("code", "Country Code")],
        ),
        model(
            "res.groups",
            "Access Groups",
            [char("name", "Name"), char("full_name", "Group Name")],
        ),
        model(
            "ir.model",
            "Models",
            [char("name", "Model Description"), char("model", "Model")],
            order="model",
        ),
    ]


def _sale(p: VersionProfile) -> list[ModelSpec]:
    order = model(
        "sale.order",
        "Sales Order",
        [
            char("name", "Order Reference", readonly=True),
            char("client_order_ref", "Customer Reference"),
            many2one("partner_id", "Customer", "res.partner", required=True),
            many2one("currency_id", "Currency", "res.currency"),
            selection(
                "state",
                "Status",
                (
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ),
                default="draft",
                readonly=True,
            ),
            one2many("order_line", "Order Lines", "sale.order.line", "order_id"),
            monetary("amount_untaxed", "Untaxed Amount", readonly=True),
            monetary("amount_tax", "Taxes", readonly=True),
            monetary("amount_total", "Total", readonly=True),
        ],
        order="id desc",
    )
    line = model(
        "sale.order.line",
        "Sales Order Line",
        [
            many2one("order_id", "Order Reference", "sale.order", required=True),
            char("name", "Description"),
            many2one("product_id", "Product", "product.product"),
            decimal("product_uom_qty", "Quantity", digits=2, default=1),
            many2one(p.sale_line_uom_field, "Unit", "uom.uom"),
            decimal("price_unit", "Unit Price", digits=2),
            decimal("discount", "Discount (%)", digits=2),
            many2many(p.sale_line_tax_field, "Taxes", "account.tax"),
            monetary("price_subtotal", "Subtotal", readonly=True),
            monetary("price_total", "Total", readonly=True),
            many2one("currency_id", "Currency", "res.currency", readonly=True),
        ],
        order="order_id, id",
    )
    uom = model("uom.uom", "Product Unit of Measure", [char("name", "Unit")])
    return [order, line, uom]


def build_specs(profile: VersionProfile) -> dict[str, ModelSpec]:
    """Return every model spec of the sandbox for `profile`."""
    specs = [
        _currency(),
        _company(profile),
        _partner(),
        _product(profile),
        *accounting_specs(profile),
        reversal_spec(profile.major),
        _model_data(),
        _users(profile),
        *_small(),
        *_sale(profile),
    ]
    return {spec.name: spec for spec in specs}
