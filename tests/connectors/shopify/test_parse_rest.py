"""REST-shaped webhook bodies (`orders/*`, `refunds/create`) parsed into Orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connectors.shopify.parse import loads, order_from_webhook, refund_from_webhook
from o2c.errors import PayloadError
from o2c.money import Money, MoneyBag

ORDER_TOPICS = [
    "orders__create",
    "orders__updated",
    "orders__paid",
    "orders__cancelled",
    "orders__fulfilled",
]


def _bag(body: dict[str, Any], key: str) -> MoneyBag:
    bag = body[key]
    return MoneyBag(
        shop=Money.of(bag["shop_money"]["amount"], bag["shop_money"]["currency_code"]),
        presentment=Money.of(
            bag["presentment_money"]["amount"],
            bag["presentment_money"]["currency_code"],
        ),
    )


@pytest.mark.parametrize("topic", ORDER_TOPICS)
def test_docs_sample_totals_equal_the_payloads(docs_sample: Any, topic: str) -> None:
    body = docs_sample(topic)
    order = order_from_webhook(body, shop="demo")

    assert order.totals.total == _bag(body, "total_price_set")
    assert order.totals.total.shop.amount == Decimal(body["total_price"])
    assert order.totals.subtotal.shop.amount == Decimal(body["subtotal_price"])
    assert order.totals.tax.shop.amount == Decimal(body["total_tax"])
    assert order.totals.discounts.shop.amount == Decimal(body["total_discounts"])
    assert order.totals.shipping == _bag(body, "total_shipping_price_set")
    line_total = sum(
        (line.unit_price.shop.amount * line.quantity for line in order.lines),
        Decimal(0),
    )
    assert line_total == Decimal(body["total_line_items_price"])


@pytest.mark.parametrize("topic", ORDER_TOPICS)
def test_docs_sample_ids_come_from_gids_not_rounded_numbers(
    docs_sample: Any, topic: str
) -> None:
    body = docs_sample(topic)
    order = order_from_webhook(body, shop="demo")

    # The scraped samples round numeric ids above 2**53; the GIDs stay exact.
    assert order.external_id == body["admin_graphql_api_id"]
    assert str(body["id"]) not in order.external_id
    assert [line.external_id for line in order.lines] == [
        item["admin_graphql_api_id"] for item in body["line_items"]
    ]
    assert order.customer is not None
    assert order.customer.external_id == body["customer"]["admin_graphql_api_id"]


def test_docs_sample_order_fields(docs_sample: Any) -> None:
    order = order_from_webhook(docs_sample("orders__cancelled"), shop="demo")

    assert order.source == "demo"
    assert order.number == "#9999"
    assert order.currency == order.presentment_currency == "USD"
    assert order.version.isoformat() == "2022-01-01T00:00:00+00:00"  # -05:00 sent
    assert order.cancellation is not None and order.cancellation.reason == "customer"
    assert order.financial_status == "voided"
    assert order.fulfillment_status == "unfulfilled"
    assert order.tags == ("tag1", "tag2")
    assert order.customer is not None and order.customer.email == "john@example.com"
    assert order.shipping_lines[0].external_id is not None
    assert order.shipping_address is not None
    assert order.shipping_address.province_code == "KY"


def test_raw_bytes_keep_ids_above_2_53_exact(fixture_bytes: Any) -> None:
    raw = fixture_bytes("pair__order_b2b_eur_usd.rest.json")
    order = order_from_webhook(raw, shop="demo")

    assert order.lines[0].external_id == "gid://shopify/LineItem/9007199254740993"
    assert loads(b'{"id": 9007199254740993}')["id"] == 2**53 + 1


def test_gid_is_built_from_the_exact_numeric_id_when_absent(
    fixture_bytes: Any,
) -> None:
    body = loads(fixture_bytes("pair__order_b2b_eur_usd.rest.json"))
    del body["line_items"][0]["admin_graphql_api_id"]
    order = order_from_webhook(body, shop="demo")
    assert order.lines[0].external_id == "gid://shopify/LineItem/9007199254740993"


def test_multi_currency_order_keeps_both_sides(fixture_bytes: Any) -> None:
    order = order_from_webhook(
        fixture_bytes("pair__order_b2b_eur_usd.rest.json"), shop="demo"
    )

    assert (order.currency, order.presentment_currency) == ("EUR", "USD")
    assert order.total.shop == Money.of("32.90", "EUR")
    assert order.total.presentment == Money.of("36.19", "USD")
    assert order.lines[0].tax_lines[0].rate == Decimal("0.2")
    assert order.lines[1].sku is None  # "" in the body
    assert [s.title for s in order.shipping_lines] == ["Standard"]  # removed one gone
    assert order.duties[0].line_external_id == "gid://shopify/LineItem/14001"
    assert order.totals.duties is not None
    assert order.totals.duties.presentment == Money.of("0.55", "USD")
    assert order.discount_applications[0].code == "TEN"
    assert order.customer is not None and order.customer.company is not None
    assert order.customer.company.location_id == "gid://shopify/CompanyLocation/88002"
    assert order.payment_terms is not None
    assert (order.payment_terms.kind, order.payment_terms.due_in_days) == ("NET", 30)
    refund = order.refunds[0]
    assert refund.shipping is not None
    assert refund.shipping.shop == Money.of("4.00", "EUR")
    assert refund.adjustments[0].reason == "refund_discrepancy"
    assert refund.transactions[0].amount == Money.of("17.07", "USD")
    assert order.fulfillments[0].lines[0].quantity == 2


@pytest.mark.parametrize(
    ("name", "key", "total", "tax"),
    [
        ("rest__python_api__order.json", "order", "409.94", "11.94"),
        ("rest__ruby_api_v9__order_with_properties.json", "order", "409.94", "11.94"),
    ],
)
def test_legacy_rest_orders_without_money_bags_use_the_scalars(
    fixture_bytes: Any, name: str, key: str, total: str, tax: str
) -> None:
    body = loads(fixture_bytes(name))[key]
    order = order_from_webhook(body, shop="demo")

    assert order.total.shop == Money.of(total, "USD")
    assert order.totals.tax.shop == Money.of(tax, "USD")
    assert order.external_id == f"gid://shopify/Order/{body['id']}"
    assert all(line.sku is None or line.sku for line in order.lines)


def test_legacy_order_list_entry_without_line_items_is_refused(
    fixture_bytes: Any,
) -> None:
    # The python_api list fixture was trimmed of its line items; a webhook body
    # always has them, so a body without them is truncated.
    body = loads(fixture_bytes("rest__python_api__orders.json"))["orders"][0]
    with pytest.raises(PayloadError) as caught:
        order_from_webhook(body, shop="demo")
    assert caught.value.where == "line_items"


def test_refund_webhook_gives_order_gid_and_refund(docs_sample: Any) -> None:
    body = docs_sample("refunds__create")
    order_gid, refund = refund_from_webhook(body, shop="demo")

    # Built from `order_id` exactly as received (this sample's id was rounded).
    assert order_gid == f"gid://shopify/Order/{body['order_id']}"
    assert refund.external_id == body["admin_graphql_api_id"]
    assert (
        refund.lines[0].line_external_id == "gid://shopify/LineItem/487817672276298554"
    )
    subtotal = sum((r.subtotal.shop.amount for r in refund.lines), Decimal(0))
    assert subtotal == Decimal("414.95")
    assert [t.amount for t in refund.transactions] == [
        Money.of("75.00", "USD"),
        Money.of("10.00", "USD"),
    ]


def test_legacy_refund_without_line_subtotals_is_refused(fixture_bytes: Any) -> None:
    body = loads(fixture_bytes("rest__python_api__refund.json"))["refund"]
    with pytest.raises(PayloadError) as caught:
        refund_from_webhook(body, shop="demo")
    assert caught.value.where is not None


@pytest.mark.parametrize(
    "name",
    ["exemplar__2025-04__orders__1.json", "exemplar__2025-04__refunds__1.json"],
)
def test_anonymized_exemplars_with_placeholders_are_refused(
    fixture_bytes: Any, name: str
) -> None:
    parse = refund_from_webhook if "refunds" in name else order_from_webhook
    with pytest.raises(PayloadError):
        parse(fixture_bytes(name), shop="demo")


def _edit(body: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["line_items"], KeyError, "line_items"),
        (["line_items", 0, "quantity"], "two", "line_items[0].quantity"),
        (["line_items", 0, "price_set", "shop_money", "amount"], "12,50", "amount"),
        (
            ["line_items", 0, "price_set", "shop_money", "currency_code"],
            "GBP",
            "price_set",
        ),
        (["updated_at"], "2026-03-05T09:00:00", "updated_at"),
        (["total_price_set"], [], "total_price_set"),
        (["refunds", 0, "transactions", 0, "kind"], "gift", "kind"),
        (["admin_graphql_api_id"], "https://example.com/", "admin_graphql_api_id"),
        (["currency"], "EURO", "currency"),
        (["customer"], "somebody", "customer"),
    ],
)
def test_bad_fields_raise_payload_error_naming_the_field(
    fixture_bytes: Any, path: list[Any], value: Any, where: str
) -> None:
    body = _edit(loads(fixture_bytes("pair__order_b2b_eur_usd.rest.json")), path, value)
    with pytest.raises(PayloadError) as caught:
        order_from_webhook(body, shop="demo")
    assert where in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'{"id": NaN}', b'{"a": 1', b"\xff\xfe{}", b"null"],
)
def test_bodies_that_are_not_a_json_object_raise_payload_error(raw: bytes) -> None:
    with pytest.raises(PayloadError):
        order_from_webhook(raw, shop="demo")
