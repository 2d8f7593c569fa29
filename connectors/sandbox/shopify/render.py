"""Sandbox Shopify REST rendering: an order version as a webhook (REST) body.

Field names and value shapes follow Shopify's `orders/*` and `refunds/create` webhook
samples: amounts are strings with the currency's decimals, `*_set` money bags carry
`shop_money` and `presentment_money`, tax rates and refund-line subtotals are JSON
numbers, times carry the shop's UTC offset. Legacy single-amount fields (`price`,
`total_price`, tax `price`) are in the shop's currency; transaction amounts are in the
presentment currency.

Where real Shopify is unknown, the sandbox assumes:
- refunded shipping appears as `refund_shipping_lines` with `subtotal_amount_set` and
  `tax_amount_set` (no `order_adjustments`);
- `current_total_discounts` does not shrink when discounted units are refunded;
- a line's deprecated `total_discount` equals the sum of its discount allocations;
- a transaction's `total_unsettled_set` is what is left to capture (an authorization
  less its captures, zero once voided; zero for other kinds), and only transactions
  through Shopify Payments or Stripe carry card `payment_details`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from connectors.sandbox.shopify.lifecycle import (
    STRIPE_GATEWAYS,
    financial_status,
    fulfilled_quantity,
    fulfillment_status,
    refunded_quantity,
)
from connectors.sandbox.shopify.pricing import round_to
from connectors.sandbox.shopify.records import (
    Address,
    Amount,
    DiscountApplication,
    Fulfillment,
    Line,
    Refund,
    SandboxOrder,
    ShippingLine,
    TaxLine,
    Transaction,
)

Json = dict[str, Any]
_ZERO = Amount(Decimal(0), Decimal(0))
_CARDS = (
    ("Visa", "visa"),
    ("Mastercard", "master"),
    ("American Express", "american_express"),
)


def gid(kind: str, numeric_id: int) -> str:
    """Return the Shopify global id of a resource."""
    return f"gid://shopify/{kind}/{numeric_id}"


def rest_time(moment: datetime | None, order: SandboxOrder) -> str | None:
    """Return an ISO 8601 time in the shop's offset, as REST bodies write it."""
    if moment is None:
        return None
    zone = timezone(timedelta(minutes=order.utc_offset_minutes))
    return moment.astimezone(zone).isoformat(timespec="seconds")


class _Money:
    """Writes one order's amounts in its two currencies."""

    def __init__(self, order: SandboxOrder):
        self.shop = order.currency
        self.presentment = order.presentment_currency

    def text(self, amount: Amount) -> str:
        """The shop-currency amount as a string (legacy REST fields)."""
        return str(round_to(amount.shop, self.shop))

    def bag(self, amount: Amount) -> Json:
        return {
            "shop_money": {
                "amount": str(round_to(amount.shop, self.shop)),
                "currency_code": self.shop,
            },
            "presentment_money": {
                "amount": str(round_to(amount.presentment, self.presentment)),
                "currency_code": self.presentment,
            },
        }

    def number(self, amount: Amount) -> float:
        """A shop amount as a JSON number; the shortest float repr reads back exact."""
        return float(round_to(amount.shop, self.shop))


def render_rest(order: SandboxOrder) -> Json:
    """Return the order as Shopify's `orders/*` webhook body (the REST order object)."""
    money = _Money(order)
    current = _current(order)
    body: Json = {
        "id": order.id,
        "admin_graphql_api_id": order.gid,
        "app_id": 580111,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cancel_reason": order.cancel_reason,
        "cancelled_at": rest_time(order.cancelled_at, order),
        "cart_token": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": None,
        "company": _company(order),
        "confirmation_number": f"C{order.id % 10**9:09d}",
        "confirmed": True,
        "contact_email": order.email,
        "created_at": rest_time(order.created_at, order),
        "currency": order.currency,
        "current_shipping_price_set": money.bag(current["shipping"]),
        "current_subtotal_price": money.text(current["subtotal"]),
        "current_subtotal_price_set": money.bag(current["subtotal"]),
        "current_total_additional_fees_set": None,
        "current_total_discounts": money.text(order.total_discounts),
        "current_total_discounts_set": money.bag(order.total_discounts),
        "current_total_duties_set": None,
        "current_total_price": money.text(current["total"]),
        "current_total_price_set": money.bag(current["total"]),
        "current_total_tax": money.text(current["tax"]),
        "current_total_tax_set": money.bag(current["tax"]),
        "customer_locale": "en",
        "device_id": None,
        "discount_codes": _discount_codes(order, money),
        "duties_included": False,
        "email": order.email,
        "estimated_taxes": False,
        "financial_status": financial_status(order),
        "fulfillment_status": fulfillment_status(order),
        "landing_site": None,
        "landing_site_ref": None,
        "location_id": None,
        "merchant_business_entity_id": f"MBE{order.shop_domain.split('.')[0].upper()}",
        "merchant_of_record_app_id": None,
        "name": order.name,
        "note": None,
        "note_attributes": [],
        "number": order.number - 1000,
        "order_number": order.number,
        "order_status_url": (
            f"https://{order.shop_domain}/orders/{order.id:x}/authenticate?key=sandbox"
        ),
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": sorted({t.gateway for t in order.transactions}),
        "phone": order.customer.phone if order.customer else None,
        "po_number": None,
        "presentment_currency": order.presentment_currency,
        "processed_at": rest_time(order.created_at, order),
        "reference": None,
        "referring_site": None,
        "source_identifier": None,
        "source_name": order.source_name,
        "source_url": None,
        "subtotal_price": money.text(order.subtotal_price),
        "subtotal_price_set": money.bag(order.subtotal_price),
        "tags": ", ".join(order.tags),
        "tax_exempt": False,
        "tax_lines": [_tax_line(t, money) for t in order.tax_lines()],
        "taxes_included": order.taxes_included,
        "test": order.test,
        "token": f"{order.id:x}",
        "total_cash_rounding_payment_adjustment_set": money.bag(_ZERO),
        "total_cash_rounding_refund_adjustment_set": money.bag(_ZERO),
        "total_discounts": money.text(order.total_discounts),
        "total_discounts_set": money.bag(order.total_discounts),
        "total_line_items_price": money.text(order.total_line_items_price),
        "total_line_items_price_set": money.bag(order.total_line_items_price),
        "total_outstanding": money.text(_outstanding(order)),
        "total_price": money.text(order.total_price),
        "total_price_set": money.bag(order.total_price),
        "total_shipping_price_set": money.bag(order.total_shipping),
        "total_tax": money.text(order.total_tax),
        "total_tax_set": money.bag(order.total_tax),
        "total_tip_received": str(round_to(Decimal(0), order.currency)),
        "total_weight": sum(line.grams * line.quantity for line in order.lines),
        "updated_at": rest_time(order.updated_at, order),
        "user_id": None,
        "billing_address": _address(order.billing_address),
        "customer": _customer(order),
        "discount_applications": [
            _application(a, order) for a in order.discount_applications
        ],
        "fulfillments": [_fulfillment(f, order, money) for f in order.fulfillments],
        "line_items": [_line(line, order, money) for line in order.lines],
        "payment_terms": _payment_terms(order, money),
        "refunds": [render_refund(r, order) for r in order.refunds],
        "shipping_address": _address(order.shipping_address),
        "shipping_lines": [_shipping_line(s, money) for s in order.shipping_lines],
        "returns": [],
        "line_item_groups": [],
    }
    return body


def _current(order: SandboxOrder) -> dict[str, Amount]:
    """Totals after refunds, the way Shopify's `current_*` fields report them."""
    refunded_lines = Amount.total(
        r.subtotal for ref in order.refunds for r in ref.lines
    )
    refunded_line_tax = Amount.total(
        r.total_tax for ref in order.refunds for r in ref.lines
    )
    shipping_refunds = [s for ref in order.refunds for s in ref.shipping]
    refunded_shipping = Amount.total(s.subtotal for s in shipping_refunds)
    refunded_shipping_tax = Amount.total(s.tax for s in shipping_refunds)
    subtotal = order.subtotal_price - refunded_lines
    shipping = order.total_shipping - refunded_shipping
    tax = order.total_tax - refunded_line_tax - refunded_shipping_tax
    total = subtotal + shipping if order.taxes_included else subtotal + shipping + tax
    return {"subtotal": subtotal, "shipping": shipping, "tax": tax, "total": total}


def _outstanding(order: SandboxOrder) -> Amount:
    collected = Amount.total(
        t.amount for t in order.transactions if t.kind in ("sale", "capture")
    )
    refunded = order.total_refunded
    due = _current(order)["total"] - (collected - refunded)
    return due if due.presentment > 0 else Amount(Decimal(0), Decimal(0))


def _tax_line(tax: TaxLine, money: _Money) -> Json:
    return {
        "channel_liable": tax.channel_liable,
        "price": money.text(tax.amount),
        "price_set": money.bag(tax.amount),
        "rate": float(tax.rate),
        "title": tax.title,
    }


def _discount_codes(order: SandboxOrder, money: _Money) -> list[Json]:
    codes = []
    for index, application in enumerate(order.discount_applications):
        if application.code is None:
            continue
        allocated = Amount.total(
            a.amount
            for line in order.lines
            for a in line.discount_allocations
            if a.application_index == index
        )
        codes.append(
            {
                "code": application.code,
                "amount": money.text(allocated),
                "type": application.value_type,
            }
        )
    return codes


def _application(application: DiscountApplication, order: SandboxOrder) -> Json:
    if application.value_type == "percentage":
        value = f"{application.value:.1f}"
    else:
        value = str(round_to(application.value, order.presentment_currency))
    body: Json = {
        "target_type": application.target_type,
        "type": application.kind,
        "value": value,
        "value_type": application.value_type,
        "allocation_method": application.allocation_method,
        "target_selection": application.target_selection,
    }
    if application.kind == "discount_code":
        body["code"] = application.code
    else:
        body["title"] = application.title
        body["description"] = application.title
    return body


def _line(
    line: Line, order: SandboxOrder, money: _Money, quantity: int | None = None
) -> Json:
    shipped = fulfilled_quantity(order, line.id)
    current = line.quantity - refunded_quantity(order, line.id)
    status = (
        None
        if shipped == 0
        else ("fulfilled" if shipped >= line.quantity else "partial")
    )
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "attributed_staffs": [],
        "current_quantity": current,
        "fulfillable_quantity": max(current - shipped, 0),
        "fulfillment_service": "manual",
        "fulfillment_status": status,
        "gift_card": False,
        "grams": line.grams,
        "name": line.name,
        "price": money.text(line.price),
        "price_set": money.bag(line.price),
        "product_exists": True,
        "product_id": line.product_id,
        "properties": [],
        "quantity": line.quantity if quantity is None else quantity,
        "requires_shipping": line.requires_shipping,
        "sales_line_item_group_id": None,
        "sku": line.sku,
        "taxable": line.taxable,
        "title": line.title,
        "total_discount": money.text(line.total_discount),
        "total_discount_set": money.bag(line.total_discount),
        "variant_id": line.variant_id,
        "variant_inventory_management": "shopify",
        "variant_title": line.variant_title,
        "vendor": line.vendor,
        "tax_lines": [_tax_line(t, money) for t in line.tax_lines],
        "duties": [],
        "discount_allocations": [
            {
                "amount": money.text(a.amount),
                "amount_set": money.bag(a.amount),
                "discount_application_index": a.application_index,
            }
            for a in line.discount_allocations
        ],
    }


def _shipping_line(shipping: ShippingLine, money: _Money) -> Json:
    return {
        "id": shipping.id,
        "carrier_identifier": None,
        "code": shipping.code,
        "current_discounted_price_set": money.bag(shipping.price),
        "discounted_price": money.text(shipping.price),
        "discounted_price_set": money.bag(shipping.price),
        "is_removed": False,
        "phone": None,
        "price": money.text(shipping.price),
        "price_set": money.bag(shipping.price),
        "requested_fulfillment_service_id": None,
        "source": shipping.source,
        "title": shipping.title,
        "tax_lines": [_tax_line(t, money) for t in shipping.tax_lines],
        "discount_allocations": [],
    }


def _address(address: Address | None) -> Json | None:
    if address is None:
        return None
    return {
        "first_name": address.first_name,
        "address1": address.address1,
        "phone": address.phone,
        "city": address.city,
        "zip": address.zip,
        "province": address.province,
        "country": address.country,
        "last_name": address.last_name,
        "address2": address.address2,
        "company": address.company,
        "latitude": None,
        "longitude": None,
        "name": address.name,
        "country_code": address.country_code,
        "province_code": address.province_code,
    }


def _customer(order: SandboxOrder) -> Json | None:
    customer = order.customer
    if customer is None:
        return None
    return {
        "id": customer.id,
        "created_at": rest_time(customer.created_at, order),
        "updated_at": rest_time(order.created_at, order),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "email": customer.email,
        "phone": customer.phone,
        "currency": order.currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", customer.id),
        "default_address": _address(order.billing_address),
    }


def _company(order: SandboxOrder) -> Json | None:
    if order.company is None:
        return None
    return {"id": order.company.id, "location_id": order.company.location_id}


def _payment_terms(order: SandboxOrder, money: _Money) -> Json | None:
    terms = order.payment_terms
    if terms is None:
        return None
    paid = [t for t in order.transactions if t.kind == "sale"]
    return {
        "id": terms.id,
        "admin_graphql_api_id": gid(
            "PaymentsPaymentFlexibilityPaymentTermsPaymentTerms", terms.id
        ),
        "amount": money.text(order.total_price),
        "currency": order.currency,
        "payment_terms_name": terms.name,
        "payment_terms_type": terms.kind.lower(),
        "due_in_days": terms.due_in_days,
        "payment_schedules": [
            {
                "amount": money.text(order.total_price),
                "currency": order.currency,
                "issued_at": rest_time(terms.issued_at, order),
                "due_at": rest_time(terms.due_at, order),
                "completed_at": rest_time(paid[0].created_at, order) if paid else None,
                "expected_payment_method": "manual",
            }
        ],
    }


def _fulfillment(fulfillment: Fulfillment, order: SandboxOrder, money: _Money) -> Json:
    lines = {line.id: line for line in order.lines}
    number = order.fulfillments.index(fulfillment) + 1
    tracking = fulfillment.tracking_numbers
    return {
        "id": fulfillment.id,
        "admin_graphql_api_id": gid("Fulfillment", fulfillment.id),
        "created_at": rest_time(fulfillment.created_at, order),
        "location_id": 905684977,
        "name": f"{order.name}.{number}",
        "order_id": order.id,
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "status": fulfillment.status,
        "tracking_company": fulfillment.tracking_company,
        "tracking_number": tracking[0] if tracking else None,
        "tracking_numbers": list(tracking),
        "tracking_url": None,
        "tracking_urls": [],
        "updated_at": rest_time(fulfillment.created_at, order),
        "line_items": [
            _line(lines[lid], order, money, qty) for lid, qty in fulfillment.lines
        ],
    }


def render_refund(refund: Refund, order: SandboxOrder) -> Json:
    """Return one refund as Shopify writes it in an order and in `refunds/create`."""
    money = _Money(order)
    lines = {line.id: line for line in order.lines}
    shipping = {s.id: s for s in order.shipping_lines}
    return {
        "id": refund.id,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "created_at": rest_time(refund.created_at, order),
        "note": refund.note,
        "order_id": order.id,
        "processed_at": rest_time(refund.created_at, order),
        "restock": refund.restock,
        "user_id": None,
        "duties": [],
        "total_duties_set": money.bag(Amount(Decimal(0), Decimal(0))),
        "return": None,
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": r.id,
                "quantity": r.quantity,
                "line_item_id": r.line_id,
                "location_id": None,
                "restock_type": r.restock_type,
                "subtotal": money.number(r.subtotal),
                "total_tax": money.number(r.total_tax),
                "subtotal_set": money.bag(r.subtotal),
                "total_tax_set": money.bag(r.total_tax),
                "line_item": _line(lines[r.line_id], order, money),
            }
            for r in refund.lines
        ],
        "refund_shipping_lines": [
            {
                "id": s.id,
                "shipping_line_id": s.shipping_line_id,
                "subtotal_amount_set": money.bag(s.subtotal),
                "tax_amount_set": money.bag(s.tax),
                "shipping_line": _shipping_line(shipping[s.shipping_line_id], money),
            }
            for s in refund.shipping
        ],
        "transactions": [render_transaction(t, order) for t in refund.transactions],
    }


def render_order_transactions(order: SandboxOrder) -> list[Json]:
    """Return the order's transactions as `order_transactions/create` bodies.

    Shopify's `orders/*` webhook bodies carry no `transactions`; a hub learns them
    from these webhooks or from the order's GraphQL `transactions` field.
    """
    return [render_transaction(t, order) for t in order.transactions]


def render_transaction(transaction: Transaction, order: SandboxOrder) -> Json:
    """Return a transaction as REST writes it (amount in presentment currency), the
    body of its `order_transactions/create` webhook."""
    body: Json = {
        "id": transaction.id,
        "admin_graphql_api_id": gid("OrderTransaction", transaction.id),
        "order_id": order.id,
        "kind": transaction.kind,
        "gateway": transaction.gateway,
        "status": transaction.status,
        "message": None,
        "created_at": rest_time(transaction.created_at, order),
        "test": order.test,
        "authorization": transaction.authorization,
        "location_id": None,
        "user_id": None,
        "parent_id": transaction.parent_id,
        "processed_at": rest_time(transaction.created_at, order),
        "device_id": None,
        "error_code": None,
        "source_name": "web",
        "receipt": {},
        "amount": str(
            round_to(transaction.amount.presentment, order.presentment_currency)
        ),
        "currency": order.presentment_currency,
        "payment_id": transaction.payment_id,
        "total_unsettled_set": _unsettled(transaction, order),
        "manual_payment_gateway": transaction.gateway == "manual",
        "amount_rounding": None,
    }
    if transaction.gateway in STRIPE_GATEWAYS:
        body["payment_details"] = _card_details(transaction)
    return body


def _unsettled(transaction: Transaction, order: SandboxOrder) -> Json:
    """What is left to capture on the transaction at this version: an authorization
    less its captures (nothing once voided); nothing for other kinds."""
    left = _ZERO
    if transaction.kind == "authorization":
        children = [t for t in order.transactions if t.parent_id == transaction.id]
        if not any(t.kind == "void" for t in children):
            left = transaction.amount - Amount.total(
                t.amount for t in children if t.kind == "capture"
            )
    return {
        "presentment_money": {
            "amount": str(round_to(left.presentment, order.presentment_currency)),
            "currency": order.presentment_currency,
        },
        "shop_money": {
            "amount": str(round_to(left.shop, order.currency)),
            "currency": order.currency,
        },
    }


def _card_details(transaction: Transaction) -> Json:
    """The card a Stripe-processed payment used, derived from its payment id so the
    same seed gives the same card (all of a payment's transactions name it)."""
    digest = hashlib.blake2b(
        str(transaction.payment_id).encode(), digest_size=4
    ).digest()
    company, method = _CARDS[digest[0] % len(_CARDS)]
    last4 = int.from_bytes(digest[1:], "big") % 10_000
    return {
        "credit_card_bin": None,
        "avs_result_code": None,
        "cvv_result_code": None,
        "credit_card_number": f"•••• •••• •••• {last4:04d}",
        "credit_card_company": company,
        "buyer_action_info": None,
        "credit_card_name": None,
        "credit_card_wallet": None,
        "credit_card_expiration_month": None,
        "credit_card_expiration_year": None,
        "payment_method_name": method,
    }
