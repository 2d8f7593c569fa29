"""Payments in the sandbox Odoo: register, post, match, memo field and states."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.sandbox.odoo import SandboxOdoo

from .conftest import JsonRpc, RpcFault, invoice_vals, line


def _posted_invoice(rpc: JsonRpc, odoo: SandboxOdoo, price: float = 100) -> int:
    move = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, price, "tax_20_excl"))
    )
    rpc("account.move", "action_post", [move])
    return int(move)


def _register(rpc: JsonRpc, invoice: int, **vals: Any) -> dict[str, Any]:
    context = {"active_model": "account.move", "active_ids": [invoice]}
    wizard = rpc("account.payment.register", "create", vals, context=context)
    return dict(rpc("account.payment.register", "action_create_payments", [wizard]))


def _state(rpc: JsonRpc, move: int) -> tuple[str, float]:
    (row,) = rpc("account.move", "read", [move], ["payment_state", "amount_residual"])
    return row["payment_state"], row["amount_residual"]


def test_register_payment_settles_the_invoice_in_payment_until_matched(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    invoice = _posted_invoice(rpc, odoo)
    action = _register(rpc, invoice)
    assert action["res_model"] == "account.payment"
    assert _state(rpc, invoice) == ("in_payment", 0.0)
    memo = odoo.profile.payment_memo_field
    (payment,) = rpc(
        "account.payment",
        "read",
        [action["res_id"]],
        ["name", "state", "amount", memo, "is_reconciled", "reconciled_invoice_ids"],
    )
    assert payment["name"] == "PBNK1/2026/00001"
    assert payment["amount"] == 120.0 and payment[memo] == "INV/2026/00001"
    assert payment["is_reconciled"] is True and payment["reconciled_invoice_ids"] == [
        invoice
    ]
    assert payment["state"] == ("posted" if odoo.version <= 17 else "in_process")
    odoo.match_payment(action["res_id"])
    assert _state(rpc, invoice) == ("paid", 0.0)
    (after,) = rpc("account.payment", "read", [action["res_id"]], ["state"])
    assert after["state"] == ("posted" if odoo.version <= 17 else "paid")


@pytest.mark.parametrize("version", [16, 17])
def test_without_the_accounting_app_16_and_17_go_straight_to_paid(
    start_odoo: Any, version: int
) -> None:
    odoo = start_odoo(version, accountant=False)
    rpc = JsonRpc(odoo)
    invoice = _posted_invoice(rpc, odoo)
    _register(rpc, invoice)
    assert _state(rpc, invoice) == ("paid", 0.0)


def test_partial_payment_leaves_a_residual(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    invoice = _posted_invoice(rpc, odoo)
    _register(rpc, invoice, amount=50)
    assert _state(rpc, invoice) == ("partial", 70.0)
    _register(rpc, invoice)
    assert _state(rpc, invoice)[1] == 0.0


def test_register_payment_refuses_drafts_and_paid_invoices(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    draft = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    with pytest.raises(RpcFault) as caught:
        _register(rpc, draft)
    assert (
        caught.value.message
        == "You can only register payment for posted journal entries."
    )
    invoice = _posted_invoice(rpc, odoo)
    _register(rpc, invoice)
    with pytest.raises(RpcFault) as caught:
        _register(rpc, invoice)
    assert "nothing left to pay" in caught.value.message


def test_payment_created_directly_then_assigned_to_the_invoice(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    invoice = _posted_invoice(rpc, odoo, price=10)
    memo = odoo.profile.payment_memo_field
    payment = rpc(
        "account.payment",
        "create",
        {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": odoo.ref("sandbox.partner_deco"),
            "amount": 12.0,
            "journal_id": odoo.ref("sandbox.journal_stripe"),
            memo: "ch_3Nxyz",
        },
    )
    (draft,) = rpc("account.payment", "read", [payment], ["state", "move_id"])
    assert draft["state"] == "draft"
    rpc("account.payment", "action_post", [payment])
    (posted,) = rpc("account.payment", "read", [payment], ["name", "move_id"])
    assert posted["name"] == "PSTRP/2026/00001"
    counterpart = rpc(
        "account.move.line",
        "search",
        [
            ("move_id", "=", posted["move_id"][0]),
            ("account_id.account_type", "=", "asset_receivable"),
        ],
    )
    rpc("account.move", "js_assign_outstanding_line", [invoice], counterpart[0])
    assert _state(rpc, invoice) == ("in_payment", 0.0)


def test_wrong_memo_field_for_the_version_is_refused(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    wrong = "memo" if odoo.version <= 17 else "ref"
    with pytest.raises(RpcFault) as caught:
        rpc("account.payment", "create", {"amount": 1.0, wrong: "x"})
    assert caught.value.message == f"Invalid field '{wrong}' on model 'account.payment'"


def test_partner_credit_is_the_open_receivable(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    invoice = _posted_invoice(rpc, odoo)
    partner = odoo.ref("sandbox.partner_deco")
    assert rpc("res.partner", "read", [partner], ["credit"])[0]["credit"] == 120.0
    _register(rpc, invoice, amount=20)
    assert rpc("res.partner", "read", [partner], ["credit"])[0]["credit"] == 100.0


@pytest.mark.parametrize("version", [16, 17])
def test_internal_transfer_posts_both_legs_on_16_and_17(
    start_odoo: Any, version: int
) -> None:
    odoo = start_odoo(version)
    rpc = JsonRpc(odoo)
    payment = rpc(
        "account.payment",
        "create",
        {
            "is_internal_transfer": True,
            "payment_type": "outbound",
            "amount": 500.0,
            "journal_id": odoo.ref("sandbox.journal_stripe"),
            "destination_journal_id": odoo.ref("sandbox.journal_bank"),
            "ref": "Payout po_1",
        },
    )
    rpc("account.payment", "action_post", [payment])
    legs = rpc(
        "account.payment",
        "search_read",
        [("is_internal_transfer", "=", True)],
        ["journal_id", "payment_type", "state"],
        order="id",
    )
    assert [
        (leg["journal_id"][1], leg["payment_type"], leg["state"]) for leg in legs
    ] == [
        ("Stripe", "outbound", "posted"),
        ("Bank", "inbound", "posted"),
    ]


def test_payment_reset_to_draft_reopens_the_invoice(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    invoice = _posted_invoice(rpc, odoo)
    action = _register(rpc, invoice)
    rpc("account.payment", "action_draft", [action["res_id"]])
    assert _state(rpc, invoice) == ("not_paid", 120.0)


def test_foreign_currency_invoice_is_paid_in_its_currency(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    vals = invoice_vals(
        odoo, line(odoo, 100, "tax_19_excl"), currency_id=odoo.ref("base.EUR")
    )
    invoice = rpc("account.move", "create", vals)
    rpc("account.move", "action_post", [invoice])
    (row,) = rpc(
        "account.move", "read", [invoice], ["amount_total", "amount_total_signed"]
    )
    assert row["amount_total"] == 119.0
    assert row["amount_total_signed"] == pytest.approx(119 / 0.92, abs=0.01)
    action = _register(rpc, invoice)
    (payment,) = rpc(
        "account.payment", "read", [action["res_id"]], ["amount", "currency_id"]
    )
    assert payment["amount"] == 119.0 and payment["currency_id"][1] == "EUR"
    assert _state(rpc, invoice) == ("in_payment", 0.0)
