"""Parse REST-shaped Shopify bodies (webhooks `orders/*`, `refunds/create`) to Orders.

Money is read from the `*_set` bags (`shop_money` / `presentment_money`); a bare
scalar amount is accepted only where the order has one currency (older payloads).
Ids are GIDs: `admin_graphql_api_id` when present, else built from the numeric id
read as text. The vocabulary is shared with `parse_graphql` so that the same order
read from either shape gives an equal `Order`.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.shopify.payload import (
    Obj,
    bag_at,
    in_time_order,
    lower_or_none,
    same_currency,
    to_amount,
    to_money,
    transaction_kind,
)
from o2c.errors import PayloadError
from o2c.ids import shopify_gid
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
_REST_BAG = ("shop_money", "presentment_money", "currency_code")


def rest_order(o: Obj, *, shop: str) -> Order:
    """Return the Order a REST order body describes; raises PayloadError."""
    currency = o.currency("currency")
    shown = (
        o.currency("presentment_currency") if o.has("presentment_currency") else None
    )
    cur = (currency, shown or currency)
    lines = tuple(_line(li, cur) for li in o.objs("line_items"))
    shipping = tuple(
        _shipping_line(s, cur)
        for s in o.opt_objs("shipping_lines")
        if not s.boolean("is_removed", default=False)
    )
    return Order(
        source=shop,
        external_id=o.rest_gid("Order"),
        number=o.string("name"),
        version=o.timestamp("updated_at"),
        created_at=o.timestamp("created_at"),
        currency=cur[0],
        presentment_currency=cur[1],
        taxes_included=o.boolean("taxes_included"),
        customer=_customer(o),
        billing_address=_address(o.opt_obj("billing_address")),
        shipping_address=_address(o.opt_obj("shipping_address")),
        lines=lines,
        shipping_lines=shipping,
        discount_applications=tuple(
            _discount_application(d) for d in o.opt_objs("discount_applications")
        ),
        duties=tuple(_duties(o, cur)),
        refunds=in_time_order(rest_refund(r, cur) for r in o.opt_objs("refunds")),
        fulfillments=in_time_order(_fulfillment(f) for f in o.opt_objs("fulfillments")),
        payment_terms=_payment_terms(o.opt_obj("payment_terms")),
        totals=_totals(o, cur, shipping),
        financial_status=lower_or_none(o.opt_str("financial_status")),
        fulfillment_status=_fulfillment_status(o.opt_str("fulfillment_status")),
        cancellation=_cancellation(o),
        source_name=o.opt_str("source_name"),
        tags=split_tags(o.opt_str("tags")),
    )


def rest_refund(o: Obj, cur: Currencies) -> Refund:
    """Return the Refund a REST refund object describes; raises PayloadError."""
    shipping_lines = o.opt_objs("refund_shipping_lines")
    shipping = None
    if shipping_lines:
        shipping = _sum(
            [_bag(s, "subtotal_amount_set", None, cur) for s in shipping_lines], cur
        )
    return Refund(
        external_id=o.rest_gid("Refund"),
        created_at=o.timestamp("created_at"),
        note=o.text("note"),
        lines=tuple(_refund_line(r, cur) for r in o.opt_objs("refund_line_items")),
        shipping=shipping,
        adjustments=tuple(_adjustment(a, cur) for a in o.opt_objs("order_adjustments")),
        transactions=tuple(_transaction(t, cur) for t in o.opt_objs("transactions")),
    )


def split_tags(tags: str | None) -> tuple[str, ...]:
    """Return REST's comma-separated tags as a sorted tuple (GraphQL gives a list)."""
    if not tags:
        return ()
    return tuple(sorted({t.strip() for t in tags.split(",") if t.strip()}))


# -- money -------------------------------------------------------------------


def _bag(o: Obj, set_key: str, scalar_key: str | None, cur: Currencies) -> MoneyBag:
    """Read a `*_set` money bag; fall back to the scalar for one-currency orders."""
    if o.has(set_key):
        return bag_at(o, set_key, cur, _REST_BAG)
    if scalar_key is not None and o.has(scalar_key) and cur[0] == cur[1]:
        amount = to_money(o.raw(scalar_key), cur[0], o.at(scalar_key))
        return MoneyBag(shop=amount, presentment=amount)
    raise PayloadError("missing money bag", where=o.at(set_key))


def _bag_of(bag: Obj, cur: Currencies) -> MoneyBag:
    """Read an object holding `shop_money` and `presentment_money` at its top."""
    money = MoneyBag(
        shop=bag.obj("shop_money").money("currency_code"),
        presentment=bag.obj("presentment_money").money("currency_code"),
    )
    return same_currency(money, cur, bag)


def _sum(bags: list[MoneyBag], cur: Currencies) -> MoneyBag:
    total = MoneyBag.zero(*cur)
    for bag in bags:
        total = total + bag
    return total


def _rate(o: Obj) -> Decimal:
    """A tax rate as a fraction; REST sends a JSON number (decoded as Decimal)."""
    value = o.raw("rate") if "rate" in o.data else None
    if value is None:
        return Decimal(0)
    if isinstance(value, float):  # a caller decoded with plain json.loads
        return Decimal(repr(value))
    return to_amount(value, o.at("rate"))


def _tax_lines(o: Obj, cur: Currencies) -> tuple[TaxLine, ...]:
    return tuple(
        TaxLine(
            title=t.string("title"),
            rate=_rate(t),
            amount=_bag(t, "price_set", "price", cur),
            channel_liable=t.boolean("channel_liable", default=False),
        )
        for t in o.opt_objs("tax_lines")
    )


def _allocations(o: Obj, cur: Currencies) -> tuple[DiscountAllocation, ...]:
    return tuple(
        DiscountAllocation(
            amount=_bag(a, "amount_set", "amount", cur),
            application_index=a.opt_int("discount_application_index"),
        )
        for a in o.opt_objs("discount_allocations")
    )


# -- parts of the order ------------------------------------------------------


def _line(o: Obj, cur: Currencies) -> OrderLine:
    return OrderLine(
        external_id=o.rest_gid("LineItem"),
        sku=o.text("sku"),
        title=o.string("title"),
        variant_title=o.text("variant_title"),
        product_id=_ref(o, "product_id", "Product"),
        variant_id=_ref(o, "variant_id", "ProductVariant"),
        quantity=o.integer("quantity"),
        unit_price=_bag(o, "price_set", "price", cur),
        taxable=o.boolean("taxable", default=True),
        requires_shipping=o.boolean("requires_shipping", default=True),
        gift_card=o.boolean("gift_card", default=False),
        discount_allocations=_allocations(o, cur),
        tax_lines=_tax_lines(o, cur),
    )


def _ref(o: Obj, key: str, kind: str) -> str | None:
    """A GID for a numeric reference field (`product_id`), None when null."""
    return shopify_gid(kind, o.numeric_id(key)) if o.has(key) else None


def _shipping_line(o: Obj, cur: Currencies) -> ShippingLine:
    return ShippingLine(
        external_id=_ref(o, "id", "ShippingLine"),
        title=o.string("title"),
        code=o.text("code"),
        price=_bag(o, "price_set", "price", cur),
        discount_allocations=_allocations(o, cur),
        tax_lines=_tax_lines(o, cur),
    )


def _discount_application(o: Obj) -> DiscountApplication:
    kind = o.string("type")
    is_code = kind == "discount_code"
    return DiscountApplication(
        kind=kind,
        title=None if is_code else o.text("title"),
        code=o.text("code") if is_code else None,
        value=o.decimal("value"),
        value_type=o.string("value_type"),
        allocation_method=o.string("allocation_method").lower(),
        target_selection=o.string("target_selection").lower(),
        target_type=o.string("target_type").lower(),
    )


def _duties(order: Obj, cur: Currencies) -> list[Duty]:
    """Duties hang off each line item in REST; the order lists them flat."""
    duties = []
    for line in order.objs("line_items"):
        line_id = line.rest_gid("LineItem")
        for d in line.opt_objs("duties"):
            # The documented REST duty carries the two sides at its top level.
            amount = (
                _bag(d, "price_set", None, cur)
                if d.has("price_set")
                else _bag_of(d, cur)
            )
            duties.append(
                Duty(
                    external_id=d.rest_gid("Duty"),
                    line_external_id=line_id,
                    amount=amount,
                    tax_lines=_tax_lines(d, cur),
                )
            )
    return duties


def _refund_line(o: Obj, cur: Currencies) -> RefundLine:
    item = o.opt_obj("line_item")
    if item is not None and item.has("admin_graphql_api_id"):
        line_id = item.gid("admin_graphql_api_id", "LineItem")
    else:
        line_id = shopify_gid("LineItem", o.numeric_id("line_item_id"))
    return RefundLine(
        line_external_id=line_id,
        quantity=o.integer("quantity"),
        subtotal=_bag(o, "subtotal_set", "subtotal", cur),
        total_tax=_bag(o, "total_tax_set", "total_tax", cur),
        restock_type=lower_or_none(o.opt_str("restock_type")),
    )


def _adjustment(o: Obj, cur: Currencies) -> OrderAdjustment:
    reason = o.text("reason")
    return OrderAdjustment(
        kind=o.string("kind"),
        amount=_bag(o, "amount_set", "amount", cur),
        tax_amount=_bag(o, "tax_amount_set", "tax_amount", cur),
        reason=reason.strip().lower().replace(" ", "_") if reason else None,
    )


def _transaction(o: Obj, cur: Currencies) -> Transaction:
    return Transaction(
        external_id=o.rest_gid("OrderTransaction"),
        gateway=o.opt_str("gateway") or "",
        kind=transaction_kind(o),
        status=o.string("status").lower(),
        # REST transactions are in the buyer's currency; `currency` may be null.
        amount=to_money(o.raw("amount"), o.opt_str("currency") or cur[1], o.path),
        created_at=o.opt_timestamp("created_at"),
        parent_id=_ref(o, "parent_id", "OrderTransaction"),
        authorization=o.text("authorization"),
        payment_reference=o.text("payment_id"),
    )


def _fulfillment(o: Obj) -> Fulfillment:
    numbers = o.strs("tracking_numbers")
    if not numbers and o.text("tracking_number"):
        numbers = [o.string("tracking_number")]
    return Fulfillment(
        external_id=o.rest_gid("Fulfillment"),
        status=o.string("status").lower(),
        created_at=o.opt_timestamp("created_at"),
        tracking_numbers=tuple(numbers),
        lines=tuple(
            FulfillmentLine(
                line_external_id=li.rest_gid("LineItem"),
                quantity=li.integer("quantity"),
            )
            for li in o.opt_objs("line_items")
        ),
    )


def _payment_terms(o: Obj | None) -> PaymentTerms | None:
    if o is None:
        return None
    schedules = o.opt_objs("payment_schedules")
    return PaymentTerms(
        name=o.string("payment_terms_name"),
        kind=o.string("payment_terms_type").upper(),
        due_in_days=o.opt_int("due_in_days"),
        due_at=schedules[0].opt_timestamp("due_at") if schedules else None,
    )


def _customer(o: Obj) -> Customer | None:
    person, buyer = o.opt_obj("customer"), o.opt_obj("company")
    company = None
    if buyer is not None:
        company = Company(
            external_id=shopify_gid("Company", buyer.numeric_id("id")),
            location_id=_ref(buyer, "location_id", "CompanyLocation"),
        )
    email = (person.text("email") if person else None) or o.text("email")
    if person is None and company is None and email is None:
        return None
    return Customer(
        external_id=person.rest_gid("Customer") if person else None,
        email=email,
        first_name=person.text("first_name") if person else None,
        last_name=person.text("last_name") if person else None,
        phone=person.text("phone") if person else None,
        company=company,
    )


def _address(o: Obj | None) -> Address | None:
    if o is None:
        return None
    return Address(
        name=o.text("name"),
        company=o.text("company"),
        address1=o.text("address1"),
        address2=o.text("address2"),
        city=o.text("city"),
        province_code=o.text("province_code"),
        zip=o.text("zip"),
        country_code=o.text("country_code"),
        phone=o.text("phone"),
    )


def _totals(o: Obj, cur: Currencies, shipping: tuple[ShippingLine, ...]) -> Totals:
    if o.has("total_shipping_price_set") or cur[0] != cur[1]:
        shipping_total = _bag(o, "total_shipping_price_set", None, cur)
    else:  # older bodies: the shipping lines' prices before discounts
        shipping_total = _sum([s.price for s in shipping], cur)
    return Totals(
        subtotal=_bag(o, "subtotal_price_set", "subtotal_price", cur),
        discounts=_bag(o, "total_discounts_set", "total_discounts", cur),
        shipping=shipping_total,
        tax=_bag(o, "total_tax_set", "total_tax", cur),
        duties=(
            _bag(o, "original_total_duties_set", None, cur)
            if o.has("original_total_duties_set")
            else None
        ),
        tip=_tip(o, cur),
        total=_bag(o, "total_price_set", "total_price", cur),
    )


def _tip(o: Obj, cur: Currencies) -> MoneyBag | None:
    """REST reports tips as one scalar; it is kept only for one-currency orders."""
    if not o.has("total_tip_received") or cur[0] != cur[1]:
        return None
    tip = _bag(o, "total_tip_received_set", "total_tip_received", cur)
    return tip if tip.shop.amount else None


def _fulfillment_status(value: str | None) -> str:
    """REST says null for unfulfilled; the hub says `unfulfilled`."""
    return value.lower() if value else "unfulfilled"


def _cancellation(o: Obj) -> Cancellation | None:
    if not o.has("cancelled_at"):
        return None
    return Cancellation(
        cancelled_at=o.timestamp("cancelled_at"),
        reason=lower_or_none(o.opt_str("cancel_reason")),
    )
