"""Sandbox Shopify GraphQL sources: an order version as a dict of Admin API fields.

`order_source(order)` returns what the executable schema resolves from: every field of
the schema subset under its GraphQL name, connections as plain lists (the resolver pages
them), `__typename` set wherever an interface or union must pick its type.

Where real Shopify is unknown, the sandbox assumes:
- `MoneyV2.amount` is written the way Shopify's Decimal scalar prints (no trailing
  zeros beyond one decimal: "10.0", "29.9", "76184.0"); clients compare numbers;
- a D2C order's `purchasingEntity` is its `Customer`;
- `risk.recommendation` is ACCEPT for LOW, INVESTIGATE for MEDIUM, CANCEL for HIGH.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.sandbox.shopify.lifecycle import (
    financial_status,
    fulfilled_quantity,
    fulfillment_status,
    refunded_quantity,
)
from connectors.sandbox.shopify.pricing import round_to
from connectors.sandbox.shopify.records import (
    ZERO,
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
from connectors.sandbox.shopify.render import gid

Source = dict[str, Any]

_FULFILLMENT = {None: "UNFULFILLED", "partial": "PARTIALLY_FULFILLED"}
_RECOMMENDATION = {"LOW": "ACCEPT", "MEDIUM": "INVESTIGATE", "HIGH": "CANCEL"}
_DISCOUNT_TYPES = {
    "discount_code": "DiscountCodeApplication",
    "manual": "ManualDiscountApplication",
    "automatic": "AutomaticDiscountApplication",
    "script": "ScriptDiscountApplication",
}


def graphql_time(moment: datetime | None) -> str | None:
    """Return a UTC ISO 8601 time ending in Z, as the Admin API writes DateTime."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_text(value: Decimal) -> str:
    """Return a Decimal as Shopify's Decimal scalar prints it ("10.0", "29.99")."""
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


class _Money:
    def __init__(self, order: SandboxOrder):
        self.shop = order.currency
        self.presentment = order.presentment_currency

    def v2(self, amount: Decimal, currency: str) -> Source:
        return {
            "amount": decimal_text(round_to(amount, currency)),
            "currencyCode": currency,
        }

    def bag(self, amount: Amount) -> Source:
        return {
            "shopMoney": self.v2(amount.shop, self.shop),
            "presentmentMoney": self.v2(amount.presentment, self.presentment),
        }


def order_source(order: SandboxOrder) -> Source:
    """Return the order as a GraphQL source dict for the sandbox's executable schema."""
    money = _Money(order)
    applications = [
        _application(a, i, order) for i, a in enumerate(order.discount_applications)
    ]
    lines = {line.id: _line(line, order, money, applications) for line in order.lines}
    shipping = {s.id: _shipping_line(s, money) for s in order.shipping_lines}
    transactions = _transactions(order, money)
    source = _order_fields(order, money)
    source.update(
        lineItems=list(lines.values()),
        shippingLines=list(shipping.values()),
        shippingLine=next(iter(shipping.values()), None),
        discountApplications=applications,
        transactions=list(transactions.values()),
        refunds=[
            _refund(r, money, lines, shipping, transactions) for r in order.refunds
        ],
        fulfillments=[_fulfillment(f, order, lines) for f in order.fulfillments],
        paymentTerms=_payment_terms(order, money),
    )
    return source


def part_gids(order: SandboxOrder) -> list[str]:
    """Return the GIDs of the order's parts that `node(id:)` can reach."""
    return (
        [gid("Refund", r.id) for r in order.refunds]
        + [gid("Fulfillment", f.id) for f in order.fulfillments]
        + [gid("LineItem", line.id) for line in order.lines]
        + [gid("OrderTransaction", t.id) for t in order.transactions]
        + [gid("ShippingLine", s.id) for s in order.shipping_lines]
        + ([gid("PaymentTerms", order.payment_terms.id)] if order.payment_terms else [])
    )


def _order_fields(order: SandboxOrder, money: _Money) -> Source:
    status = financial_status(order)
    collected = Amount.total(
        t.amount for t in order.transactions if t.kind in ("sale", "capture")
    )
    refunded = order.total_refunded
    current = order.total_price - refunded
    outstanding = current - (collected - refunded)
    if outstanding.presentment < 0:
        outstanding = Amount(ZERO, ZERO)
    return {
        "__typename": "Order",
        "id": order.gid,
        "legacyResourceId": str(order.id),
        "name": order.name,
        "createdAt": graphql_time(order.created_at),
        "updatedAt": graphql_time(order.updated_at),
        "processedAt": graphql_time(order.created_at),
        "closedAt": None,
        "closed": False,
        "cancelledAt": graphql_time(order.cancelled_at),
        "cancelReason": order.cancel_reason.upper() if order.cancel_reason else None,
        "currencyCode": order.currency,
        "presentmentCurrencyCode": order.presentment_currency,
        "taxesIncluded": order.taxes_included,
        "email": order.email,
        "phone": order.customer.phone if order.customer else None,
        "note": None,
        "tags": list(order.tags),
        "sourceName": order.source_name,
        "test": order.test,
        "confirmed": True,
        "poNumber": None,
        "customerLocale": "en",
        "displayFinancialStatus": status.upper(),
        "displayFulfillmentStatus": _FULFILLMENT.get(
            fulfillment_status(order), "FULFILLED"
        ),
        "fullyPaid": status in ("paid", "partially_refunded", "refunded"),
        "unpaid": status in ("pending", "authorized", "voided"),
        "paymentGatewayNames": sorted({t.gateway for t in order.transactions}),
        "customer": _customer(order),
        "purchasingEntity": _purchasing_entity(order),
        "billingAddress": _address(order.billing_address, order.id * 10 + 1),
        "shippingAddress": _address(order.shipping_address, order.id * 10 + 2),
        "discountCodes": list(order.discount_codes),
        "discountCode": order.discount_codes[0] if order.discount_codes else None,
        "taxLines": [_tax_line(t, money) for t in order.tax_lines()],
        "totalPriceSet": money.bag(order.total_price),
        "subtotalPriceSet": money.bag(order.subtotal_price),
        "totalDiscountsSet": money.bag(order.total_discounts),
        "totalShippingPriceSet": money.bag(order.total_shipping),
        "totalTaxSet": money.bag(order.total_tax),
        "totalTipReceivedSet": money.bag(Amount(ZERO, ZERO)),
        "originalTotalDutiesSet": None,
        "currentTotalDutiesSet": None,
        "currentTotalPriceSet": money.bag(current),
        "currentSubtotalPriceSet": money.bag(
            order.subtotal_price - _refunded_lines(order)
        ),
        "currentTotalTaxSet": money.bag(order.total_tax - _refunded_tax(order)),
        "currentTotalDiscountsSet": money.bag(order.total_discounts),
        "currentShippingPriceSet": money.bag(
            order.total_shipping - _refunded_shipping(order)
        ),
        "totalRefundedSet": money.bag(refunded),
        "totalReceivedSet": money.bag(collected),
        "netPaymentSet": money.bag(collected - refunded),
        "totalOutstandingSet": money.bag(outstanding),
        "totalCapturableSet": money.bag(_capturable(order)),
        "totalWeight": str(sum(line.grams * line.quantity for line in order.lines)),
        "risk": {
            "recommendation": _RECOMMENDATION[order.risk_level],
            "assessments": [{"riskLevel": order.risk_level, "facts": []}],
        },
    }


def _refunded_lines(order: SandboxOrder) -> Amount:
    return Amount.total(r.subtotal for ref in order.refunds for r in ref.lines)


def _refunded_shipping(order: SandboxOrder) -> Amount:
    return Amount.total(s.subtotal for ref in order.refunds for s in ref.shipping)


def _refunded_tax(order: SandboxOrder) -> Amount:
    lines = Amount.total(r.total_tax for ref in order.refunds for r in ref.lines)
    return lines + Amount.total(s.tax for ref in order.refunds for s in ref.shipping)


def _capturable(order: SandboxOrder) -> Amount:
    ok = [t for t in order.transactions if t.status == "success"]
    closed = {t.parent_id for t in ok if t.kind in ("capture", "void")}
    return Amount.total(
        t.amount for t in ok if t.kind == "authorization" and t.id not in closed
    )


def _tax_line(tax: TaxLine, money: _Money) -> Source:
    return {
        "title": tax.title,
        "rate": float(tax.rate),
        "ratePercentage": float(tax.rate * 100),
        "priceSet": money.bag(tax.amount),
        "channelLiable": tax.channel_liable,
        "source": "Shopify",
    }


def _application(
    application: DiscountApplication, index: int, order: SandboxOrder
) -> Source:
    if application.value_type == "percentage":
        value: Source = {
            "__typename": "PricingPercentageValue",
            "percentage": float(application.value),
        }
    else:
        currency = order.presentment_currency
        value = {
            "__typename": "MoneyV2",
            "amount": decimal_text(round_to(application.value, currency)),
            "currencyCode": currency,
        }
    return {
        "__typename": _DISCOUNT_TYPES[application.kind],
        "index": index,
        "allocationMethod": application.allocation_method.upper(),
        "targetSelection": application.target_selection.upper(),
        "targetType": application.target_type.upper(),
        "value": value,
        "code": application.code,
        "title": application.title,
        "description": application.title,
    }


def _line(
    line: Line, order: SandboxOrder, money: _Money, applications: list[Source]
) -> Source:
    shipped = fulfilled_quantity(order, line.id)
    current = line.quantity - refunded_quantity(order, line.id)
    discounted = line.discounted
    per_unit = Amount(
        round_to(discounted.shop / line.quantity, order.currency),
        round_to(discounted.presentment / line.quantity, order.presentment_currency),
    )
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", line.id),
        "name": line.name,
        "title": line.title,
        "sku": line.sku,
        "variantTitle": line.variant_title,
        "vendor": line.vendor,
        "quantity": line.quantity,
        "currentQuantity": current,
        "unfulfilledQuantity": max(current - shipped, 0),
        "refundableQuantity": current,
        "nonFulfillableQuantity": 0,
        "originalUnitPriceSet": money.bag(line.price),
        "discountedUnitPriceSet": money.bag(per_unit),
        "originalTotalSet": money.bag(line.gross),
        "discountedTotalSet": money.bag(discounted),
        "totalDiscountSet": money.bag(line.total_discount),
        "discountAllocations": [
            {
                "allocatedAmountSet": money.bag(a.amount),
                "discountApplication": applications[a.application_index],
            }
            for a in line.discount_allocations
        ],
        "taxLines": [_tax_line(t, money) for t in line.tax_lines],
        "taxable": line.taxable,
        "requiresShipping": line.requires_shipping,
        "isGiftCard": False,
        "product": {
            "__typename": "Product",
            "id": gid("Product", line.product_id),
            "title": line.title,
            "legacyResourceId": str(line.product_id),
        },
        "variant": {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", line.variant_id),
            "title": line.variant_title or "Default Title",
            "sku": line.sku,
            "legacyResourceId": str(line.variant_id),
        },
        "duties": [],
    }


def _shipping_line(shipping: ShippingLine, money: _Money) -> Source:
    return {
        "__typename": "ShippingLine",
        "id": gid("ShippingLine", shipping.id),
        "title": shipping.title,
        "code": shipping.code,
        "source": shipping.source,
        "carrierIdentifier": None,
        "isRemoved": False,
        "originalPriceSet": money.bag(shipping.price),
        "discountedPriceSet": money.bag(shipping.price),
        "currentDiscountedPriceSet": money.bag(shipping.price),
        "taxLines": [_tax_line(t, money) for t in shipping.tax_lines],
        "discountAllocations": [],
    }


def _transactions(order: SandboxOrder, money: _Money) -> dict[int, Source]:
    sources: dict[int, Source] = {}
    for transaction in order.transactions:
        source = _transaction(transaction, order, money)
        source["parentTransaction"] = sources.get(transaction.parent_id or -1)
        sources[transaction.id] = source
    return sources


def _transaction(
    transaction: Transaction, order: SandboxOrder, money: _Money
) -> Source:
    return {
        "__typename": "OrderTransaction",
        "id": gid("OrderTransaction", transaction.id),
        "kind": transaction.kind.upper(),
        "status": transaction.status.upper(),
        "gateway": transaction.gateway,
        "formattedGateway": transaction.gateway.replace("_", " ").title(),
        "amountSet": money.bag(transaction.amount),
        "createdAt": graphql_time(transaction.created_at),
        "processedAt": graphql_time(transaction.created_at),
        "authorizationCode": transaction.authorization,
        "paymentId": transaction.payment_id,
        "test": order.test,
        "errorCode": None,
        "manualPaymentGateway": transaction.gateway == "manual",
    }


def _refund(
    refund: Refund,
    money: _Money,
    lines: dict[int, Source],
    shipping: dict[int, Source],
    transactions: dict[int, Source],
) -> Source:
    return {
        "__typename": "Refund",
        "id": gid("Refund", refund.id),
        "legacyResourceId": str(refund.id),
        "createdAt": graphql_time(refund.created_at),
        "updatedAt": graphql_time(refund.created_at),
        "note": refund.note,
        "totalRefundedSet": money.bag(refund.total),
        "refundLineItems": [
            {
                "id": gid("RefundLineItem", r.id),
                "lineItem": lines[r.line_id],
                "quantity": r.quantity,
                "restockType": r.restock_type.upper(),
                "restocked": r.restock_type != "no_restock",
                "priceSet": lines[r.line_id]["originalUnitPriceSet"],
                "subtotalSet": money.bag(r.subtotal),
                "totalTaxSet": money.bag(r.total_tax),
            }
            for r in refund.lines
        ],
        "refundShippingLines": [
            {
                "id": gid("RefundShippingLine", s.id),
                "shippingLine": shipping[s.shipping_line_id],
                "subtotalAmountSet": money.bag(s.subtotal),
                "taxAmountSet": money.bag(s.tax),
            }
            for s in refund.shipping
        ],
        "orderAdjustments": [],
        "transactions": [transactions[t.id] for t in refund.transactions],
    }


def _fulfillment(
    fulfillment: Fulfillment, order: SandboxOrder, lines: dict[int, Source]
) -> Source:
    number = order.fulfillments.index(fulfillment) + 1
    return {
        "__typename": "Fulfillment",
        "id": gid("Fulfillment", fulfillment.id),
        "name": f"{order.name}.{number}",
        "status": fulfillment.status.upper(),
        "createdAt": graphql_time(fulfillment.created_at),
        "updatedAt": graphql_time(fulfillment.created_at),
        "totalQuantity": sum(qty for _, qty in fulfillment.lines),
        "trackingInfo": [
            {"company": fulfillment.tracking_company, "number": n, "url": None}
            for n in fulfillment.tracking_numbers
        ],
        "fulfillmentLineItems": [
            {
                "id": gid("FulfillmentLineItem", fulfillment.id * 100 + position),
                "quantity": qty,
                "lineItem": lines[line_id],
            }
            for position, (line_id, qty) in enumerate(fulfillment.lines)
        ],
    }


def _payment_terms(order: SandboxOrder, money: _Money) -> Source | None:
    terms = order.payment_terms
    if terms is None:
        return None
    paid = [t for t in order.transactions if t.kind == "sale"]
    balance = Amount(ZERO, ZERO) if paid else order.total_price
    return {
        "__typename": "PaymentTerms",
        "id": gid("PaymentTerms", terms.id),
        "paymentTermsName": terms.name,
        "paymentTermsType": terms.kind,
        "dueInDays": terms.due_in_days,
        "overdue": False,
        "paymentSchedules": [
            {
                "id": gid("PaymentSchedule", terms.id + 1),
                "issuedAt": graphql_time(terms.issued_at),
                "dueAt": graphql_time(terms.due_at),
                "completedAt": graphql_time(paid[0].created_at) if paid else None,
                "balanceDue": money.v2(balance.shop, order.currency),
                "totalBalance": money.v2(balance.shop, order.currency),
            }
        ],
    }


def _customer(order: SandboxOrder) -> Source | None:
    customer = order.customer
    if customer is None:
        return None
    return {
        "__typename": "Customer",
        "id": gid("Customer", customer.id),
        "legacyResourceId": str(customer.id),
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "displayName": f"{customer.first_name} {customer.last_name}",
        "email": customer.email,
        "phone": customer.phone,
        "defaultEmailAddress": {"emailAddress": customer.email},
        "defaultPhoneNumber": {"phoneNumber": customer.phone}
        if customer.phone
        else None,
    }


def _purchasing_entity(order: SandboxOrder) -> Source | None:
    company = order.company
    if company is None:
        return _customer(order)
    return {
        "__typename": "PurchasingCompany",
        "company": {
            "id": gid("Company", company.id),
            "name": company.name,
            "externalId": company.external_id,
        },
        "location": {
            "id": gid("CompanyLocation", company.location_id),
            "name": company.location_name,
            "externalId": None,
        },
        "contact": {
            "id": gid("CompanyContact", company.contact_id),
            "customer": _customer(order),
        },
    }


def _address(address: Address | None, address_id: int) -> Source | None:
    if address is None:
        return None
    return {
        "id": f"gid://shopify/MailingAddress/{address_id}?model_name=Address",
        "name": address.name,
        "firstName": address.first_name,
        "lastName": address.last_name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "province": address.province,
        "provinceCode": address.province_code,
        "zip": address.zip,
        "country": address.country,
        "countryCodeV2": address.country_code,
        "phone": address.phone,
    }
