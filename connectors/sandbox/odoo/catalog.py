"""The models the sandbox serves and their fields, per Odoo version."""

from __future__ import annotations

from connectors.sandbox.odoo.profiles import VersionProfile
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
ACCOUNTING = {"all": BILLING}

MOVE_TYPES = (
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
)
MOVE_STATES = (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))
PAYMENT_STATES = (
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
)
ACCOUNT_TYPES = (
    ("asset_receivable", "Receivable"),
    ("asset_cash", "Bank and Cash"),
    ("asset_current", "Current Assets"),
    ("liability_payable", "Payable"),
    ("liability_current", "Current Liabilities"),
    ("income", "Income"),
    ("income_other", "Other Income"),
    ("expense", "Expenses"),
    ("equity", "Equity"),
)
DISPLAY_TYPES = (
    ("product", "Product"),
    ("tax", "Tax"),
    ("payment_term", "Payment Term"),
    ("rounding", "Rounding"),
    ("line_section", "Section"),
    ("line_note", "Note"),
)


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


def _account(p: VersionProfile) -> ModelSpec:
    company: Field = (
        many2one("company_id", "Company", "res.company")
        if p.major <= 17
        else many2many("company_ids", "Companies", "res.company")
    )
    return model(
        "account.account",
        "Account",
        [
            char("name", "Account Name", required=True),
            char("code", "Code", required=True),
            selection("account_type", "Type", ACCOUNT_TYPES, required=True),
            boolean("reconcile", "Allow Reconciliation", default=False),
            many2one("currency_id", "Account Currency", "res.currency"),
            boolean("deprecated", "Deprecated", default=False),
            company,
        ],
        order="code, id",
        display=lambda r: f"{r['code']} {r['name']}",
        groups={"write": BILLING, "create": BILLING, "unlink": BILLING},
    )


def _journal() -> ModelSpec:
    return model(
        "account.journal",
        "Journal",
        [
            char("name", "Journal Name", required=True),
            char("code", "Short Code", required=True),
            selection(
                "type",
                "Type",
                (
                    ("sale", "Sales"),
                    ("purchase", "Purchase"),
                    ("cash", "Cash"),
                    ("bank", "Bank"),
                    ("general", "Miscellaneous"),
                ),
                required=True,
            ),
            many2one("default_account_id", "Default Account", "account.account"),
            many2one("currency_id", "Currency", "res.currency"),
            many2one("company_id", "Company", "res.company"),
            boolean("refund_sequence", "Dedicated Credit Note Sequence", default=False),
            boolean("payment_sequence", "Dedicated Payment Sequence", default=False),
            boolean("restrict_mode_hash_table", "Lock Posted Entries with Hash"),
            boolean("active", "Active", default=True),
        ],
        order="sequence, type, code" if False else "id",
        groups={"write": BILLING, "create": BILLING, "unlink": BILLING},
    )


def _tax(p: VersionProfile) -> ModelSpec:
    include: list[Field] = [
        boolean("price_include", "Included in Price", default=False)
    ]
    if p.has_price_include_override:
        include = [
            boolean("price_include", "Included in Price", store=False, readonly=True),
            selection(
                "price_include_override",
                "Included in Price",
                (("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")),
            ),
        ]
    return model(
        "account.tax",
        "Tax",
        [
            char("name", "Tax Name", required=True),
            char("description", "Label on Invoices"),
            selection(
                "amount_type",
                "Tax Computation",
                (
                    ("group", "Group of Taxes"),
                    ("fixed", "Fixed"),
                    ("percent", "Percentage of Price"),
                    ("division", "Percentage of Price Tax Included"),
                ),
                default="percent",
                required=True,
            ),
            decimal("amount", "Amount", digits=4, required=True),
            selection(
                "type_tax_use",
                "Tax Type",
                (("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")),
                default="sale",
            ),
            *include,
            boolean(
                "include_base_amount", "Affect Base of Subsequent Taxes", default=False
            ),
            boolean(
                "is_base_affected", "Base Affected by Previous Taxes", default=True
            ),
            integer("sequence", "Sequence", default=1),
            many2many("children_tax_ids", "Children Taxes", "account.tax"),
            many2one("company_id", "Company", "res.company"),
            boolean("active", "Active", default=True),
        ],
        order="sequence, id",
        groups={"write": BILLING, "create": BILLING, "unlink": BILLING},
    )


def _move() -> ModelSpec:
    return model(
        "account.move",
        "Journal Entry",
        [
            char("name", "Number", readonly=True),
            char("ref", "Reference"),
            char("narration", "Terms and Conditions"),
            selection("move_type", "Type", MOVE_TYPES, default="entry", required=True),
            selection("state", "Status", MOVE_STATES, default="draft", readonly=True),
            many2one("partner_id", "Partner", "res.partner"),
            many2one(
                "commercial_partner_id",
                "Commercial Entity",
                "res.partner",
                readonly=True,
            ),
            many2one("journal_id", "Journal", "account.journal", required=True),
            many2one("company_id", "Company", "res.company", readonly=True),
            many2one("currency_id", "Currency", "res.currency", required=True),
            many2one(
                "company_currency_id", "Company Currency", "res.currency", readonly=True
            ),
            date("date", "Date", required=True),
            date("invoice_date", "Invoice/Bill Date"),
            date("invoice_date_due", "Due Date"),
            char("invoice_origin", "Origin"),
            char("payment_reference", "Payment Reference"),
            many2one("reversed_entry_id", "Reversal of", "account.move"),
            one2many("line_ids", "Journal Items", "account.move.line", "move_id"),
            one2many(
                "invoice_line_ids", "Invoice lines", "account.move.line", "move_id"
            ),
            monetary("amount_untaxed", "Untaxed Amount", readonly=True),
            monetary("amount_tax", "Tax", readonly=True),
            monetary("amount_total", "Total", readonly=True),
            monetary("amount_residual", "Amount Due", readonly=True),
            monetary(
                "amount_untaxed_signed",
                "Untaxed Amount Signed",
                "company_currency_id",
                readonly=True,
            ),
            monetary(
                "amount_total_signed",
                "Total Signed",
                "company_currency_id",
                readonly=True,
            ),
            monetary(
                "amount_residual_signed",
                "Amount Due Signed",
                "company_currency_id",
                readonly=True,
            ),
            selection(
                "payment_state",
                "Payment Status",
                PAYMENT_STATES,
                readonly=True,
                default="not_paid",
            ),
            boolean("posted_before", "Posted Before", readonly=True),
            selection(
                "auto_post",
                "Auto-post",
                (("no", "No"), ("at_date", "At Date")),
                default="no",
            ),
            char("inalterable_hash", "Inalterability Hash", readonly=True),
        ],
        order="date desc, name desc, id desc",
        groups=ACCOUNTING,
        display=_move_display,
    )


def _move_display(row: dict[str, object]) -> str:
    """Return "INV/2026/00001" or, for drafts, "Draft Invoice (* 12)"."""
    name = row.get("name")
    if name and name != "/":
        return str(name)
    labels = {"out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note"}
    return f"{labels.get(str(row.get('move_type')), 'Draft Entry')} (* {row['id']})"


def _move_line() -> ModelSpec:
    return model(
        "account.move.line",
        "Journal Item",
        [
            many2one("move_id", "Journal Entry", "account.move", required=True),
            char("name", "Label"),
            selection("display_type", "Display Type", DISPLAY_TYPES, default="product"),
            many2one("product_id", "Product", "product.product"),
            decimal("quantity", "Quantity", digits=2, default=1),
            decimal("price_unit", "Unit Price", digits=2),
            decimal("discount", "Discount (%)", digits=2),
            many2many("tax_ids", "Taxes", "account.tax"),
            many2one("tax_line_id", "Originator Tax", "account.tax", readonly=True),
            monetary(
                "tax_base_amount", "Base Amount", "company_currency_id", readonly=True
            ),
            many2one("account_id", "Account", "account.account"),
            many2one("partner_id", "Partner", "res.partner"),
            monetary("debit", "Debit", "company_currency_id"),
            monetary("credit", "Credit", "company_currency_id"),
            monetary("balance", "Balance", "company_currency_id"),
            monetary("amount_currency", "Amount in Currency"),
            many2one("currency_id", "Currency", "res.currency"),
            many2one(
                "company_currency_id", "Company Currency", "res.currency", readonly=True
            ),
            monetary("price_subtotal", "Subtotal", readonly=True),
            monetary("price_total", "Total", readonly=True),
            monetary(
                "amount_residual",
                "Residual Amount",
                "company_currency_id",
                readonly=True,
            ),
            monetary(
                "amount_residual_currency", "Residual Amount in Currency", readonly=True
            ),
            boolean("reconciled", "Reconciled", readonly=True),
            date("date", "Date", readonly=True),
            date("date_maturity", "Due Date"),
            many2one("journal_id", "Journal", "account.journal", readonly=True),
            many2one("company_id", "Company", "res.company", readonly=True),
            selection("parent_state", "Status", MOVE_STATES, readonly=True),
            integer("sequence", "Sequence", default=10),
        ],
        order="date desc, move_id desc, sequence, id",
        groups=ACCOUNTING,
        display=lambda r: str(r.get("name") or f"account.move.line,{r['id']}"),
    )


def _partial() -> ModelSpec:
    return model(
        "account.partial.reconcile",
        "Partial Reconcile",
        [
            many2one("debit_move_id", "Debit Item", "account.move.line"),
            many2one("credit_move_id", "Credit Item", "account.move.line"),
            monetary("amount", "Amount", "company_currency_id"),
            monetary(
                "debit_amount_currency", "Debit Amount in Currency", "debit_currency_id"
            ),
            monetary(
                "credit_amount_currency",
                "Credit Amount in Currency",
                "credit_currency_id",
            ),
            many2one("company_currency_id", "Company Currency", "res.currency"),
            many2one("debit_currency_id", "Debit Currency", "res.currency"),
            many2one("credit_currency_id", "Credit Currency", "res.currency"),
        ],
        rec_name=None,
        groups=ACCOUNTING,
    )


def _payment(p: VersionProfile) -> ModelSpec:
    states = tuple((s, s.replace("_", " ").title()) for s in p.payment_states)
    memo = char(p.payment_memo_field, "Memo")
    transfer: list[Field] = []
    if p.major <= 17:
        transfer = [
            boolean("is_internal_transfer", "Internal Transfer", default=False),
            many2one(
                "destination_journal_id", "Destination Journal", "account.journal"
            ),
        ]
    return model(
        "account.payment",
        "Payments",
        [
            char("name", "Number", readonly=True),
            selection(
                "payment_type",
                "Payment Type",
                (("outbound", "Send"), ("inbound", "Receive")),
                default="inbound",
                required=True,
            ),
            selection(
                "partner_type",
                "Partner Type",
                (("customer", "Customer"), ("supplier", "Vendor")),
                default="customer",
            ),
            many2one("partner_id", "Customer/Vendor", "res.partner"),
            monetary("amount", "Amount"),
            many2one("currency_id", "Currency", "res.currency"),
            many2one("journal_id", "Journal", "account.journal", required=True),
            many2one("company_id", "Company", "res.company", readonly=True),
            date("date", "Date"),
            memo,
            selection("state", "Status", states, default="draft", readonly=True),
            many2one("move_id", "Journal Entry", "account.move", readonly=True),
            many2one(
                "destination_account_id", "Destination Account", "account.account"
            ),
            many2one(
                "outstanding_account_id", "Outstanding Account", "account.account"
            ),
            boolean("is_reconciled", "Is Reconciled", readonly=True, store=False),
            boolean("is_matched", "Is Matched With a Bank Statement", readonly=True),
            many2many(
                "reconciled_invoice_ids",
                "Reconciled Invoices",
                "account.move",
                store=False,
                readonly=True,
            ),
            *transfer,
        ],
        order="date desc, name desc, id desc",
        groups=ACCOUNTING,
    )


def _payment_register() -> ModelSpec:
    return model(
        "account.payment.register",
        "Pay",
        [
            date("payment_date", "Payment Date"),
            monetary("amount", "Amount"),
            char("communication", "Memo"),
            many2one("journal_id", "Journal", "account.journal"),
            many2one("currency_id", "Currency", "res.currency"),
            many2one("partner_id", "Customer/Vendor", "res.partner"),
            many2many("line_ids", "Journal items", "account.move.line"),
            boolean("group_payment", "Group Payments", default=True),
            selection(
                "payment_difference_handling",
                "Payment Difference Handling",
                (("open", "Keep open"), ("reconcile", "Mark as fully paid")),
                default="open",
            ),
            many2one("writeoff_account_id", "Difference Account", "account.account"),
        ],
        rec_name=None,
        groups=ACCOUNTING,
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
        _account(profile),
        _journal(),
        _tax(profile),
        _move(),
        _move_line(),
        _partial(),
        _payment(profile),
        _payment_register(),
        _model_data(),
        _users(profile),
        *_small(),
        *_sale(profile),
    ]
    return {spec.name: spec for spec in specs}
