"""The preflight: replay stored orders against the mappings, list what blocks them.

`check_orders` builds each order's invoice with a resolver that records every
miss instead of stopping at the first, so one run names every unmapped key and
the orders it blocks. `validate_tables` checks that every code the tables name
exists in the ERP. `preview` shows the invoice an order would get, writing nothing.
All three return their findings; none raises for a mapping problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mapping.catalog import CachedCatalog
from mapping.resolver import MappingResolver
from mapping.tables import ShopMapping
from o2c.errors import HubError, MappingError
from o2c.invoices import InvoiceDraft, InvoiceOptions, build_invoice
from o2c.orders import Order, OrderLine, ShippingLine
from o2c.resolution import TaxQuery
from o2c.taxes import TaxDefinition

SAMPLE_ORDERS = 5  # order numbers shown per unmapped key

_PLACEHOLDER = "unmapped"


class CollectingResolver:
    """Wraps a resolver: records each MappingError and answers with a stand-in.

    Products and partners come back as "unmapped", taxes as none, so the builder
    goes on and every other gap of the same order is found too.
    """

    def __init__(self, inner: MappingResolver) -> None:
        self.inner = inner
        self.misses: list[MappingError] = []

    def _ask(self, call: Callable[[], Any], fallback: Any) -> Any:
        try:
            return call()
        except MappingError as exc:
            self.misses.append(exc)
            return fallback

    def product_for_line(self, line: OrderLine) -> str:
        return str(self._ask(lambda: self.inner.product_for_line(line), _PLACEHOLDER))

    def taxes_for(self, query: TaxQuery) -> tuple[TaxDefinition, ...]:
        taxes: tuple[TaxDefinition, ...] = self._ask(
            lambda: self.inner.taxes_for(query), ()
        )
        return taxes

    def shipping_product(self, line: ShippingLine) -> str:
        return str(self._ask(lambda: self.inner.shipping_product(line), _PLACEHOLDER))

    def duty_product(self) -> str:
        return str(self._ask(self.inner.duty_product, _PLACEHOLDER))

    def gift_card_product(self) -> str:
        return str(self._ask(self.inner.gift_card_product, _PLACEHOLDER))

    def tip_product(self) -> str:
        return str(self._ask(self.inner.tip_product, _PLACEHOLDER))

    def discount_product(self) -> str:
        return str(self._ask(self.inner.discount_product, _PLACEHOLDER))

    def rounding_account(self) -> str:
        return str(self._ask(self.inner.rounding_account, _PLACEHOLDER))

    def refund_adjustment_account(self) -> str:
        return str(self._ask(self.inner.refund_adjustment_account, _PLACEHOLDER))

    def partner_for(self, order: Order) -> str:
        return str(self._ask(lambda: self.inner.partner_for(order), _PLACEHOLDER))


@dataclass
class UnmappedKey:
    """One missing mapping entry and the orders it blocks."""

    kind: str
    key: str
    orders: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many orders the key blocks."""
        return len(self.orders)

    def as_dict(self) -> dict[str, Any]:
        """Return the key as JSON-ready values (a few order numbers)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "count": self.count,
            "orders": self.orders[:SAMPLE_ORDERS],
        }


@dataclass
class CheckReport:
    """What a replay found: unmapped keys, predicted mismatches, other errors."""

    orders_checked: int = 0
    unmapped: dict[tuple[str, str], UnmappedKey] = field(default_factory=dict)
    mismatches: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    table_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks any order."""
        return not (
            self.unmapped or self.mismatches or self.errors or self.table_problems
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values, keys most blocking first."""
        keys = sorted(self.unmapped.values(), key=lambda k: (-k.count, k.kind, k.key))
        return {
            "ok": self.ok,
            "orders_checked": self.orders_checked,
            "unmapped": [k.as_dict() for k in keys],
            "total_mismatches": self.mismatches,
            "errors": self.errors,
            "table_problems": self.table_problems,
        }

    def _miss(self, exc: MappingError, number: str) -> None:
        entry = self.unmapped.setdefault(
            (exc.kind, exc.key), UnmappedKey(exc.kind, exc.key)
        )
        if number not in entry.orders:
            entry.orders.append(number)


def check_orders(
    orders: Iterable[Order],
    resolver_for: Callable[[str], MappingResolver],
    options: InvoiceOptions,
    *,
    report: CheckReport | None = None,
) -> CheckReport:
    """Replay orders through the invoice builder; return every gap found.

    `resolver_for(shop)` gives the resolver of each order's shop.
    """
    report = report or CheckReport()
    for order in orders:
        report.orders_checked += 1
        collecting = CollectingResolver(resolver_for(order.source))
        try:
            draft = build_invoice(
                order, collecting, options, invoice_date=order.created_at.date()
            )
        except HubError as exc:
            report.errors.append({"order": order.number, "error": str(exc)})
            continue
        finally:
            for miss in collecting.misses:
                report._miss(miss, order.number)
        if not collecting.misses and draft.hold_reason is not None:
            report.mismatches.append(_mismatch(order, draft))
    return report


def _mismatch(order: Order, draft: InvoiceDraft) -> dict[str, str]:
    return {
        "order": order.number,
        "predicted_total": str(draft.expected_total),
        "storefront_total": str(draft.storefront_total),
    }


def validate_tables(tables: ShopMapping, catalog: CachedCatalog) -> list[str]:
    """Return every code the tables name that the ERP does not have (all at once)."""
    problems: list[str] = []
    products = {
        *tables.products.values(),
        *tables.shipping.methods.values(),
        *(c for c in (tables.shipping.default, tables.placeholder_product) if c),
        *(c for c in tables.special.model_dump().values() if c),
    }
    found = catalog.products_by_code(sorted(products))
    problems += [
        f"product code {c!r} not in Odoo" for c in sorted(products - set(found))
    ]
    named = [tables.accounts.rounding, tables.accounts.refund_adjustment]
    if tables.stripe is not None:
        stripe = tables.stripe
        named += [stripe.clearing, stripe.bank, stripe.fee_default, stripe.refunds]
        named += [stripe.disputes, stripe.suspense, *stripe.fees.values()]
    accounts = {c for c in named if c}
    found = catalog.accounts_by_code(sorted(accounts))
    problems += [f"account {c!r} not in Odoo" for c in sorted(accounts - set(found))]
    journals = {rule.journal for rule in tables.gateways}
    if tables.accounts.entry_journal:
        journals.add(tables.accounts.entry_journal)
    found = catalog.journals_by_code(sorted(journals))
    problems += [f"journal {c!r} not in Odoo" for c in sorted(journals - set(found))]
    tax_names = {name for name, _ in catalog.sale_taxes()}
    taxes = {name for rule in tables.taxes for name in rule.taxes}
    problems += [f"sales tax {n!r} not in Odoo" for n in sorted(taxes - tax_names)]
    if tables.unknown_sku == "placeholder" and not tables.placeholder_product:
        problems.append("unknown_sku = 'placeholder' needs placeholder_product")
    if tables.customers.unknown == "default" and not tables.customers.default_partner:
        problems.append("customers.unknown = 'default' needs customers.default_partner")
    return problems


def preview(
    order: Order,
    resolver: MappingResolver,
    options: InvoiceOptions,
    *,
    invoice_date: date | None = None,
) -> dict[str, Any]:
    """Return the invoice an order would get, as JSON-ready values; writes nothing.

    Lines with their taxes, the predicted untaxed/tax/total, the storefront total,
    the adjustment, the hold reason and every unmapped key.
    """
    collecting = CollectingResolver(resolver)
    draft = build_invoice(
        order,
        collecting,
        options,
        invoice_date=invoice_date or order.created_at.date(),
    )
    return {
        "order": order.number,
        "idempotency_key": draft.idempotency_key,
        "partner": draft.partner_ref,
        "currency": draft.currency,
        "lines": [_line(line) for line in draft.lines],
        "predicted": {
            "untaxed": str(draft.expected_untaxed.amount),
            "tax": str(draft.expected_tax.amount),
            "total": str(draft.expected_total.amount),
        },
        "storefront_total": str(draft.storefront_total.amount),
        "adjustment": str(draft.adjustment.amount),
        "hold_reason": draft.hold_reason,
        "unmapped": [{"kind": m.kind, "key": m.key} for m in collecting.misses],
    }


def _line(line: Any) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "description": line.description,
        "quantity": str(line.quantity),
        "price_unit": str(line.price_unit),
        "taxes": [tax.name for tax in line.taxes],
        "product": line.product_ref,
        "account": line.account_ref,
    }
