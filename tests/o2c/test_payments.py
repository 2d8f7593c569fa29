"""Canonical payments: balance lines add up, payouts check their breakdown, links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from o2c.money import Money, MoneyBag
from o2c.orders import Order, Totals, Transaction, TransactionKind
from o2c.payments import (
    BalanceCategory,
    BalanceTransaction,
    BreakdownStatus,
    Dispute,
    Fee,
    LinkKind,
    LinkSource,
    Payment,
    PaymentLink,
    Payout,
    StorefrontTransaction,
    fees_by_kind,
    links_from_orders,
    links_from_text,
    links_from_transactions,
    payout_problems,
    with_links,
)

WHEN = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def line(
    ident: str,
    kind: str,
    amount: str,
    fee: str = "0",
    *,
    category: str | None = None,
    fees: tuple[Fee, ...] | None = None,
    source: str | None = None,
) -> BalanceTransaction:
    fee_money = eur(fee)
    if fees is None:
        fees = (Fee(kind="stripe_fee", amount=fee_money),) if fee_money else ()
    return BalanceTransaction(
        external_id=ident,
        type=kind,
        reporting_category=category,
        amount=eur(amount),
        fee=fee_money,
        net=eur(amount) - fee_money,
        fees=fees,
        source_id=source,
        created=WHEN,
    )


def payout(amount: str, *lines: BalanceTransaction) -> Payout:
    return Payout(
        external_id="po_1",
        amount=eur(amount),
        status="paid",
        automatic=True,
        created=WHEN,
        arrival_date=WHEN,
        reconciliation_status="completed",
        breakdown=BreakdownStatus.COMPLETE,
        transactions=lines,
    )


def test_balance_transaction_whose_net_is_not_amount_less_fee_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not net"):
        BalanceTransaction(
            external_id="txn_1",
            type="charge",
            amount=eur("10.00"),
            fee=eur("0.59"),
            net=eur("9.42"),
            created=WHEN,
        )


def test_balance_transaction_whose_fee_details_miss_the_fee_is_refused() -> None:
    with pytest.raises(ValidationError, match="fee details"):
        line(
            "txn_1",
            "charge",
            "10.00",
            "0.59",
            fees=(Fee(kind="stripe_fee", amount=eur("0.50")),),
        )


@pytest.mark.parametrize(
    ("kind", "category", "source", "expected"),
    [
        ("charge", "charge", "ch_1", BalanceCategory.RECEIPT),
        ("payment", None, "py_1", BalanceCategory.RECEIPT),
        ("refund", "refund", "re_1", BalanceCategory.REFUND),
        ("adjustment", "dispute", "dp_1", BalanceCategory.DISPUTE),
        ("adjustment", None, "dp_1", BalanceCategory.DISPUTE),
        ("adjustment", "dispute_reversal", "dp_1", BalanceCategory.DISPUTE),
        ("stripe_fee", "fee", None, BalanceCategory.FEE),
        ("payout", "payout", "po_1", BalanceCategory.PAYOUT),
        ("transfer", "transfer", "tr_1", BalanceCategory.OTHER),
    ],
)
def test_balance_line_category_follows_reporting_category_then_type(
    kind: str, category: str | None, source: str, expected: BalanceCategory
) -> None:
    assert (
        line("txn_1", kind, "-1.00", category=category, source=source).category
        == expected
    )


def test_payout_whose_lines_net_to_its_amount_has_no_problem() -> None:
    complete = payout(
        "16.32",
        line("txn_1", "charge", "10.00", "0.59", category="charge"),
        line("txn_2", "charge", "7.00", "0.39", category="charge"),
        line("txn_3", "refund", "0.30", category="refund_failure"),
        line("txn_4", "payout", "-16.32", category="payout"),
    )
    assert complete.lines_net == eur("16.32")
    assert payout_problems(complete) == []


def test_payout_whose_lines_do_not_net_to_its_amount_reports_both_figures() -> None:
    short = payout("20.00", line("txn_1", "charge", "10.00", "0.59"))
    assert payout_problems(short) == [
        "payout po_1: lines net to 9.41 EUR, the payout is 20.00 EUR"
    ]


def test_payout_listing_a_line_twice_reports_it() -> None:
    twice = payout(
        "18.82",
        line("txn_1", "charge", "10.00", "0.59"),
        line("txn_1", "charge", "10.00", "0.59"),
    )
    assert payout_problems(twice) == ["balance transaction txn_1 listed twice"]


def test_manual_payout_is_not_checked_against_lines() -> None:
    manual = payout("5.00").model_copy(
        update={"breakdown": BreakdownStatus.NOT_AVAILABLE, "automatic": False}
    )
    assert payout_problems(manual) == []


def test_fees_are_summed_per_kind_and_fee_lines_count_their_net() -> None:
    vat = (
        Fee(kind="stripe_fee", amount=eur("0.50")),
        Fee(kind="tax", amount=eur("0.10")),
    )
    totals = fees_by_kind(
        [
            line("txn_1", "charge", "10.00", "0.60", fees=vat),
            line("txn_2", "charge", "5.00", "0.45"),
            line("txn_3", "stripe_fee", "-0.12", category="fee"),
        ]
    )
    assert totals == {"stripe_fee": eur("1.07"), "tax": eur("0.10")}
    assert list(totals) == ["stripe_fee", "tax"]


def test_dispute_reports_withdrawn_reinstated_and_net_fee() -> None:
    dispute = Dispute(
        external_id="dp_1",
        amount=eur("10.00"),
        status="won",
        created=WHEN,
        balance_transactions=(
            line("txn_1", "adjustment", "-10.00", "15.00", category="dispute"),
            line("txn_2", "adjustment", "10.00", "-15.00", category="dispute_reversal"),
        ),
    )
    assert dispute.withdrawn == eur("10.00")
    assert dispute.reinstated == eur("10.00")
    assert dispute.fees == eur("0.00")


def test_links_come_from_metadata_then_description() -> None:
    links = links_from_text(
        {"order_number": "#1001", "invoice_number": "INV/2026/0042"},
        "Order #1001 for ACME, invoice INV/2026/0042",
    )
    assert links == (
        PaymentLink(kind=LinkKind.ORDER, value="#1001", via=LinkSource.METADATA),
        PaymentLink(
            kind=LinkKind.INVOICE, value="INV/2026/0042", via=LinkSource.METADATA
        ),
        PaymentLink(kind=LinkKind.ORDER, value="#1001", via=LinkSource.DESCRIPTION),
        PaymentLink(
            kind=LinkKind.INVOICE, value="INV/2026/0042", via=LinkSource.DESCRIPTION
        ),
    )


def test_description_without_an_order_gives_no_link() -> None:
    assert links_from_text({}, "Subscription creation") == ()


def _order(gid: str, authorization: str | None) -> Order:
    zero = MoneyBag.single(eur("0"))
    return Order(
        source="shop",
        external_id=gid,
        number="#1",
        version=WHEN,
        created_at=WHEN,
        currency="EUR",
        presentment_currency="EUR",
        taxes_included=True,
        transactions=(
            Transaction(
                external_id="1",
                gateway="stripe",
                kind=TransactionKind.SALE,
                status="success",
                amount=eur("10.00"),
                authorization=authorization,
            ),
        ),
        totals=Totals(
            subtotal=zero, discounts=zero, shipping=zero, tax=zero, total=zero
        ),
    )


def test_order_whose_transaction_names_the_payment_intent_is_linked() -> None:
    payment = Payment(
        external_id="ch_1",
        payment_intent_id="pi_1",
        amount=eur("10.00"),
        amount_refunded=eur("0"),
        status="succeeded",
        created=WHEN,
    )
    orders = [
        _order("gid://shopify/Order/1", "pi_9"),
        _order("gid://shopify/Order/2", "pi_1"),
    ]
    assert links_from_orders(payment, orders) == (
        PaymentLink(
            kind=LinkKind.ORDER,
            value="gid://shopify/Order/2",
            via=LinkSource.STOREFRONT_TRANSACTION,
        ),
    )


def _storefront(
    order: str,
    *,
    authorization: str | None = None,
    payment_reference: str | None = None,
    kind: TransactionKind = TransactionKind.SALE,
) -> StorefrontTransaction:
    return StorefrontTransaction(
        source="shop",
        order_external_id=order,
        transaction=Transaction(
            external_id=f"gid://shopify/OrderTransaction/{order[-1]}{kind.value}",
            gateway="stripe",
            kind=kind,
            status="success",
            amount=eur("10.00"),
            authorization=authorization,
            payment_reference=payment_reference,
        ),
    )


CHARGE = Payment(
    external_id="ch_1",
    payment_intent_id="pi_1",
    amount=eur("10.00"),
    amount_refunded=eur("0"),
    status="succeeded",
    created=WHEN,
    links=(PaymentLink(kind=LinkKind.ORDER, value="#1001", via=LinkSource.METADATA),),
)


def _order_link(order: str) -> PaymentLink:
    return PaymentLink(
        kind=LinkKind.ORDER, value=order, via=LinkSource.STOREFRONT_TRANSACTION
    )


def test_transactions_naming_the_charge_or_the_intent_link_their_orders_once() -> None:
    found = [
        _storefront("gid://shopify/Order/2", payment_reference="pi_1"),
        _storefront("gid://shopify/Order/1", authorization="ch_1"),
        _storefront(
            "gid://shopify/Order/1", authorization="ch_1", kind=TransactionKind.REFUND
        ),
        _storefront("gid://shopify/Order/3", authorization="ch_9"),
    ]
    assert links_from_transactions(CHARGE, found) == (
        _order_link("gid://shopify/Order/1"),
        _order_link("gid://shopify/Order/2"),
    )


def test_storefront_transaction_references_skip_what_it_did_not_record() -> None:
    both = _storefront("gid://shopify/Order/1", authorization="ch_1")
    assert both.references == ("ch_1",)
    same = _storefront(
        "gid://shopify/Order/1", authorization="pi_1", payment_reference="pi_1"
    )
    assert same.references == ("pi_1",)


def test_adding_links_a_payment_already_has_returns_the_same_payment() -> None:
    linked = with_links(CHARGE, [_order_link("gid://shopify/Order/1")])
    assert with_links(linked, [_order_link("gid://shopify/Order/1")]) is linked
    assert with_links(CHARGE, list(CHARGE.links)) is CHARGE
    assert linked.links[0] == CHARGE.links[0]


@given(
    st.permutations(
        ["gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/3"]
    ),
    st.integers(min_value=1, max_value=3),
)
def test_links_added_in_any_order_and_grouping_give_the_same_payment(
    orders: list[str], split: int
) -> None:
    one_by_one = CHARGE
    for order in orders:
        one_by_one = with_links(one_by_one, [_order_link(order)])
    in_two = with_links(
        with_links(CHARGE, [_order_link(o) for o in orders[:split]]),
        [_order_link(o) for o in orders[split:]],
    )
    everything = with_links(CHARGE, [_order_link(o) for o in sorted(orders)])
    assert one_by_one == in_two == everything
    assert one_by_one.links[0].via == LinkSource.METADATA


def test_earlier_payout_returned_to_the_balance_is_carried_by_the_next_payout() -> None:
    returned = line(
        "txn_back", "payout_failure", "50.00", category="payout_reversal", source="po_0"
    )
    charge = line("txn_c", "charge", "20.00", "0.88")
    own = line("txn_po", "payout", "-69.12", category="payout", source="po_1")
    carried = payout("69.12", charge, returned, own)

    assert carried.lines == (charge, returned)
    assert payout_problems(carried) == []
