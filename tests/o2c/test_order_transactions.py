"""An order joined with the transactions known for it from elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from o2c.money import Money
from o2c.orders import Order, Transaction, TransactionKind, with_transactions
from tests.o2c.order_factory import LineSpec, make_order

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _order() -> Order:
    return make_order(lines=[LineSpec("SKU-1", 1, "10.00")])


def _sale(number: int, *, status: str = "success", minutes: int = 0) -> Transaction:
    return Transaction(
        external_id=f"gid://shopify/OrderTransaction/{number}",
        gateway="stripe",
        kind=TransactionKind.SALE,
        status=status,
        amount=Money.of("10.00", "EUR"),
        created_at=AT + timedelta(minutes=minutes),
        authorization=f"ch_{number}",
    )


def test_known_transactions_join_an_order_that_has_none_by_time_then_id() -> None:
    order = _order()
    later, first, same_time = _sale(30, minutes=5), _sale(20), _sale(9)

    joined = with_transactions(order, [later, first, same_time])

    assert [t.external_id.rsplit("/", 1)[1] for t in joined.transactions] == [
        "9",
        "20",
        "30",
    ]
    assert order.transactions == ()  # the original is untouched


def test_nothing_new_returns_the_same_order() -> None:
    order = with_transactions(_order(), [_sale(1)])
    assert with_transactions(order, [_sale(1)]) is order
    assert with_transactions(order, []) is order


def test_the_orders_own_copy_wins_unless_it_is_pending_and_the_known_one_final() -> (
    None
):
    own = with_transactions(_order(), [_sale(1, status="pending"), _sale(2)])

    joined = with_transactions(
        own, [_sale(1, status="success"), _sale(2, status="pending"), _sale(3)]
    )

    assert [(t.external_id[-1], t.status) for t in joined.transactions] == [
        ("1", "success"),
        ("2", "success"),
        ("3", "success"),
    ]


def test_a_transaction_known_twice_is_added_once() -> None:
    joined = with_transactions(_order(), [_sale(4), _sale(4)])
    assert len(joined.transactions) == 1
