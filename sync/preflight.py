"""`mapping check` against the store: replay recent orders, preview one invoice.

Reads stored orders in pages (newest version within the last N days), warms the
catalog cache once per page, and hands them to `mapping.check`. Nothing is
written, neither in the store nor in the ERP.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mapping.check import CheckReport, check_orders, preview, validate_tables
from o2c.invoices import InvoiceOptions
from o2c.orders import Order
from sync.invoicing import Invoicing
from sync.orders_repo import get_order, load_order
from sync.store.models import OrderRecord

logger = logging.getLogger(__name__)

PAGE = 500


def invoice_options(invoicing: Invoicing, shop: str) -> InvoiceOptions:
    """Return how the shop's orders are invoiced (policy, ERP rounding)."""
    policy = invoicing.policy_for(shop)
    return InvoiceOptions(
        currency_side=policy.invoice_currency,
        tips=policy.tips,
        rounding=invoicing.rounding,
        adjustment_units_per_line=policy.adjustment_units_per_line,
    )


def run_check(
    engine: Engine,
    invoicing: Invoicing,
    *,
    days: int,
    now: datetime,
    shop: str | None = None,
) -> CheckReport:
    """Replay the orders of the last `days` days; return every gap found.

    The report also lists codes in the tables that the ERP does not have.
    """
    report = CheckReport()
    shops: set[str] = set()
    for page in _orders(engine, since=now - timedelta(days=days), shop=shop):
        for name in {order.source for order in page}:
            invoicing.resolver_for(name).prefetch(o for o in page if o.source == name)
        shops |= {order.source for order in page}
        for name in sorted({order.source for order in page}):
            check_orders(
                [o for o in page if o.source == name],
                invoicing.resolver_for,
                invoice_options(invoicing, name),
                report=report,
            )
    for name in sorted(shops | set(invoicing.tables.shop_names())):
        tables = invoicing.resolver_for(name).tables
        report.table_problems += [
            f"{name}: {problem}"
            for problem in validate_tables(tables, invoicing.catalog)
        ]
    logger.info(
        "mapping check: %d orders, %d unmapped keys",
        report.orders_checked,
        len(report.unmapped),
    )
    return report


def preview_order(
    engine: Engine, invoicing: Invoicing, ref: str, *, shop: str | None = None
) -> dict[str, Any] | None:
    """Return the invoice a stored order would get, or None when it is unknown."""
    found = get_order(engine, ref, shop=shop)
    if found is None:
        return None
    order = found[1]
    resolver = invoicing.resolver_for(order.source)
    return preview(order, resolver, invoice_options(invoicing, order.source))


def _orders(
    engine: Engine, *, since: datetime, shop: str | None
) -> Iterator[list[Order]]:
    last_id = 0
    while True:
        query = (
            select(OrderRecord)
            .where(OrderRecord.version >= since, OrderRecord.id > last_id)
            .order_by(OrderRecord.id)
            .limit(PAGE)
        )
        if shop:
            query = query.where(OrderRecord.shop == shop)
        with Session(engine) as session:
            rows = list(session.scalars(query))
        if not rows:
            return
        last_id = rows[-1].id
        yield [load_order(row) for row in rows]
