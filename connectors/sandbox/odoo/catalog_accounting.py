"""The accounting models of the sandbox: accounts, journals, taxes, moves, payments."""

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
                "invoice_line_ids",
                "Invoice lines",
                "account.move.line",
                "move_id",
                only=("display_type", ("product", "line_section", "line_note")),
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


def accounting_specs(profile: VersionProfile) -> list[ModelSpec]:
    """Return the accounting model specs for `profile`."""
    return [
        _account(profile),
        _journal(),
        _tax(profile),
        _move(),
        _move_line(),
        _partial(),
        _payment(profile),
        _payment_register(),
    ]
