"""Property tests: over generated orders the invoice total is exact, bounded or held."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.invoices import InvoiceDraft, InvoiceOptions, build_invoice
from o2c.money import Money, minor_units, quantum
from o2c.orders import Order
from o2c.taxes import RoundingConfig, fits, predict_document
from tests.o2c.order_factory import LineSpec, ShippingSpec, make_order
from tests.o2c.resolution_memory import MemoryResolver

D = Decimal
RATES = ["0.05", "0.055", "0.07", "0.1", "0.19", "0.2", "0.21"]
CONFIGS = [
    RoundingConfig.for_odoo(version, rounding=rounding)
    for version in (16, 17, 18, 19)
    for rounding in ("round_per_line", "round_globally")
]
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _amount(units: int, currency: str) -> str:
    return str(D(units) * quantum(currency))


@st.composite
def line_specs(draw: st.DrawFn, index: int, currency: str) -> LineSpec:
    quantity = draw(st.integers(1, 12))
    price = draw(st.integers(1, 200_000))
    discount = draw(st.one_of(st.just(0), st.integers(0, quantity * price)))
    rates = draw(st.lists(st.sampled_from(RATES), max_size=2, unique=True))
    return LineSpec(
        sku=f"SKU{index}",
        quantity=quantity,
        price=_amount(price, currency),
        discount=_amount(discount, currency),
        rates=tuple(rates),
    )


@st.composite
def orders(draw: st.DrawFn, offset_units: int = 0) -> Order:
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    count = draw(st.integers(1, 5))
    lines = [draw(line_specs(index, currency)) for index in range(count)]
    if draw(st.booleans()):
        lines.append(LineSpec("GIFT", 1, _amount(2500, currency), gift_card=True))
    shipping = []
    if draw(st.booleans()):
        price = draw(st.integers(0, 5_000))
        shipping.append(
            ShippingSpec(
                price=_amount(price, currency),
                discount=_amount(draw(st.integers(0, price)), currency),
                rates=tuple(draw(st.lists(st.sampled_from(RATES), max_size=1))),
            )
        )
    tip = _amount(draw(st.integers(1, 900)), currency) if draw(st.booleans()) else None
    return make_order(
        lines=lines,
        shipping=shipping,
        currency=currency,
        taxes_included=draw(st.booleans()),
        tip=tip,
        total_offset=_amount(offset_units, currency),
    )


def _resolver() -> MemoryResolver:
    return MemoryResolver(products={f"SKU{i}": f"product:{i}" for i in range(6)})


def _build(order: Order, config: RoundingConfig) -> InvoiceDraft:
    options = InvoiceOptions(rounding=config)
    return build_invoice(order, _resolver(), options, invoice_date=date(2026, 3, 2))


def _assert_lines_are_exact_and_totals_independent(draft: InvoiceDraft) -> None:
    config = draft.rounding
    for line in draft.lines:
        assert fits(line.price_unit, config.price_digits), line
        assert fits(line.quantity, config.quantity_digits), line
    totals = predict_document(
        [line.as_document_line() for line in draft.lines],
        config,
        minor_units(draft.currency),
    )
    assert draft.expected_untaxed.amount == totals.untaxed
    assert draft.expected_tax.amount == totals.tax
    assert draft.expected_total.amount == totals.total
    assert draft.expected_total == draft.expected_untaxed + draft.expected_tax


@PROPERTY
@given(order=orders(), config=st.sampled_from(CONFIGS))
def test_storefront_consistent_orders_are_invoiced_exactly_never_held(
    order: Order, config: RoundingConfig
) -> None:
    draft = _build(order, config)

    _assert_lines_are_exact_and_totals_independent(draft)
    assert draft.hold_reason is None
    assert draft.expected_total == draft.storefront_total == order.total.presentment
    assert abs(draft.adjustment) <= draft.adjustment_bound


@PROPERTY
@given(order=orders(offset_units=5_000), config=st.sampled_from(CONFIGS))
def test_orders_off_by_more_than_the_bound_are_held_never_adjusted(
    order: Order, config: RoundingConfig
) -> None:
    draft = _build(order, config)

    _assert_lines_are_exact_and_totals_independent(draft)
    assert draft.hold_reason == "total_mismatch"
    assert draft.mismatch.amount != 0
    assert not any(line.kind == "adjustment" for line in draft.lines)
    assert draft.adjustment == Money.zero(draft.currency)


@PROPERTY
@given(
    data=st.data(),
    config=st.sampled_from(CONFIGS),
    offset=st.integers(-6, 6),
)
def test_any_difference_is_either_adjusted_within_bound_or_held(
    data: st.DataObject, config: RoundingConfig, offset: int
) -> None:
    order = data.draw(orders(offset_units=offset))

    draft = _build(order, config)

    _assert_lines_are_exact_and_totals_independent(draft)
    if draft.hold_reason is None:
        assert draft.expected_total == draft.storefront_total
        assert abs(draft.adjustment) <= draft.adjustment_bound
    else:
        assert draft.expected_total != draft.storefront_total
        assert abs(draft.mismatch) > draft.adjustment_bound
