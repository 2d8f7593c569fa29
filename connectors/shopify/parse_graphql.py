"""Parse an Admin GraphQL `Order` node (as `queries.ORDER_NODE` selects it) to an Order.

The vocabulary follows `parse_rest`: enums in lower case as REST writes them, blank
strings as None, tags sorted, a missing fulfillment status as `unfulfilled`. A
connection that reports more pages than were read is refused as truncated.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.shopify.payload import (
    Obj,
    bag_at,
    in_time_order,
    lower_or_none,
    transaction_kind,
)
from connectors.shopify.queries import ORDER_TRANSACTIONS_MAX
from o2c.errors import PayloadError
from o2c.money import MoneyBag
from o2c.orders import (
    Address,
    Cancellation,
    Company,
    Customer,
    DiscountAllocation,
    DiscountApplication,
    Duty,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderAdjustment,
    OrderLine,
    PaymentTerms,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Totals,
    Transaction,
)

Currencies = tuple[str, str]  # (shop, presentment)
_GRAPHQL_BAG = ("shopMoney", "presentmentMoney", "currencyCode")

_DISCOUNT_KINDS = {
    "DiscountCodeApplication": "discount_code",
    "ManualDiscountApplication": "manual",
    "AutomaticDiscountApplication": "automatic",
    "ScriptDiscountApplication": "script",
}

# GraphQL's display statuses mapped onto REST's `fulfillment_status` vocabulary.
_FULFILLMENT_STATUS = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}


def graphql_order(o: Obj, *, shop: str) -> Order:
    """Return the Order a GraphQL order node describes; raises PayloadError."""
    cur = (
        o.string("currencyCode").upper(),
        o.string("presentmentCurrencyCode").upper(),
    )
    return Order(
        source=shop,
        external_id=o.gid("id", "Order"),
        number=o.string("name"),
        version=o.timestamp("updatedAt"),
        created_at=o.timestamp("createdAt"),
        currency=cur[0],
        presentment_currency=cur[1],
        taxes_included=o.boolean("taxesIncluded"),
        customer=_customer(o),
        billing_address=_address(o.opt_obj("billingAddress")),
        shipping_address=_address(o.opt_obj("shippingAddress")),
        lines=tuple(_line(li, cur) for li in nodes(o, "lineItems")),
        shipping_lines=tuple(_shipping_line(s, cur) for s in nodes(o, "shippingLines")),
        discount_applications=tuple(
            _discount_application(d)
            for d in sorted(nodes(o, "discountApplications"), key=_index)
        ),
        duties=tuple(_duties(o, cur)),
        transactions=tuple(_transaction(t, cur) for t in _order_transactions(o)),
        refunds=in_time_order(_refund(r, cur) for r in o.objs("refunds")),
        fulfillments=in_time_order(_fulfillment(f) for f in o.objs("fulfillments")),
        payment_terms=_payment_terms(o.opt_obj("paymentTerms")),
        totals=_totals(o, cur),
        financial_status=lower_or_none(o.opt_str("displayFinancialStatus")),
        fulfillment_status=_FULFILLMENT_STATUS.get(
            o.opt_str("displayFulfillmentStatus") or "", "unfulfilled"
        ),
        risk_level=_risk_level(o.opt_obj("risk")),
        cancellation=_cancellation(o),
        source_name=o.opt_str("sourceName"),
        tags=tuple(sorted({t.strip() for t in o.strs("tags") if t.strip()})),
    )


def nodes(o: Obj, key: str) -> list[Obj]:
    """Return a connection's nodes; raises PayloadError when pages were left unread."""
    connection = o.obj(key)
    page = connection.opt_obj("pageInfo")
    if page is not None and page.boolean("hasNextPage", default=False):
        raise PayloadError(
            "connection truncated: more pages than read", where=o.at(key)
        )
    return connection.objs("nodes")


def _index(o: Obj) -> int:
    return o.integer("index")


# -- money -------------------------------------------------------------------


def _bag(o: Obj, key: str, cur: Currencies) -> MoneyBag:
    return bag_at(o, key, cur, _GRAPHQL_BAG)


def _opt_bag(o: Obj, key: str, cur: Currencies) -> MoneyBag | None:
    return _bag(o, key, cur) if o.has(key) else None


def _sum(bags: list[MoneyBag], cur: Currencies) -> MoneyBag:
    total = MoneyBag.zero(*cur)
    for bag in bags:
        total = total + bag
    return total


def _rate(o: Obj) -> Decimal:
    """`rate` is a fraction (Float, decoded as Decimal); fall back to the percentage."""
    if o.has("rate"):
        return _decimal_number(o, "rate")
    if o.has("ratePercentage"):
        return _decimal_number(o, "ratePercentage") / 100
    return Decimal(0)


def _decimal_number(o: Obj, key: str) -> Decimal:
    value = o.raw(key)
    if isinstance(value, float):  # a caller decoded with plain json.loads
        return Decimal(repr(value))
    return o.decimal(key)


def _tax_lines(o: Obj, cur: Currencies) -> tuple[TaxLine, ...]:
    return tuple(
        TaxLine(
            title=t.string("title"),
            rate=_rate(t),
            amount=_bag(t, "priceSet", cur),
            channel_liable=t.boolean("channelLiable", default=False),
        )
        for t in o.objs("taxLines")
    )


def _allocations(o: Obj, cur: Currencies) -> tuple[DiscountAllocation, ...]:
    return tuple(
        DiscountAllocation(
            amount=_bag(a, "allocatedAmountSet", cur),
            application_index=a.obj("discountApplication").integer("index"),
        )
        for a in o.objs("discountAllocations")
    )


# -- parts of the order ------------------------------------------------------


def _ref(o: Obj, key: str, kind: str) -> str | None:
    """The id of a nested object (`product { id }`), None when the object is null."""
    inner = o.opt_obj(key)
    return inner.gid("id", kind) if inner is not None else None


def _line(o: Obj, cur: Currencies) -> OrderLine:
    return OrderLine(
        external_id=o.gid("id", "LineItem"),
        sku=o.text("sku"),
        title=o.string("title"),
        variant_title=o.text("variantTitle"),
        product_id=_ref(o, "product", "Product"),
        variant_id=_ref(o, "variant", "ProductVariant"),
        quantity=o.integer("quantity"),
        unit_price=_bag(o, "originalUnitPriceSet", cur),
        taxable=o.boolean("taxable", default=True),
        requires_shipping=o.boolean("requiresShipping", default=True),
        gift_card=o.boolean("isGiftCard", default=False),
        discount_allocations=_allocations(o, cur),
        tax_lines=_tax_lines(o, cur),
    )


def _shipping_line(o: Obj, cur: Currencies) -> ShippingLine:
    return ShippingLine(
        external_id=o.gid("id", "ShippingLine") if o.has("id") else None,
        title=o.string("title"),
        code=o.text("code"),
        price=_bag(o, "originalPriceSet", cur),
        discount_allocations=_allocations(o, cur),
        tax_lines=_tax_lines(o, cur),
    )


def _discount_application(o: Obj) -> DiscountApplication:
    typename = o.string("__typename")
    kind = _DISCOUNT_KINDS.get(typename)
    if kind is None:
        raise PayloadError(f"unknown discount type {typename!r}", where=o.path)
    value = o.obj("value")
    if value.has("percentage"):
        amount, value_type = _decimal_number(value, "percentage"), "percentage"
    else:
        amount, value_type = value.decimal("amount"), "fixed_amount"
    is_code = kind == "discount_code"
    return DiscountApplication(
        kind=kind,
        title=None if is_code else o.text("title"),
        code=o.text("code") if is_code else None,
        value=amount,
        value_type=value_type,
        allocation_method=o.string("allocationMethod").lower(),
        target_selection=o.string("targetSelection").lower(),
        target_type=o.string("targetType").lower(),
    )


def _duties(order: Obj, cur: Currencies) -> list[Duty]:
    duties = []
    for line in nodes(order, "lineItems"):
        line_id = line.gid("id", "LineItem")
        for d in line.opt_objs("duties"):
            duties.append(
                Duty(
                    external_id=d.gid("id", "Duty"),
                    line_external_id=line_id,
                    amount=_bag(d, "price", cur),
                    tax_lines=_tax_lines(d, cur),
                )
            )
    return duties


def _refund(o: Obj, cur: Currencies) -> Refund:
    shipping = [
        _bag(s, "subtotalAmountSet", cur) for s in nodes(o, "refundShippingLines")
    ]
    return Refund(
        external_id=o.gid("id", "Refund"),
        created_at=o.timestamp("createdAt"),
        note=o.text("note"),
        lines=tuple(
            RefundLine(
                line_external_id=r.obj("lineItem").gid("id", "LineItem"),
                quantity=r.integer("quantity"),
                subtotal=_bag(r, "subtotalSet", cur),
                total_tax=_bag(r, "totalTaxSet", cur),
                restock_type=lower_or_none(r.opt_str("restockType")),
            )
            for r in nodes(o, "refundLineItems")
        ),
        shipping=_sum(shipping, cur) if shipping else None,
        adjustments=tuple(
            OrderAdjustment(
                # GraphQL lists only discrepancies here; refunded shipping has its
                # own connection.
                kind="refund_discrepancy",
                amount=_bag(a, "amountSet", cur),
                tax_amount=_bag(a, "taxAmountSet", cur),
                reason=lower_or_none(a.opt_str("reason")),
            )
            for a in nodes(o, "orderAdjustments")
        ),
        transactions=tuple(_transaction(t, cur) for t in nodes(o, "transactions")),
    )


def _order_transactions(o: Obj) -> list[Obj]:
    """The order's transactions, a plain list read with one more than the limit.

    Absent from nodes filed before the queries selected them (parsed as none).
    Raises PayloadError for more than were read, which would misstate what was paid.
    """
    listed = o.opt_objs("transactions")
    if len(listed) > ORDER_TRANSACTIONS_MAX:
        raise PayloadError(
            f"order has more than {ORDER_TRANSACTIONS_MAX} transactions, more than "
            "the connector reads",
            where=o.at("transactions"),
        )
    return listed


def _transaction(o: Obj, cur: Currencies) -> Transaction:
    return Transaction(
        external_id=o.gid("id", "OrderTransaction"),
        gateway=o.opt_str("gateway") or "",
        kind=transaction_kind(o),
        status=o.string("status").lower(),
        amount=o.obj("amountSet").obj("presentmentMoney").money("currencyCode"),
        created_at=o.opt_timestamp("createdAt"),
        parent_id=_ref(o, "parentTransaction", "OrderTransaction"),
        authorization=o.text("authorizationCode"),
        payment_reference=o.text("paymentId"),
    )


def _fulfillment(o: Obj) -> Fulfillment:
    numbers = [t.text("number") for t in o.opt_objs("trackingInfo")]
    return Fulfillment(
        external_id=o.gid("id", "Fulfillment"),
        status=o.string("status").lower(),
        created_at=o.opt_timestamp("createdAt"),
        tracking_numbers=tuple(n for n in numbers if n),
        lines=tuple(
            FulfillmentLine(
                line_external_id=f.obj("lineItem").gid("id", "LineItem"),
                quantity=f.opt_int("quantity") or 0,
            )
            for f in nodes(o, "fulfillmentLineItems")
        ),
    )


def _payment_terms(o: Obj | None) -> PaymentTerms | None:
    if o is None:
        return None
    schedules = nodes(o, "paymentSchedules")
    return PaymentTerms(
        name=o.string("paymentTermsName"),
        kind=o.string("paymentTermsType").upper(),
        due_in_days=o.opt_int("dueInDays"),
        due_at=schedules[0].opt_timestamp("dueAt") if schedules else None,
    )


def _customer(o: Obj) -> Customer | None:
    person, buyer = o.opt_obj("customer"), o.opt_obj("purchasingEntity")
    company = None
    if buyer is not None and buyer.opt_str("__typename") == "PurchasingCompany":
        company = Company(
            external_id=buyer.obj("company").gid("id", "Company"),
            location_id=_ref(buyer, "location", "CompanyLocation"),
        )
    email = _nested_text(person, "defaultEmailAddress", "emailAddress") or o.text(
        "email"
    )
    if person is None and company is None and email is None:
        return None
    return Customer(
        external_id=person.gid("id", "Customer") if person else None,
        email=email,
        first_name=person.text("firstName") if person else None,
        last_name=person.text("lastName") if person else None,
        phone=_nested_text(person, "defaultPhoneNumber", "phoneNumber"),
        company=company,
    )


def _nested_text(o: Obj | None, key: str, inner: str) -> str | None:
    nested = o.opt_obj(key) if o is not None else None
    return nested.text(inner) if nested is not None else None


def _address(o: Obj | None) -> Address | None:
    if o is None:
        return None
    return Address(
        name=o.text("name"),
        company=o.text("company"),
        address1=o.text("address1"),
        address2=o.text("address2"),
        city=o.text("city"),
        province_code=o.text("provinceCode"),
        zip=o.text("zip"),
        country_code=o.text("countryCodeV2"),
        phone=o.text("phone"),
    )


def _totals(o: Obj, cur: Currencies) -> Totals:
    zero = MoneyBag.zero(*cur)
    tip = _opt_bag(o, "totalTipReceivedSet", cur)
    return Totals(
        subtotal=_opt_bag(o, "subtotalPriceSet", cur) or zero,
        discounts=_opt_bag(o, "totalDiscountsSet", cur) or zero,
        shipping=_bag(o, "totalShippingPriceSet", cur),
        tax=_opt_bag(o, "totalTaxSet", cur) or zero,
        duties=_opt_bag(o, "originalTotalDutiesSet", cur),
        tip=tip if tip is not None and tip.shop.amount else None,
        total=_bag(o, "totalPriceSet", cur),
    )


def _risk_level(o: Obj | None) -> str | None:
    """The highest assessed risk, when the node was asked for `risk` (see queries)."""
    if o is None:
        return None
    levels = [a.string("riskLevel") for a in o.opt_objs("assessments")]
    for level in ("HIGH", "MEDIUM", "LOW"):
        if level in levels:
            return level
    return None


def _cancellation(o: Obj) -> Cancellation | None:
    if not o.has("cancelledAt"):
        return None
    return Cancellation(
        cancelled_at=o.timestamp("cancelledAt"),
        reason=lower_or_none(o.opt_str("cancelReason")),
    )
