"""Credit notes: partial refunds, refunded shipping, cancellations after invoicing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.credit_notes import (
    build_cancellation_credit_note,
    build_credit_note,
    cancellation_key,
    credit_note_key,
)
from o2c.errors import PayloadError
from o2c.invoices import InvoiceOptions, build_invoice
from o2c.money import Money, MoneyBag
from o2c.orders import (
    Order,
    OrderAdjustment,
    Refund,
    RefundLine,
    Transaction,
    TransactionKind,
)
from tests.o2c.order_factory import (
    CREATED,
    LineSpec,
    ShippingSpec,
    line_net,
    make_order,
)
from tests.o2c.resolution_memory import MemoryResolver

D = Decimal
DAY = date(2026, 3, 9)
OPTIONS = InvoiceOptions()


def resolver() -> MemoryResolver:
    return MemoryResolver(products={"MUG": "product:mug", "TEE": "product:tee"})


def eur(amount: str) -> MoneyBag:
    return MoneyBag.single(Money.of(amount, "EUR"))


def refund_lines(order: Order, quantities: dict[int, int]) -> tuple[RefundLine, ...]:
    """Refund lines pro rata of each order line's net amount and tax."""
    rows = []
    for index, quantity in quantities.items():
        line = order.lines[index]
        share = D(quantity) / D(line.quantity)
        net = line_net(line).shop
        tax = Money.total((t.amount.shop for t in line.tax_lines), "EUR")
        rows.append(
            RefundLine(
                line_external_id=line.external_id,
                quantity=quantity,
                subtotal=MoneyBag.single((net * share).rounded()),
                total_tax=MoneyBag.single((tax * share).rounded()),
            )
        )
    return tuple(rows)


def refund(order: Order, quantities: dict[int, int], **fields: object) -> Refund:
    return Refund(
        external_id="gid://shopify/Refund/509562969",
        created_at=CREATED,
        lines=refund_lines(order, quantities),
        **fields,  # type: ignore[arg-type]
    )


def base_order(**fields: object) -> Order:
    return make_order(
        lines=[
            LineSpec("MUG", 3, "12.50"),
            LineSpec("TEE", 2, "20.00", discount="3.00"),
        ],
        shipping=[ShippingSpec("6.00")],
        **fields,  # type: ignore[arg-type]
    )


def test_partial_refund_credits_the_refunded_quantity_with_tax() -> None:
    order = base_order()
    one_mug = refund(order, {0: 1})

    note = build_credit_note(order, one_mug, resolver(), OPTIONS, credit_date=DAY)

    assert [
        (ln.kind, ln.product_ref, ln.quantity, ln.price_unit) for ln in note.lines
    ] == [("product", "product:mug", D(1), D("12.5"))]
    assert note.expected_untaxed == Money.of("12.50", "EUR")
    assert note.expected_tax == Money.of("2.50", "EUR")
    assert note.expected_total == note.storefront_total == Money.of("15.00", "EUR")
    assert note.reason == "refund"
    assert note.invoice_key == "o2c_hub.invoice.myshop.1001"
    assert note.idempotency_key == "o2c_hub.credit_note.myshop.509562969"


def test_partial_refund_of_a_discounted_line_credits_the_net_amount() -> None:
    order = base_order()
    one_tee = refund(order, {1: 1})

    note = build_credit_note(order, one_tee, resolver(), OPTIONS, credit_date=DAY)

    # 2 x 20.00 - 3.00 = 37.00 net; one unit gives back 18.50 + 3.70 tax.
    assert [(ln.quantity, ln.price_unit) for ln in note.lines] == [(D(1), D("18.5"))]
    assert note.expected_total == Money.of("22.20", "EUR")
    assert note.hold_reason is None


def test_refunded_shipping_adjustment_is_credited_on_the_shipping_product() -> None:
    order = base_order()
    shipping_back = OrderAdjustment(
        kind="shipping_refund", amount=eur("-6.00"), tax_amount=eur("-1.20")
    )
    note = build_credit_note(
        order,
        refund(order, {0: 1}, adjustments=(shipping_back,)),
        resolver(),
        OPTIONS,
        credit_date=DAY,
    )

    shipping = [ln for ln in note.lines if ln.kind == "shipping"]
    assert [(ln.product_ref, ln.price_unit) for ln in shipping] == [
        ("product:shipping", D(6))
    ]
    assert note.expected_total == note.storefront_total == Money.of("22.20", "EUR")


def test_refunded_shipping_reported_on_the_refund_takes_its_share_of_shipping_tax() -> (
    None
):
    order = base_order()

    note = build_credit_note(
        order,
        refund(order, {}, shipping=eur("3.00")),
        resolver(),
        OPTIONS,
        credit_date=DAY,
    )

    assert note.expected_total == note.storefront_total == Money.of("3.60", "EUR")


def test_refund_discrepancy_goes_to_the_refund_adjustment_account() -> None:
    order = base_order()
    goodwill = OrderAdjustment(
        kind="refund_discrepancy",
        amount=eur("-5.00"),
        tax_amount=eur("0"),
        reason="damage",
    )

    note = build_credit_note(
        order,
        refund(order, {0: 1}, adjustments=(goodwill,)),
        resolver(),
        OPTIONS,
        credit_date=DAY,
    )

    extra = [ln for ln in note.lines if ln.account_ref == "account:refund-adjustment"]
    assert [(ln.price_unit, ln.taxes) for ln in extra] == [(D(5), ())]
    assert note.expected_total == Money.of("20.00", "EUR")


def test_refund_total_is_what_the_transactions_moved_and_a_gap_holds() -> None:
    order = base_order()
    paid_back = Transaction(
        external_id="t1",
        gateway="stripe",
        kind=TransactionKind.REFUND,
        status="success",
        amount=Money.of("16.00", "EUR"),
    )

    note = build_credit_note(
        order,
        refund(order, {0: 1}, transactions=(paid_back,)),
        resolver(),
        OPTIONS,
        credit_date=DAY,
    )

    assert note.storefront_total == Money.of("16.00", "EUR")
    assert note.hold_reason == "total_mismatch"


def test_refund_naming_an_unknown_line_is_a_payload_error() -> None:
    order = base_order()
    stray = Refund(
        external_id="gid://shopify/Refund/1",
        created_at=CREATED,
        lines=(
            RefundLine(
                line_external_id="gid://shopify/LineItem/999",
                quantity=1,
                subtotal=eur("1.00"),
                total_tax=eur("0"),
            ),
        ),
    )

    with pytest.raises(PayloadError, match="LineItem/999"):
        build_credit_note(order, stray, resolver(), OPTIONS, credit_date=DAY)


@pytest.mark.parametrize("taxes_included", [False, True])
def test_cancellation_after_invoicing_gives_a_full_credit_note(
    taxes_included: bool,
) -> None:
    order = base_order(cancelled=True, taxes_included=taxes_included)
    invoice = build_invoice(order, resolver(), OPTIONS, invoice_date=DAY)

    note = build_cancellation_credit_note(order, resolver(), OPTIONS, credit_date=DAY)

    assert note.reason == "cancellation"
    assert (
        note.idempotency_key
        == cancellation_key(order)
        == ("o2c_hub.credit_note.myshop.1001-cancel")
    )
    assert note.expected_total == invoice.expected_total == note.storefront_total
    assert [(ln.kind, ln.quantity, ln.price_unit) for ln in note.lines] == [
        (ln.kind, ln.quantity, ln.price_unit) for ln in invoice.lines
    ]


def test_cancellation_after_a_partial_refund_credits_only_the_rest() -> None:
    first = base_order()
    order = base_order(cancelled=True, refunds=[refund(first, {0: 1})])
    invoice = build_invoice(order, resolver(), OPTIONS, invoice_date=DAY)
    credited = build_credit_note(
        order, order.refunds[0], resolver(), OPTIONS, credit_date=DAY
    )

    note = build_cancellation_credit_note(order, resolver(), OPTIONS, credit_date=DAY)

    mugs = [ln for ln in note.lines if ln.product_ref == "product:mug"]
    assert [ln.quantity for ln in mugs] == [D(2)]
    assert note.expected_total == invoice.expected_total - credited.expected_total
    assert note.hold_reason is None


def test_credit_note_key_accepts_plain_refund_ids() -> None:
    order = base_order()

    assert credit_note_key(order, "77") == "o2c_hub.credit_note.myshop.77"
