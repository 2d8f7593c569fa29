"""The invoice builder: an order becomes an invoice draft with the total Odoo will show.

How storefront amounts become Odoo lines (the exactness rules):
- A line's `price_unit` must fit Odoo's "Product Price" precision and its quantity the
  unit-of-measure precision, or Odoo rounds them silently. `taxes.represent` finds
  exact fields, trading price decimals for quantity decimals when needed (KWD).
- A discounted line is written at its net unit price when `(q x price - discount) / q`
  is exact; Odoo then taxes the same net amount the storefront taxed. Otherwise the
  line keeps its gross price and the discount becomes its own line, one per set of
  taxes (Odoo's percentage `discount` field has two decimals and would round).
- Shipping is one line at its net price; duties one line; a tip one untaxed line
  (or nothing, by policy); a gift card *sale* a line on the gift card product, whose
  account is a liability. A payment by gift card is a payment, never a discount.
- The builder then predicts Odoo's untaxed, tax and total amounts with the company's
  engine and rounding. If the predicted total differs from the storefront total by
  rounding, at most `adjustment_units_per_line` minor units per tax of each line (the
  places where Odoo rounds), an untaxed adjustment line on the rounding account closes
  the gap. Beyond that bound no
  adjustment is made and the draft reports `hold_reason == "total_mismatch"`; it
  must not be posted (`ensure_postable` raises). A difference is never silent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from o2c.errors import ConfigurationError, HubError
from o2c.ids import shopify_numeric_id
from o2c.money import Money, minor_units, quantum
from o2c.orders import (
    DiscountAllocation,
    Duty,
    Order,
    OrderLine,
    ShippingLine,
    TaxLine,
)
from o2c.resolution import Resolver, TaxQuery, TaxSubject, destination_country
from o2c.taxes import (
    DocumentLine,
    DocumentTotals,
    RoundingConfig,
    TaxDefinition,
    flatten_legacy,
    flatten_modern,
    predict_document,
    represent,
)

logger = logging.getLogger(__name__)

LineKind = Literal[
    "product", "discount", "shipping", "duty", "tip", "gift_card", "adjustment"
]
CurrencySide = Literal["presentment", "shop"]
TipPolicy = Literal["revenue", "exclude"]
_ZERO = Decimal(0)
_ONE = Decimal(1)


class TotalMismatchError(HubError):
    """A draft whose ERP total misses the storefront total was about to be posted."""


class InvoiceOptions(BaseModel):
    """How orders are turned into invoices: currency side, tips, ERP rounding, bound."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency_side: CurrencySide = "presentment"
    tips: TipPolicy = "revenue"
    rounding: RoundingConfig = RoundingConfig()
    adjustment_units_per_line: int = Field(1, ge=0)


class InvoiceLineDraft(BaseModel):
    """One line of an invoice or credit note, in the fields Odoo stores.

    `quantity x price_unit` is exact at Odoo's precisions; `discount` is a
    percentage (the builder leaves it at zero, see the module notes). An adjustment
    line has an `account_ref` and no product.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: LineKind
    description: str
    quantity: Decimal
    price_unit: Decimal
    discount: Decimal = _ZERO
    taxes: tuple[TaxDefinition, ...] = ()
    product_ref: str | None = None
    account_ref: str | None = None
    source_ref: str | None = None

    def as_document_line(self) -> DocumentLine:
        """Return the line as the tax engine reads it."""
        return DocumentLine(
            quantity=self.quantity,
            price_unit=self.price_unit,
            taxes=self.taxes,
            discount=self.discount,
        )


class ReceivableDraft(BaseModel):
    """What invoices and credit notes share: lines and the totals the ERP must show."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str
    source: str
    order_external_id: str
    order_number: str
    partner_ref: str
    currency: str
    document_date: date
    lines: tuple[InvoiceLineDraft, ...]
    expected_untaxed: Money
    expected_tax: Money
    expected_total: Money
    storefront_total: Money
    adjustment: Money
    adjustment_bound: Money
    rounding: RoundingConfig

    @property
    def mismatch(self) -> Money:
        """Predicted ERP total minus storefront total: zero unless the draft is held."""
        return self.expected_total - self.storefront_total

    @property
    def hold_reason(self) -> str | None:
        """`total_mismatch` when the draft must not be posted, else None."""
        return "total_mismatch" if self.mismatch else None

    def ensure_postable(self) -> None:
        """Raise TotalMismatchError unless the ERP total will equal the storefront's."""
        if self.mismatch:
            raise TotalMismatchError(
                f"{self.idempotency_key}: the ERP would show {self.expected_total}, "
                f"the storefront charged {self.storefront_total} "
                f"(bound {self.adjustment_bound})"
            )


class InvoiceDraft(ReceivableDraft):
    """The customer invoice the hub wants in the ERP for one order."""


@dataclass(frozen=True, slots=True)
class PricedPart:
    """One priced thing of an order or refund, in the document's currency.

    `unit_price` is per unit before discounts; `net` is what the part costs after
    its discounts; both on the order's tax basis (tax-included or not).
    """

    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    taxes: tuple[TaxDefinition, ...] = ()
    product_ref: str | None = None
    account_ref: str | None = None
    source_ref: str | None = None


# -- keys ------------------------------------------------------------------------


def hub_key(kind: str, source: str, ident: str) -> str:
    """Return the idempotency key `o2c_hub.<kind>.<source>.<id>` stored in the ERP.

    Raises ValueError when a part is empty once reduced to letters, digits, - and _.
    """
    return f"o2c_hub.{_slug(kind)}.{_slug(source)}.{_slug(ident)}"


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")
    if not slug:
        raise ValueError(f"cannot build an idempotency key part from {text!r}")
    return slug


def order_ident(order: Order) -> str:
    """The order's number without '#', else its numeric storefront id."""
    number = order.number.strip().lstrip("#").strip()
    return number or _external_ident(order.external_id)


def _external_ident(external_id: str) -> str:
    try:
        return shopify_numeric_id(external_id)
    except ValueError:
        return external_id


def invoice_key(order: Order) -> str:
    """Return the invoice's idempotency key, e.g. `o2c_hub.invoice.myshop.1001`."""
    return hub_key("invoice", order.source, order_ident(order))


# -- building --------------------------------------------------------------------


def build_invoice(
    order: Order,
    resolver: Resolver,
    options: InvoiceOptions,
    *,
    invoice_date: date,
) -> InvoiceDraft:
    """Return the invoice draft for an order, with Odoo's predicted totals.

    The draft reports `hold_reason == "total_mismatch"` when the predicted total
    cannot be brought to the storefront total within the adjustment bound.
    Raises MappingError for an unmapped product, tax or account, and
    ConfigurationError when an amount cannot be written exactly at the ERP's
    precisions.
    """
    side = options.currency_side
    parts = [*order_parts(order, resolver, side), *tip_parts(order, resolver, options)]
    target = order.total.side(side)
    if options.tips == "exclude" and order.totals.tip is not None:
        # The tip stays out of the invoice; the customer's payment covers both.
        target = target - order.totals.tip.side(side)
    lines = lines_for_parts(parts, resolver, options.rounding)
    settled = settle(lines, target, resolver=resolver, options=options)
    return InvoiceDraft(
        idempotency_key=invoice_key(order),
        source=order.source,
        order_external_id=order.external_id,
        order_number=order.number,
        partner_ref=resolver.partner_for(order),
        document_date=invoice_date,
        rounding=options.rounding,
        **settled.fields(),
    )


def order_parts(
    order: Order, resolver: Resolver, side: CurrencySide
) -> list[PricedPart]:
    """Return the priced parts of an order: lines, shipping and duties (not tips)."""
    taxer = _Taxer(order, resolver)
    lines = [
        _line_part(line, taxer, side) for line in order.lines if line.quantity != 0
    ]
    shipping = [_shipping_part(row, taxer, side) for row in order.shipping_lines]
    duties = [_duty_part(duty, taxer, side) for duty in order.duties]
    return [*lines, *shipping, *duties]


def _line_part(line: OrderLine, taxer: _Taxer, side: CurrencySide) -> PricedPart:
    unit_price = line.unit_price.side(side).amount
    discount = _allocated(line.discount_allocations, side)
    resolver = taxer.resolver
    if line.gift_card:
        # A gift card sale is a liability, sold untaxed: its value is taxed when
        # it is spent.
        kind: LineKind = "gift_card"
        product_ref = resolver.gift_card_product()
        taxes: tuple[TaxDefinition, ...] = ()
    else:
        kind = "product"
        product_ref = resolver.product_for_line(line)
        taxes = taxer.taxes(line.tax_lines, "line")
    return PricedPart(
        kind=kind,
        description=_line_title(line.title, line.variant_title),
        quantity=Decimal(line.quantity),
        unit_price=unit_price,
        net=line.quantity * unit_price - discount,
        taxes=taxes,
        product_ref=product_ref,
        source_ref=line.external_id,
    )


def _shipping_part(
    shipping: ShippingLine, taxer: _Taxer, side: CurrencySide
) -> PricedPart:
    price = shipping.price.side(side).amount
    return PricedPart(
        kind="shipping",
        description=shipping.title,
        quantity=_ONE,
        unit_price=price,
        net=price - _allocated(shipping.discount_allocations, side),
        taxes=taxer.taxes(shipping.tax_lines, "shipping"),
        product_ref=taxer.resolver.shipping_product(shipping),
        source_ref=shipping.external_id,
    )


def _duty_part(duty: Duty, taxer: _Taxer, side: CurrencySide) -> PricedPart:
    amount = duty.amount.side(side).amount
    return PricedPart(
        kind="duty",
        description="Import duties",
        quantity=_ONE,
        unit_price=amount,
        net=amount,
        taxes=taxer.taxes(duty.tax_lines, "duty"),
        product_ref=taxer.resolver.duty_product(),
        source_ref=duty.external_id,
    )


def tip_parts(
    order: Order, resolver: Resolver, options: InvoiceOptions
) -> list[PricedPart]:
    """Return the tip as a revenue part, or nothing when tips are excluded."""
    tip = order.totals.tip
    if options.tips == "exclude" or tip is None or not tip.side(options.currency_side):
        return []
    amount = tip.side(options.currency_side).amount
    return [
        PricedPart(
            kind="tip",
            description="Tip",
            quantity=_ONE,
            unit_price=amount,
            net=amount,
            product_ref=resolver.tip_product(),
        )
    ]


class _Taxer:
    """Resolves storefront tax lines into ERP taxes for one order."""

    def __init__(self, order: Order, resolver: Resolver) -> None:
        self.resolver = resolver
        self._country = destination_country(order)
        self._included = order.taxes_included

    def taxes(
        self, tax_lines: Sequence[TaxLine], subject: TaxSubject
    ) -> tuple[TaxDefinition, ...]:
        found: list[TaxDefinition] = []
        for tax_line in tax_lines:
            query = TaxQuery(
                title=tax_line.title,
                rate=tax_line.rate,
                country_code=self._country,
                price_include=self._included,
                subject=subject,
            )
            found.extend(self.resolver.taxes_for(query))
        return tuple(found)


def _line_title(title: str, variant: str | None) -> str:
    return f"{title} - {variant}" if variant else title


def _allocated(
    allocations: Sequence[DiscountAllocation], side: CurrencySide
) -> Decimal:
    return sum((a.amount.side(side).amount for a in allocations), _ZERO)


# -- lines -------------------------------------------------------------------------


def lines_for_parts(
    parts: Sequence[PricedPart], resolver: Resolver, config: RoundingConfig
) -> list[InvoiceLineDraft]:
    """Turn priced parts into exact Odoo lines, with discount lines per tax set.

    Raises ConfigurationError when an amount cannot be written exactly.
    """
    lines: list[InvoiceLineDraft] = []
    discounts: dict[tuple[TaxDefinition, ...], Decimal] = {}
    for part in parts:
        line, discount = _line_for_part(part, config)
        lines.append(line)
        if discount:
            discounts[part.taxes] = discounts.get(part.taxes, _ZERO) + discount
    for taxes, amount in discounts.items():
        lines.append(_discount_line(taxes, amount, resolver, config))
    return lines


def _line_for_part(
    part: PricedPart, config: RoundingConfig
) -> tuple[InvoiceLineDraft, Decimal]:
    """Return the part's line and the discount left for a separate discount line."""
    gross = part.quantity * part.unit_price
    if part.net != gross and part.quantity:
        net_fields = represent(part.quantity, part.net / part.quantity, config)
        if net_fields is not None:
            return _line(part, net_fields.quantity, net_fields.price_unit), _ZERO
    fields = represent(part.quantity, part.unit_price, config)
    description = part.description
    if fields is None:
        # The unit price cannot be stored; one line for the whole amount can.
        fields = represent(_ONE, gross, config)
        description = f"{part.quantity} x {part.description}"
    if fields is None:
        raise _unrepresentable(gross, config)
    line = _line(part, fields.quantity, fields.price_unit, description=description)
    return line, gross - part.net


def _line(
    part: PricedPart,
    quantity: Decimal,
    price_unit: Decimal,
    *,
    description: str | None = None,
) -> InvoiceLineDraft:
    return InvoiceLineDraft(
        kind=part.kind,
        description=description or part.description,
        quantity=quantity,
        price_unit=price_unit,
        taxes=part.taxes,
        product_ref=part.product_ref,
        account_ref=part.account_ref,
        source_ref=part.source_ref,
    )


def _discount_line(
    taxes: tuple[TaxDefinition, ...],
    amount: Decimal,
    resolver: Resolver,
    config: RoundingConfig,
) -> InvoiceLineDraft:
    fields = represent(_ONE, -amount, config)
    if fields is None:
        raise _unrepresentable(-amount, config)
    names = ", ".join(tax.name for tax in taxes) or "no tax"
    return InvoiceLineDraft(
        kind="discount",
        description=f"Discount ({names})",
        quantity=fields.quantity,
        price_unit=fields.price_unit,
        taxes=taxes,
        product_ref=resolver.discount_product(),
    )


def _unrepresentable(amount: Decimal, config: RoundingConfig) -> ConfigurationError:
    return ConfigurationError(
        f"{amount} cannot be written exactly with {config.price_digits} price "
        f"decimals and {config.quantity_digits} quantity decimals; raise the ERP's "
        "Product Price precision"
    )


# -- settling --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settlement:
    """Lines and predicted totals after the rounding adjustment, if any."""

    lines: tuple[InvoiceLineDraft, ...]
    totals: DocumentTotals
    currency: str
    target: Decimal
    adjustment: Decimal
    bound: Decimal

    def fields(self) -> dict[str, object]:
        """The draft fields this settlement decides."""
        money = self._money
        return {
            "currency": self.currency,
            "lines": self.lines,
            "expected_untaxed": money(self.totals.untaxed),
            "expected_tax": money(self.totals.tax),
            "expected_total": money(self.totals.total),
            "storefront_total": money(self.target),
            "adjustment": money(self.adjustment),
            "adjustment_bound": money(self.bound),
        }

    def _money(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency=self.currency)


def settle(
    lines: Sequence[InvoiceLineDraft],
    target: Money,
    *,
    resolver: Resolver,
    options: InvoiceOptions,
) -> Settlement:
    """Predict the ERP's totals and close a rounding gap to `target` within the bound.

    Returns the lines (with an adjustment line when one was needed and allowed) and
    the predicted totals; beyond the bound the totals are left as predicted.
    Raises MappingError when the rounding account is needed and unmapped.
    """
    config = options.rounding
    digits = minor_units(target.currency)
    totals = _predict(lines, config, digits)
    points = max(1, _rounding_points(lines, config))
    bound = options.adjustment_units_per_line * quantum(target.currency) * points
    result = Settlement(
        lines=tuple(lines),
        totals=totals,
        currency=target.currency,
        target=target.amount,
        adjustment=_ZERO,
        bound=bound,
    )

    # Beyond the bound the gap is not rounding: leave it visible, hold the draft.
    difference = target.amount - totals.total
    if not difference or abs(difference) > bound:
        if difference:
            logger.debug(
                "total %s misses %s by more than %s", totals.total, target, bound
            )
        return result
    adjustment = _adjustment_line(difference, resolver, config)
    if adjustment is None:
        return result

    adjusted = (*lines, adjustment)
    return replace(
        result,
        lines=adjusted,
        totals=_predict(adjusted, config, digits),
        adjustment=difference,
    )


def _adjustment_line(
    difference: Decimal, resolver: Resolver, config: RoundingConfig
) -> InvoiceLineDraft | None:
    """An untaxed line on the rounding account for the gap, if it can be exact."""
    fields = represent(_ONE, difference, config)
    if fields is None:
        return None
    return InvoiceLineDraft(
        kind="adjustment",
        description="Rounding difference to the storefront total",
        quantity=fields.quantity,
        price_unit=fields.price_unit,
        account_ref=resolver.rounding_account(),
    )


def _rounding_points(lines: Sequence[InvoiceLineDraft], config: RoundingConfig) -> int:
    """Count the places where the ERP rounds a tax: each tax of each line."""
    flatten = flatten_legacy if config.engine == "legacy" else flatten_modern
    return sum(len(flatten(line.taxes)) for line in lines)


def _predict(
    lines: Sequence[InvoiceLineDraft], config: RoundingConfig, digits: int
) -> DocumentTotals:
    return predict_document([line.as_document_line() for line in lines], config, digits)
