"""Credit notes: a refund, or a cancellation after invoicing, becomes a draft.

A credit note carries positive amounts, like the invoice it reverses (Odoo's
`out_refund`), and goes through the same exact line representation, prediction and
bounded adjustment as an invoice (see `o2c.invoices`).

What a refund credits:
- each refunded line: its quantity at the order line's unit price, less the share
  of discount the storefront gave back (`RefundLine.subtotal` is after discounts,
  on the order's tax basis; `total_tax` is added when prices exclude tax);
- refunded shipping: `Refund.shipping` when the storefront reports it, else the
  order adjustments of kind `shipping_refund` (taken as magnitudes);
- other order adjustments (`refund_discrepancy`): the storefront records money
  refunded beyond the lines as a negative amount, so the credit is its negation;
  it goes to the refund adjustment account, untaxed.
The total to match is what the refund's successful transactions moved when they
are in the credit note's currency, else the sum of the parts above.

A cancellation after invoicing credits what the invoice charged and no refund has
credited yet: each line's remaining quantity and amount, the remaining shipping,
the duties and the tip as invoiced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Literal

from o2c.errors import PayloadError
from o2c.ids import shopify_numeric_id
from o2c.invoices import (
    CurrencySide,
    InvoiceOptions,
    PricedPart,
    ReceivableDraft,
    hub_key,
    invoice_key,
    lines_for_parts,
    order_ident,
    order_parts,
    settle,
    tip_parts,
)
from o2c.money import Money, MoneyBag
from o2c.orders import Order, OrderAdjustment, Refund, TransactionKind
from o2c.resolution import Resolver

_ZERO = Decimal(0)
_ONE = Decimal(1)
CreditReason = Literal["refund", "cancellation"]


class CreditNoteDraft(ReceivableDraft):
    """The credit note the hub wants in the ERP against an order's invoice."""

    reason: CreditReason
    refund_external_id: str | None = None
    invoice_key: str


def credit_note_key(order: Order, refund_external_id: str) -> str:
    """Return a refund's credit note key: `o2c_hub.credit_note.<shop>.<refund id>`."""
    try:
        ident = shopify_numeric_id(refund_external_id)
    except ValueError:
        ident = refund_external_id
    return hub_key("credit_note", order.source, ident)


def cancellation_key(order: Order) -> str:
    """Return the key of the credit note that closes a cancelled, invoiced order."""
    return hub_key("credit_note", order.source, f"{order_ident(order)}-cancel")


# -- refunds -----------------------------------------------------------------------


def build_credit_note(
    order: Order,
    refund: Refund,
    resolver: Resolver,
    options: InvoiceOptions,
    *,
    credit_date: date,
) -> CreditNoteDraft:
    """Return the credit note draft for one refund of an order.

    The draft reports `hold_reason == "total_mismatch"` when the ERP total cannot
    be brought to the refunded total within the bound. Raises MappingError for an
    unmapped record and PayloadError when the refund names a line the order lacks.
    """
    side = options.currency_side
    parts = refund_parts(order, refund, resolver, side)
    computed = Money(
        amount=_parts_total(parts, refund_taxes(order, refund, side), order),
        currency=_currency(order, side),
    )
    target = _transactions_total(refund, computed) or computed
    lines = lines_for_parts(parts, resolver, options.rounding)
    settled = settle(lines, target, resolver=resolver, options=options)
    return CreditNoteDraft(
        idempotency_key=credit_note_key(order, refund.external_id),
        reason="refund",
        refund_external_id=refund.external_id,
        invoice_key=invoice_key(order),
        source=order.source,
        order_external_id=order.external_id,
        order_number=order.number,
        partner_ref=resolver.partner_for(order),
        document_date=credit_date,
        rounding=options.rounding,
        **settled.fields(),
    )


def refund_parts(
    order: Order, refund: Refund, resolver: Resolver, side: CurrencySide
) -> list[PricedPart]:
    """Return the priced parts a refund credits (lines, shipping, adjustments)."""
    by_line = _parts_by_line(order, resolver, side)
    parts: list[PricedPart] = []
    for refund_line in refund.lines:
        if refund_line.quantity == 0:
            continue
        line_part = by_line.get(refund_line.line_external_id)
        if line_part is None:
            raise PayloadError(
                "refund names a line the order does not have",
                where=f"{refund.external_id} line {refund_line.line_external_id}",
            )
        parts.append(
            replace(
                line_part,
                quantity=Decimal(refund_line.quantity),
                net=refund_line.subtotal.side(side).amount,
            )
        )
    shipping = refunded_shipping(refund, side)
    if shipping:
        parts.append(_shipping_part(order, resolver, side, shipping))
    parts.extend(
        _adjustment_part(order, adjustment, resolver, side)
        for adjustment in refund.adjustments
        if adjustment.kind != "shipping_refund"
    )
    return parts


def _adjustment_part(
    order: Order, adjustment: OrderAdjustment, resolver: Resolver, side: CurrencySide
) -> PricedPart:
    """A refund amount that is neither a line nor shipping, on its own account.

    The storefront records money refunded beyond the lines as a negative
    adjustment, so the credit is its negation.
    """
    credit = -(adjustment.amount.side(side).amount)
    if not order.taxes_included:
        credit -= adjustment.tax_amount.side(side).amount
    return PricedPart(
        kind="adjustment",
        description=f"Refund adjustment: {adjustment.reason or adjustment.kind}",
        quantity=_ONE,
        unit_price=credit,
        net=credit,
        account_ref=resolver.refund_adjustment_account(),
    )


def refunded_shipping(refund: Refund, side: CurrencySide) -> Decimal:
    """Return the shipping a refund gives back (before tax when prices exclude it)."""
    if refund.shipping is not None:
        return abs(refund.shipping.side(side).amount)
    return sum(
        (
            abs(adjustment.amount.side(side).amount)
            for adjustment in refund.adjustments
            if adjustment.kind == "shipping_refund"
        ),
        _ZERO,
    )


def refund_taxes(order: Order, refund: Refund, side: CurrencySide) -> Decimal:
    """Return the tax the storefront refunded on lines and shipping."""
    tax = sum((line.total_tax.side(side).amount for line in refund.lines), _ZERO)
    shipping_adjustments = [
        a for a in refund.adjustments if a.kind == "shipping_refund"
    ]
    if shipping_adjustments:
        tax += sum(
            (abs(a.tax_amount.side(side).amount) for a in shipping_adjustments), _ZERO
        )
    elif refund.shipping is not None:
        tax += _shipping_tax_share(order, refund.shipping, side)
    return tax


def _shipping_tax_share(
    order: Order, refunded: MoneyBag, side: CurrencySide
) -> Decimal:
    """The order's shipping tax in proportion to the refunded shipping, rounded."""
    charged = sum((s.price.side(side).amount for s in order.shipping_lines), _ZERO)
    tax = sum(
        (t.amount.side(side).amount for s in order.shipping_lines for t in s.tax_lines),
        _ZERO,
    )
    if not charged:
        return _ZERO
    share = Money(
        amount=tax * abs(refunded.side(side).amount) / charged,
        currency=refunded.side(side).currency,
    )
    return share.rounded().amount


def _parts_by_line(
    order: Order, resolver: Resolver, side: CurrencySide
) -> dict[str, PricedPart]:
    lines_only = order.model_copy(update={"shipping_lines": (), "duties": ()})
    return {
        part.source_ref: part
        for part in order_parts(lines_only, resolver, side)
        if part.source_ref is not None
    }


def _shipping_part(
    order: Order, resolver: Resolver, side: CurrencySide, amount: Decimal
) -> PricedPart:
    if not order.shipping_lines:
        raise PayloadError(
            "shipping refunded on an order without shipping lines",
            where=f"order {order.number}",
        )
    first = order.shipping_lines[0]
    shipping = order_parts(
        order.model_copy(
            update={"lines": (), "duties": (), "shipping_lines": (first,)}
        ),
        resolver,
        side,
    )[0]
    return replace(shipping, unit_price=amount, net=amount)


def _currency(order: Order, side: CurrencySide) -> str:
    return order.presentment_currency if side == "presentment" else order.currency


def _parts_total(parts: Sequence[PricedPart], tax: Decimal, order: Order) -> Decimal:
    total = sum((part.net for part in parts), _ZERO)
    return total if order.taxes_included else total + tax


def _transactions_total(refund: Refund, computed: Money) -> Money | None:
    """What the refund's successful transactions moved, in the credit note currency."""
    moved = [
        t.amount
        for t in refund.transactions
        if t.kind == TransactionKind.REFUND
        and t.status == "success"
        and t.amount.currency == computed.currency
    ]
    if not moved:
        return None
    return Money.total(moved, computed.currency)


# -- cancellation ------------------------------------------------------------------


def build_cancellation_credit_note(
    order: Order,
    resolver: Resolver,
    options: InvoiceOptions,
    *,
    credit_date: date,
) -> CreditNoteDraft:
    """Return the credit note that reverses what the invoice charged and no refund
    has credited, for an order cancelled after invoicing.

    Raises MappingError for an unmapped record.
    """
    side = options.currency_side
    parts = remaining_parts(order, resolver, options)
    target = _remaining_target(order, side, options)
    lines = lines_for_parts(parts, resolver, options.rounding)
    settled = settle(lines, target, resolver=resolver, options=options)
    return CreditNoteDraft(
        idempotency_key=cancellation_key(order),
        reason="cancellation",
        invoice_key=invoice_key(order),
        source=order.source,
        order_external_id=order.external_id,
        order_number=order.number,
        partner_ref=resolver.partner_for(order),
        document_date=credit_date,
        rounding=options.rounding,
        **settled.fields(),
    )


def remaining_parts(
    order: Order, resolver: Resolver, options: InvoiceOptions
) -> list[PricedPart]:
    """Return the invoiced parts less every refund: what a cancellation credits."""
    side = options.currency_side
    refunded_quantity: dict[str, int] = {}
    refunded_net: dict[str, Decimal] = {}
    for refund in order.refunds:
        for line in refund.lines:
            key = line.line_external_id
            refunded_quantity[key] = refunded_quantity.get(key, 0) + line.quantity
            refunded_net[key] = (
                refunded_net.get(key, _ZERO) + line.subtotal.side(side).amount
            )
    shipping_left = _shipping_net(order, side) - sum(
        (refunded_shipping(refund, side) for refund in order.refunds), _ZERO
    )
    remaining: list[PricedPart] = []
    for part in [
        *order_parts(order, resolver, side),
        *tip_parts(order, resolver, options),
    ]:
        if part.kind == "shipping":
            continue
        key = part.source_ref or ""
        quantity = part.quantity - refunded_quantity.get(key, 0)
        net = part.net - refunded_net.get(key, _ZERO)
        if quantity > 0:
            remaining.append(replace(part, quantity=quantity, net=net))
        elif net:
            # Every unit was refunded but not every cent: credit the rest as one.
            remaining.append(replace(part, quantity=_ONE, unit_price=net, net=net))
    if shipping_left > 0:
        remaining.append(_shipping_part(order, resolver, side, shipping_left))
    return remaining


def _shipping_net(order: Order, side: CurrencySide) -> Decimal:
    total = _ZERO
    for shipping in order.shipping_lines:
        total += shipping.price.side(side).amount
        total -= sum(
            (a.amount.side(side).amount for a in shipping.discount_allocations), _ZERO
        )
    return total


def _remaining_target(
    order: Order, side: CurrencySide, options: InvoiceOptions
) -> Money:
    """The invoiced storefront total less what each refund credited."""
    target = order.total.side(side)
    if options.tips == "exclude" and order.totals.tip is not None:
        target = target - order.totals.tip.side(side)
    for refund in order.refunds:
        parts_total = sum(
            (line.subtotal.side(side).amount for line in refund.lines), _ZERO
        ) + refunded_shipping(refund, side)
        if not order.taxes_included:
            parts_total += refund_taxes(order, refund, side)
        target = target - Money(amount=parts_total, currency=target.currency)
    return target
