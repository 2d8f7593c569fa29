"""The GraphQL parser's fast path (money bags in the common shape read without
field paths, amounts built without checking again) gives the Orders that the
careful path and the model's own validation give, to the byte."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.sandbox.shopify import generate_orders, render_graphql
from connectors.shopify import payload
from connectors.shopify.parse import order_from_graphql
from connectors.shopify.payload import Obj, bag_at, to_money
from o2c.errors import PayloadError
from o2c.money import MoneyBag
from o2c.orders import Order

SHOP = "acme"
_GRAPHQL_BAG = ("shopMoney", "presentmentMoney", "currencyCode")


def _careful(node: dict[str, Any]) -> Order:
    """Parse with every money bag read by the careful path, caches emptied."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payload, "_plain_bag", lambda *args: None)
        patch.setattr(payload, "_MONEY_SEEN", {})
        return order_from_graphql(node, shop=SHOP)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
)
def test_fast_and_careful_paths_give_equal_orders_with_equal_json(
    seed: int, currency: str
) -> None:
    orders = generate_orders(
        6,
        seed=seed,
        shop_domain="acme.myshopify.com",
        currency=currency,
        start=datetime(2026, 3, 1, tzinfo=UTC),
    )
    for node in map(render_graphql, orders):
        fast = order_from_graphql(node, shop=SHOP)
        careful = _careful(node)
        validated = Order.model_validate_json(fast.model_dump_json())

        assert fast == careful == validated
        assert fast.model_dump_json() == careful.model_dump_json()
        assert validated.model_dump_json() == fast.model_dump_json()


_AMOUNTS = st.decimals(
    min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=4
).map(str)


@given(
    shop_amount=_AMOUNTS,
    shown_amount=_AMOUNTS,
    codes=st.tuples(
        st.sampled_from(["EUR", "JPY", "KWD", "CLF"]),
        st.sampled_from(["USD", "JPY", "BHD"]),
    ),
)
def test_a_plain_bag_is_read_as_two_validated_amounts(
    shop_amount: str, shown_amount: str, codes: tuple[str, str]
) -> None:
    raw = {
        "shopMoney": {"amount": shop_amount, "currencyCode": codes[0]},
        "presentmentMoney": {"amount": shown_amount, "currencyCode": codes[1]},
    }

    bag = bag_at(Obj({"price": raw}), "price", codes, _GRAPHQL_BAG)

    expected = MoneyBag(
        shop=to_money(shop_amount, codes[0], "price.shopMoney"),
        presentment=to_money(shown_amount, codes[1], "price.presentmentMoney"),
    )
    assert bag == expected
    assert str(bag.shop.amount) == str(expected.shop.amount)
    assert str(bag.presentment.amount) == str(expected.presentment.amount)


@pytest.mark.parametrize(
    ("shop_money", "message"),
    [
        ({"amount": "1e999", "currencyCode": "EUR"}, "price.shopMoney.amount"),
        ({"amount": "ten", "currencyCode": "EUR"}, "price.shopMoney.amount"),
        ({"amount": "1.00", "currencyCode": "USD"}, "money in USD/USD"),
        ({"amount": 1.5, "currencyCode": "EUR"}, "price.shopMoney.amount"),
    ],
)
def test_a_bag_off_the_fast_path_is_refused_naming_the_field(
    shop_money: dict[str, Any], message: str
) -> None:
    raw = {
        "shopMoney": shop_money,
        "presentmentMoney": {"amount": "1.00", "currencyCode": "USD"},
    }

    with pytest.raises(PayloadError, match=message.replace(".", r"\.")):
        bag_at(Obj({"price": raw}), "price", ("EUR", "USD"), _GRAPHQL_BAG)
