"""The pipeline's decisions: transitions, commands, holds, cancellations, retries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from o2c.commands import (
    CreateCreditNote,
    CreateInvoice,
    PlaceHold,
    RegisterPayment,
    ReleaseHold,
)
from o2c.money import Money, MoneyBag
from o2c.orders import (
    Fulfillment,
    FulfillmentLine,
    Order,
    Refund,
    RefundLine,
    Transaction,
    TransactionKind,
)
from o2c.pipeline import Decision, Facts, PipelinePolicy, PipelineState, Stage, decide
from tests.o2c.order_factory import CREATED, LineSpec, ShippingSpec, make_order
from tests.o2c.resolution_memory import MemoryResolver

D = Decimal
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def facts(**fields: object) -> Facts:
    resolver = fields.pop("resolver", None) or MemoryResolver(
        products={"MUG": "product:mug", "TEE": "product:tee"}
    )
    return Facts(now=NOW, resolver=resolver, **fields)  # type: ignore[arg-type]


def order(**fields: object) -> Order:
    return make_order(
        lines=[LineSpec("MUG", 2, "12.50"), LineSpec("TEE", 1, "20.00")],
        shipping=[ShippingSpec("5.00")],
        **fields,  # type: ignore[arg-type]
    )


def kinds(decision: Decision) -> list[str]:
    return [command.kind for command in decision.commands]


def keys(decision: Decision) -> list[str]:
    return [command.idempotency_key for command in decision.commands]


def shipped(base: Order) -> list[Fulfillment]:
    return [
        Fulfillment(
            external_id="f1",
            status="success",
            lines=tuple(
                FulfillmentLine(
                    line_external_id=line.external_id, quantity=line.quantity
                )
                for line in base.lines
            ),
        )
    ]


def captured(
    amount: str, external_id: str = "gid://shopify/OrderTransaction/55"
) -> list[Transaction]:
    return [
        Transaction(
            external_id=external_id,
            gateway="shopify_payments",
            kind=TransactionKind.SALE,
            status="success",
            amount=Money.of(amount, "EUR"),
            created_at=CREATED,
        )
    ]


# -- invoice policies ------------------------------------------------------------


def test_invoice_on_order_invoices_then_hands_off_at_once() -> None:
    decision = decide(
        order(), PipelineState(), PipelinePolicy(invoice_on="order"), facts()
    )

    assert kinds(decision) == ["create_invoice", "hand_off_fulfillment"]
    assert keys(decision) == [
        "o2c_hub.invoice.myshop.1001",
        "o2c_hub.fulfillment.myshop.1001",
    ]
    assert decision.next_state.stage == Stage.INVOICED
    invoice = decision.commands[0]
    assert isinstance(invoice, CreateInvoice)
    assert invoice.draft.expected_total == Money.of("60.00", "EUR")


def test_invoice_on_fulfillment_waits_for_every_line_to_ship() -> None:
    policy = PipelinePolicy(invoice_on="fulfillment")
    first = decide(order(), PipelineState(), policy, facts())
    base = order()
    second = decide(
        order(fulfillments=shipped(base)), first.next_state, policy, facts()
    )

    assert kinds(first) == ["hand_off_fulfillment"]
    assert first.next_state.stage == Stage.RELEASED
    assert kinds(second) == ["create_invoice"]
    assert second.next_state.stage == Stage.INVOICED
    assert second.next_state.fulfilled


def test_partial_fulfillment_does_not_invoice_on_fulfillment() -> None:
    policy = PipelinePolicy(invoice_on="fulfillment")
    base = order()
    partial = [
        Fulfillment(
            external_id="f1",
            status="success",
            lines=(
                FulfillmentLine(line_external_id=base.lines[0].external_id, quantity=2),
            ),
        )
    ]

    decision = decide(order(fulfillments=partial), PipelineState(), policy, facts())

    assert kinds(decision) == ["hand_off_fulfillment"]
    assert decision.next_state.stage == Stage.RELEASED


def test_invoice_on_payment_invoices_and_registers_the_payment() -> None:
    policy = PipelinePolicy(invoice_on="payment")
    unpaid = decide(order(), PipelineState(), policy, facts())
    paid = decide(
        order(transactions=captured("60.00")), unpaid.next_state, policy, facts()
    )

    assert kinds(unpaid) == ["hand_off_fulfillment"]
    assert kinds(paid) == ["create_invoice", "register_payment"]
    payment = paid.commands[1]
    assert isinstance(payment, RegisterPayment)
    assert payment.idempotency_key == "o2c_hub.payment.myshop.55"
    assert payment.invoice_key == "o2c_hub.invoice.myshop.1001"
    assert payment.amount == Money.of("60.00", "EUR")
    assert paid.next_state.stage == Stage.PAID


def test_paid_and_fulfilled_invoiced_order_is_closed() -> None:
    base = order()
    done = order(fulfillments=shipped(base), transactions=captured("60.00"))

    decision = decide(done, PipelineState(), PipelinePolicy(), facts())

    assert kinds(decision) == [
        "create_invoice",
        "hand_off_fulfillment",
        "register_payment",
    ]
    assert decision.next_state.stage == Stage.CLOSED


# -- holds -----------------------------------------------------------------------


def test_high_risk_order_is_held_before_anything_else() -> None:
    decision = decide(
        order(risk_level="HIGH"), PipelineState(), PipelinePolicy(), facts()
    )

    assert kinds(decision) == ["place_hold"]
    hold = decision.commands[0]
    assert isinstance(hold, PlaceHold)
    assert hold.reasons == ("risk",)
    assert hold.idempotency_key == "o2c_hub.hold.myshop.1001-risk"
    assert decision.next_state.stage == Stage.ON_HOLD


def test_held_order_stays_held_without_new_commands_until_released() -> None:
    held = decide(order(risk_level="HIGH"), PipelineState(), PipelinePolicy(), facts())

    again = decide(order(risk_level="HIGH"), held.next_state, PipelinePolicy(), facts())

    assert kinds(again) == []
    assert again.next_state == held.next_state


def test_operator_release_lifts_the_hold_and_the_order_proceeds() -> None:
    held = decide(order(risk_level="HIGH"), PipelineState(), PipelinePolicy(), facts())

    released = decide(
        order(risk_level="HIGH"),
        held.next_state,
        PipelinePolicy(),
        facts(releases=("risk",)),
    )
    later = decide(
        order(risk_level="HIGH"), released.next_state, PipelinePolicy(), facts()
    )

    assert kinds(released) == ["release_hold", "create_invoice", "hand_off_fulfillment"]
    release = released.commands[0]
    assert isinstance(release, ReleaseHold) and release.reasons == ("risk",)
    assert released.next_state.stage == Stage.INVOICED
    assert kinds(later) == []


def test_risk_levels_that_hold_are_policy() -> None:
    lenient = PipelinePolicy(hold_risk_levels=())

    decision = decide(order(risk_level="HIGH"), PipelineState(), lenient, facts())

    assert "place_hold" not in kinds(decision)


def test_credit_limit_and_overdue_hold_with_their_reasons() -> None:
    decision = decide(
        order(),
        PipelineState(),
        PipelinePolicy(),
        facts(credit_exceeded=True, overdue=True),
    )

    hold = decision.commands[0]
    assert isinstance(hold, PlaceHold) and hold.reasons == ("credit", "overdue")


def test_unmapped_sku_holds_and_clears_once_mapped() -> None:
    unmapped = MemoryResolver(products={"MUG": "product:mug"})
    held = decide(order(), PipelineState(), PipelinePolicy(), facts(resolver=unmapped))

    fixed = decide(order(), held.next_state, PipelinePolicy(), facts())

    hold = held.commands[0]
    assert isinstance(hold, PlaceHold) and hold.reasons == ("unmapped",)
    assert hold.detail is not None and "TEE" in hold.detail
    assert held.next_state.invoice_key is None
    assert kinds(fixed) == ["release_hold", "create_invoice", "hand_off_fulfillment"]


def test_total_mismatch_beyond_bound_holds_the_order() -> None:
    decision = decide(
        order(total_offset="1.00"), PipelineState(), PipelinePolicy(), facts()
    )

    hold = decision.commands[0]
    assert isinstance(hold, PlaceHold) and hold.reasons == ("total_mismatch",)
    assert hold.detail is not None and "61.00 EUR" in hold.detail
    assert decision.next_state.stage == Stage.ON_HOLD


# -- cancellations and refunds ----------------------------------------------------


def test_cancellation_before_invoicing_cancels_without_documents() -> None:
    decision = decide(order(cancelled=True), PipelineState(), PipelinePolicy(), facts())

    assert kinds(decision) == []
    assert decision.next_state.stage == Stage.CANCELLED


def test_cancellation_of_a_held_order_releases_its_hold() -> None:
    held = decide(order(risk_level="HIGH"), PipelineState(), PipelinePolicy(), facts())

    decision = decide(
        order(risk_level="HIGH", cancelled=True),
        held.next_state,
        PipelinePolicy(),
        facts(),
    )

    assert kinds(decision) == ["release_hold"]
    assert decision.next_state.stage == Stage.CANCELLED


def test_cancellation_after_invoicing_issues_one_full_credit_note() -> None:
    invoiced = decide(order(), PipelineState(), PipelinePolicy(), facts())

    cancelled = decide(
        order(cancelled=True), invoiced.next_state, PipelinePolicy(), facts()
    )
    repeated = decide(
        order(cancelled=True), cancelled.next_state, PipelinePolicy(), facts()
    )

    assert kinds(cancelled) == ["create_credit_note"]
    note = cancelled.commands[0]
    assert isinstance(note, CreateCreditNote)
    assert note.idempotency_key == "o2c_hub.credit_note.myshop.1001-cancel"
    assert note.draft.expected_total == Money.of("60.00", "EUR")
    assert cancelled.next_state.stage == Stage.CANCELLED
    assert kinds(repeated) == []


def test_refund_after_invoicing_issues_a_credit_note_per_refund_once() -> None:
    base = order()
    refund = Refund(
        external_id="gid://shopify/Refund/900",
        created_at=CREATED,
        lines=(
            RefundLine(
                line_external_id=base.lines[0].external_id,
                quantity=1,
                subtotal=MoneyBag.single(Money.of("12.50", "EUR")),
                total_tax=MoneyBag.single(Money.of("2.50", "EUR")),
            ),
        ),
    )
    invoiced = decide(base, PipelineState(), PipelinePolicy(), facts())

    refunded = decide(
        order(refunds=[refund]), invoiced.next_state, PipelinePolicy(), facts()
    )
    repeated = decide(
        order(refunds=[refund]), refunded.next_state, PipelinePolicy(), facts()
    )

    assert keys(refunded) == ["o2c_hub.credit_note.myshop.900"]
    assert kinds(repeated) == []


# -- retries -----------------------------------------------------------------------


@pytest.mark.parametrize("invoice_on", ["order", "fulfillment", "payment"])
def test_the_same_inputs_give_the_same_commands_and_keys(invoice_on: str) -> None:
    base = order()
    done = order(fulfillments=shipped(base), transactions=captured("60.00"))
    policy = PipelinePolicy(invoice_on=invoice_on)  # type: ignore[arg-type]

    first = decide(done, PipelineState(), policy, facts())
    retry = decide(done, PipelineState(), policy, facts())

    assert [c.to_json() for c in first.commands] == [
        c.to_json() for c in retry.commands
    ]
    assert "o2c_hub.invoice.myshop.1001" in keys(first)


def test_policy_accepts_the_settings_policy_fields() -> None:
    from config.settings import PolicySettings

    settings = PolicySettings(invoice_on="payment", hold_risk_levels=("HIGH", "MEDIUM"))

    policy = PipelinePolicy(**settings.model_dump())

    assert policy.invoice_on == "payment"
    assert policy.hold_risk_levels == ("HIGH", "MEDIUM")


def test_state_and_decision_survive_a_json_round_trip() -> None:
    decision = decide(order(), PipelineState(), PipelinePolicy(), facts())

    state = PipelineState.model_validate_json(decision.next_state.model_dump_json())
    again = Decision.model_validate_json(decision.model_dump_json())

    assert state == decision.next_state
    assert state.invoice_total == Money.of("60.00", "EUR")
    assert again == decision
