"""Helpers for the Odoo gateway tests: settings for a sandbox, drafts with totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import SecretStr

from config.settings import OdooSettings
from connectors.sandbox.odoo import SandboxOdoo
from o2c.credit_notes import CreditNoteDraft
from o2c.invoices import InvoiceDraft, InvoiceLineDraft
from o2c.money import Money
from o2c.taxes import DocumentLine, RoundingConfig, TaxDefinition, predict_document

TODAY = dt.date(2026, 3, 15)
# Every version profile over JSON-RPC, and JSON-2 where it exists (19).
BACKENDS = [
    (16, "jsonrpc"),
    (17, "jsonrpc"),
    (18, "jsonrpc"),
    (19, "jsonrpc"),
    (19, "json2"),
]
TAX_20 = "sandbox.tax_20_excl"


def settings_for(
    odoo: SandboxOdoo,
    protocol: str = "auto",
    *,
    api_key: str | None = None,
    login: str | None = None,
    timeout: float = 5.0,
) -> OdooSettings:
    """Return gateway settings for a started sandbox."""
    return OdooSettings(
        url=odoo.url,
        database=odoo.database,
        login=login or odoo.login,
        api_key=SecretStr(api_key or odoo.api_key),
        protocol=protocol,  # type: ignore[arg-type]
        timeout=timeout,
    )


def money(amount: str | Decimal, currency: str = "USD") -> Money:
    """Return Money from text."""
    return Money(amount=Decimal(amount), currency=currency)


def line(
    quantity: str,
    price: str,
    taxes: tuple[TaxDefinition, ...],
    *,
    product: str = "sandbox.product_tshirt",
) -> InvoiceLineDraft:
    """Return a product line."""
    return InvoiceLineDraft(
        kind="product",
        description=f"{quantity} x {product}",
        quantity=Decimal(quantity),
        price_unit=Decimal(price),
        taxes=taxes,
        product_ref=product,
    )


def expected_fields(
    lines: tuple[InvoiceLineDraft, ...], version: int, currency: str = "USD"
) -> dict[str, object]:
    """Return the predicted totals fields of a draft, as the builder would set them."""
    config = RoundingConfig.for_odoo(version)
    totals = predict_document(
        [DocumentLine(ln.quantity, ln.price_unit, ln.taxes) for ln in lines], config, 2
    )
    total = money(totals.total, currency)
    return {
        "currency": currency,
        "lines": lines,
        "expected_untaxed": money(totals.untaxed, currency),
        "expected_tax": money(totals.tax, currency),
        "expected_total": total,
        "storefront_total": total,
        "adjustment": money("0", currency),
        "adjustment_bound": money("0.01", currency),
        "rounding": config,
    }


def invoice_draft(
    number: int,
    taxes: tuple[TaxDefinition, ...],
    version: int,
    *,
    shop: str = "myshop",
    partner_ref: str = "sandbox.partner_jane",
) -> InvoiceDraft:
    """Return an invoice draft for order #<number>: two lines at 20% excluded."""
    lines = (
        line("2", "25.00", taxes),
        line("1", "12.35", taxes, product="sandbox.product_mug"),
    )
    return InvoiceDraft(
        idempotency_key=f"o2c_hub.invoice.{shop}.{number}",
        source=shop,
        order_external_id=f"gid://shopify/Order/{number}",
        order_number=f"#{number}",
        partner_ref=partner_ref,
        document_date=dt.date(2026, 3, 1),
        **expected_fields(lines, version),  # type: ignore[arg-type]
    )


def credit_note_draft(
    invoice: InvoiceDraft, taxes: tuple[TaxDefinition, ...], version: int
) -> CreditNoteDraft:
    """Return a credit note refunding the mug of `invoice`."""
    lines = (line("1", "12.35", taxes, product="sandbox.product_mug"),)
    number = invoice.order_number.lstrip("#")
    return CreditNoteDraft(
        idempotency_key=f"o2c_hub.credit_note.{invoice.source}.{number}-r1",
        source=invoice.source,
        order_external_id=invoice.order_external_id,
        order_number=invoice.order_number,
        partner_ref=invoice.partner_ref,
        document_date=dt.date(2026, 3, 2),
        reason="refund",
        refund_external_id="gid://shopify/Refund/1",
        invoice_key=invoice.idempotency_key,
        **expected_fields(lines, version),  # type: ignore[arg-type]
    )
