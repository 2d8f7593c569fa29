"""Invoices pushed into the sandbox Odoo through the gateway: batched versus one by one.

For each backend the same number of invoices is created, posted and read back,
first in batches, then one invoice per gateway call, each on a fresh sandbox.
Printed: invoices per second and ERP requests per invoice in both modes, and the
ratios. The target for batch mode is at most 0.1 requests per invoice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from decimal import Decimal

from pydantic import SecretStr

from config.settings import OdooSettings
from connectors.odoo.gateway import ErpGateway, open_gateway
from connectors.sandbox.odoo import SandboxOdoo
from o2c.invoices import InvoiceDraft, InvoiceLineDraft
from o2c.money import Money
from o2c.taxes import DocumentLine, RoundingConfig, TaxDefinition, predict_document

INVOICES = 400
BATCH = 100
SINGLE = 100  # one-at-a-time mode is slow by design; fewer invoices suffice
BACKENDS = ((17, "jsonrpc"), (19, "jsonrpc"), (19, "json2"))


def _draft(n: int, taxes: tuple[TaxDefinition, ...], version: int) -> InvoiceDraft:
    """Return a three-line invoice draft at 20% with its predicted totals."""
    lines = tuple(
        InvoiceLineDraft(
            kind="product",
            description=product,
            quantity=Decimal(2),
            price_unit=Decimal("19.99"),
            taxes=taxes,
            product_ref=f"sandbox.product_{product}",
        )
        for product in ("tshirt", "mug", "hoodie")
    )
    config = RoundingConfig.for_odoo(version)
    totals = predict_document(
        [DocumentLine(ln.quantity, ln.price_unit, ln.taxes) for ln in lines], config, 2
    )

    def usd(amount: Decimal) -> Money:
        return Money(amount=amount, currency="USD")

    return InvoiceDraft(
        idempotency_key=f"o2c_hub.invoice.bench.{n}",
        source="bench",
        order_external_id=str(n),
        order_number=f"#{n}",
        partner_ref="sandbox.partner_deco",
        currency="USD",
        document_date=dt.date(2026, 3, 1),
        lines=lines,
        expected_untaxed=usd(totals.untaxed),
        expected_tax=usd(totals.tax),
        expected_total=usd(totals.total),
        storefront_total=usd(totals.total),
        adjustment=usd(Decimal(0)),
        adjustment_bound=usd(Decimal("0.01")),
        rounding=config,
    )


def _push(version: int, protocol: str, count: int, batch: int) -> tuple[float, int]:
    """Push `count` invoices in batches of `batch`; return (seconds, requests)."""
    with SandboxOdoo(version=version) as odoo:
        settings = OdooSettings(
            url=odoo.url,
            database=odoo.database,
            login=odoo.login,
            api_key=SecretStr(odoo.api_key),
            protocol=protocol,
        )
        gateway = open_gateway(settings)
        taxes = tuple(gateway.find_taxes(ids=[odoo.ref("sandbox.tax_20_excl")]))
        drafts = [_draft(n, taxes, version) for n in range(count)]
        before = gateway.calls
        started = time.perf_counter()
        _run(gateway, drafts, batch)
        elapsed = time.perf_counter() - started
        calls = gateway.calls - before
        posted = [m for m in odoo.records("account.move") if m["state"] == "posted"]
        assert len(posted) == count, "every invoice must be posted exactly once"
        gateway.close()
    return elapsed, calls


def _run(gateway: ErpGateway, drafts: Sequence[InvoiceDraft], batch: int) -> None:
    for start in range(0, len(drafts), batch):
        results = gateway.create_invoices(drafts[start : start + batch])
        if any(not r.ok for r in results):
            raise RuntimeError(f"a benchmark invoice failed: {results}")


def main() -> None:
    """Print invoices per second and requests per invoice, batched and one by one."""
    print(f"{'backend':<16}{'mode':<14}{'invoices':>9}{'inv/s':>10}{'calls/inv':>11}")
    for version, protocol in BACKENDS:
        name = f"odoo{version} {protocol}"
        batch_s, batch_calls = _push(version, protocol, INVOICES, BATCH)
        single_s, single_calls = _push(version, protocol, SINGLE, 1)
        batch_rate, single_rate = INVOICES / batch_s, SINGLE / single_s
        batch_cpi, single_cpi = batch_calls / INVOICES, single_calls / SINGLE
        print(
            f"{name:<16}{f'batch of {BATCH}':<14}{INVOICES:>9}"
            f"{batch_rate:>10.0f}{batch_cpi:>11.3f}"
        )
        print(
            f"{name:<16}{'one by one':<14}{SINGLE:>9}"
            f"{single_rate:>10.0f}{single_cpi:>11.3f}"
        )
        print(
            f"{name:<16}{'ratio':<14}{'':>9}{batch_rate / single_rate:>9.1f}x"
            f"{single_cpi / batch_cpi:>10.1f}x fewer calls"
        )


if __name__ == "__main__":
    main()
