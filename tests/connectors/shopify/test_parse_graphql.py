"""GraphQL order nodes parsed into Orders, equal to the same order read from REST."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from connectors.shopify.parse import loads, order_from_graphql, order_from_webhook
from o2c.errors import PayloadError
from o2c.money import Money

PAIR = "pair__order_b2b_eur_usd"


@pytest.fixture
def node(fixture_bytes: Any) -> dict[str, Any]:
    return loads(fixture_bytes(f"{PAIR}.graphql.json"))  # type: ignore[no-any-return]


def test_same_order_from_rest_and_graphql_is_equal(
    fixture_bytes: Any, node: dict[str, Any]
) -> None:
    from_rest = order_from_webhook(fixture_bytes(f"{PAIR}.rest.json"), shop="demo")
    from_graphql = order_from_graphql(node, shop="demo")

    assert from_graphql == from_rest
    assert from_graphql.model_dump(mode="json") == from_rest.model_dump(mode="json")


def test_amounts_get_the_currency_decimals_when_nothing_is_lost(
    node: dict[str, Any],
) -> None:
    order = order_from_graphql(node, shop="demo")

    assert str(order.total.shop.amount) == "32.90"  # "32.9" on the wire
    assert order.lines[0].tax_lines[0].rate == Decimal("0.2")


def test_status_enums_use_the_rest_vocabulary(node: dict[str, Any]) -> None:
    order = order_from_graphql(node, shop="demo")

    assert order.financial_status == "partially_refunded"
    assert order.fulfillment_status == "partial"
    assert order.refunds[0].lines[0].restock_type == "return"
    assert order.fulfillments[0].status == "success"
    assert order.discount_applications[0].value_type == "percentage"
    assert order.discount_applications[0].allocation_method == "across"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("FULFILLED", "fulfilled"), ("ON_HOLD", "unfulfilled"), (None, "unfulfilled")],
)
def test_display_fulfillment_status_maps_onto_rest_values(
    node: dict[str, Any], status: str | None, expected: str
) -> None:
    node["displayFulfillmentStatus"] = status
    assert order_from_graphql(node, shop="demo").fulfillment_status == expected


def test_truncated_connection_is_refused(node: dict[str, Any]) -> None:
    node["refunds"][0]["refundLineItems"]["pageInfo"]["hasNextPage"] = True
    with pytest.raises(PayloadError) as caught:
        order_from_graphql(node, shop="demo")
    assert caught.value.where == "refunds[0].refundLineItems"


def test_fixed_amount_discount_reads_money_value(node: dict[str, Any]) -> None:
    application = node["discountApplications"]["nodes"][0]
    application.update(
        __typename="ManualDiscountApplication",
        title="Loyalty",
        value={"__typename": "MoneyV2", "amount": "5.0", "currencyCode": "USD"},
    )
    del application["code"]
    result = order_from_graphql(node, shop="demo").discount_applications[0]
    assert (result.kind, result.title, result.code) == ("manual", "Loyalty", None)
    assert (result.value, result.value_type) == (Decimal("5.0"), "fixed_amount")


def test_unknown_discount_type_is_refused(node: dict[str, Any]) -> None:
    node["discountApplications"]["nodes"][0]["__typename"] = "FutureDiscount"
    with pytest.raises(PayloadError, match="FutureDiscount"):
        order_from_graphql(node, shop="demo")


def test_nullable_totals_read_as_zero(node: dict[str, Any]) -> None:
    node["totalDiscountsSet"] = None
    order = order_from_graphql(node, shop="demo")
    assert order.totals.discounts.shop == Money.zero("EUR")


def test_risk_assessments_give_the_highest_level(node: dict[str, Any]) -> None:
    node["risk"] = {"assessments": [{"riskLevel": "LOW"}, {"riskLevel": "MEDIUM"}]}
    assert order_from_graphql(node, shop="demo").risk_level == "MEDIUM"


def test_order_without_customer_or_company_has_none(node: dict[str, Any]) -> None:
    bare = copy.deepcopy(node)
    bare.update(customer=None, purchasingEntity=None, email=None)
    assert order_from_graphql(bare, shop="demo").customer is None


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["id"], "gid://shopify/Product/1", "id"),
        (["lineItems", "nodes", 0, "quantity"], 2.5, "lineItems.nodes[0].quantity"),
        (["lineItems"], None, "lineItems"),
        (["totalPriceSet", "shopMoney", "amount"], "NaN", "totalPriceSet"),
        (["refunds", 0, "transactions", "nodes", 0, "kind"], "GIFT", "kind"),
        (["tags"], "b2b", "tags"),
    ],
)
def test_bad_node_fields_raise_payload_error_naming_the_field(
    node: dict[str, Any], path: list[Any], value: Any, where: str
) -> None:
    target: Any = node
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(PayloadError) as caught:
        order_from_graphql(node, shop="demo")
    assert where in str(caught.value)


def test_refunds_are_ordered_by_time_whatever_the_wire_order(
    fixture_bytes: Any, node: dict[str, Any]
) -> None:
    rest = loads(fixture_bytes(f"{PAIR}.rest.json"))
    earlier = copy.deepcopy(rest["refunds"][0])
    earlier.update(id=66000, admin_graphql_api_id="gid://shopify/Refund/66000")
    earlier["created_at"] = "2026-03-03T12:00:00+01:00"
    rest["refunds"].append(earlier)
    later_first = copy.deepcopy(node["refunds"][0])
    later_first.update(
        id="gid://shopify/Refund/66000", createdAt="2026-03-03T11:00:00Z"
    )
    node["refunds"].insert(0, later_first)

    from_rest = order_from_webhook(rest, shop="demo")
    assert [r.external_id for r in from_rest.refunds] == [
        "gid://shopify/Refund/66000",
        "gid://shopify/Refund/66001",
    ]
    assert order_from_graphql(node, shop="demo") == from_rest


def _transaction(number: int) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/OrderTransaction/{number}",
        "gateway": "stripe",
        "kind": "SALE",
        "status": "SUCCESS",
        "createdAt": "2026-01-05T10:00:00Z",
        "authorizationCode": "ch_3Abc",
        "paymentId": "pi_3Abc",
        "parentTransaction": None,
        "amountSet": {
            "shopMoney": {"amount": "10.0", "currencyCode": "EUR"},
            "presentmentMoney": {"amount": "11.0", "currencyCode": "USD"},
        },
    }


def test_order_transactions_are_read_with_their_processor_ids(
    node: dict[str, Any],
) -> None:
    node["transactions"] = [_transaction(1)]

    (transaction,) = order_from_graphql(node, shop="demo").transactions

    assert transaction.external_id == "gid://shopify/OrderTransaction/1"
    assert transaction.amount == Money.of("11.0", "USD")
    assert (transaction.authorization, transaction.payment_reference) == (
        "ch_3Abc",
        "pi_3Abc",
    )


def test_node_filed_before_transactions_were_selected_parses_without_them(
    node: dict[str, Any],
) -> None:
    node.pop("transactions", None)

    assert order_from_graphql(node, shop="demo").transactions == ()


def test_order_with_more_transactions_than_read_is_refused(
    node: dict[str, Any],
) -> None:
    from connectors.shopify.queries import ORDER_TRANSACTIONS_MAX

    node["transactions"] = [_transaction(n) for n in range(ORDER_TRANSACTIONS_MAX + 1)]

    with pytest.raises(PayloadError, match="more than 30 transactions"):
        order_from_graphql(node, shop="demo")
