"""Customer invoices, credit notes and journal entries in the sandbox Odoo."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.sandbox.odoo import SandboxOdoo

from .conftest import JsonRpc, RpcFault, invoice_vals, line

TOTALS = [
    "name",
    "state",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "payment_state",
]


def _totals(rpc: JsonRpc, move_id: int) -> dict[str, Any]:
    (row,) = rpc("account.move", "read", [move_id], TOTALS)
    return row


def _tax(rpc: JsonRpc, rate: float, *, included: bool, version: int) -> int:
    vals: dict[str, Any] = {
        "name": f"T{rate}",
        "amount": rate,
        "amount_type": "percent",
    }
    if version >= 18:
        vals["price_include_override"] = "tax_included" if included else "tax_excluded"
    else:
        vals["price_include"] = included
    return int(rpc("account.tax", "create", vals))


def test_draft_invoice_has_slash_name_and_computed_totals(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc(
        "account.move",
        "create",
        invoice_vals(odoo, line(odoo, 19.99, "tax_20_excl", qty=3)),
    )
    assert _totals(rpc, move) == {
        "id": move,
        "name": "/",
        "state": "draft",
        "amount_untaxed": 59.97,
        "amount_tax": 11.99,
        "amount_total": 71.96,
        "amount_residual": 71.96,
        "payment_state": "not_paid",
    }


def test_posting_numbers_invoices_per_journal_and_year(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    first = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 10, "tax_0_excl"))
    )
    second = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 20, "tax_0_excl"))
    )
    assert rpc("account.move", "action_post", [first, second]) is False
    names = [r["name"] for r in rpc("account.move", "read", [first, second], ["name"])]
    assert names == ["INV/2026/00001", "INV/2026/00002"]
    refund = rpc(
        "account.move",
        "create",
        {
            **invoice_vals(odoo, line(odoo, 5, "tax_0_excl")),
            "move_type": "out_refund",
            "reversed_entry_id": first,
        },
    )
    rpc("account.move", "action_post", [refund])
    assert _totals(rpc, refund)["name"] == "RINV/2026/00001"


def test_invoice_lines_carry_subtotals_and_balanced_items(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc(
        "account.move",
        "create",
        invoice_vals(
            odoo,
            line(odoo, 100, "tax_21_excl", discount=10),
            line(odoo, 50, "tax_10_incl"),
        ),
    )
    items = rpc(
        "account.move.line",
        "search_read",
        [("move_id", "=", move)],
        [
            "display_type",
            "price_subtotal",
            "price_total",
            "debit",
            "credit",
            "tax_line_id",
        ],
    )
    products = [i for i in items if i["display_type"] == "product"]
    assert sorted((p["price_subtotal"], p["price_total"]) for p in products) == [
        (45.45, 50.0),
        (90.0, 108.9),
    ]
    taxes = sorted(i["credit"] for i in items if i["display_type"] == "tax")
    assert taxes == [4.55, 18.9]
    assert sum(i["debit"] for i in items) == pytest.approx(
        sum(i["credit"] for i in items)
    )
    assert _totals(rpc, move)["amount_total"] == 158.9


def test_posted_invoice_refuses_accounting_writes_but_takes_a_reference(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 10, "tax_20_excl"))
    )
    rpc("account.move", "action_post", [move])
    with pytest.raises(RpcFault) as caught:
        rpc(
            "account.move",
            "write",
            [move],
            {"invoice_line_ids": [(0, 0, line(odoo, 1))]},
        )
    assert caught.value.name == "odoo.exceptions.UserError"
    with pytest.raises(RpcFault) as caught:
        lines = rpc(
            "account.move.line",
            "search",
            [("move_id", "=", move), ("display_type", "=", "product")],
        )
        rpc("account.move.line", "write", lines, {"tax_ids": [(6, 0, [])]})
    assert (
        "You cannot modify the taxes related to a posted journal item"
        in caught.value.message
    )
    assert rpc("account.move", "write", [move], {"ref": "Order #1001"}) is True


def test_posted_move_cannot_be_deleted_until_reset_to_draft(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    rpc("account.move", "action_post", [move])
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "unlink", [move])
    assert caught.value.message == "You cannot delete an item linked to a posted entry."
    rpc("account.move", "button_draft", [move])
    assert _totals(rpc, move)["state"] == "draft"
    assert _totals(rpc, move)["name"] == "INV/2026/00001"
    assert rpc("account.move", "unlink", [move]) is True


def test_posting_twice_and_posting_without_customer_fail(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    rpc("account.move", "action_post", [move])
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "action_post", [move])
    assert (
        caught.value.message
        == f"The entry INV/2026/00001 (id {move}) is already posted."
    )
    orphan = rpc(
        "account.move",
        "create",
        {**invoice_vals(odoo, line(odoo, 10)), "partner_id": False},
    )
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "action_post", [orphan])
    assert "The field 'Customer' is required" in caught.value.message


def test_negative_invoice_total_is_refused(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, -10)))
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "action_post", [move])
    assert "negative total amount" in caught.value.message


def test_lock_date_refuses_entries_and_moves_invoice_dates(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    odoo.set_company(fiscalyear_lock_date="2026-02-28")
    entry = rpc(
        "account.move",
        "create",
        {
            "move_type": "entry",
            "date": "2026-02-10",
            "line_ids": [
                (0, 0, {"account_id": odoo.ref("sandbox.account_bank"), "debit": 10}),
                (
                    0,
                    0,
                    {"account_id": odoo.ref("sandbox.account_income"), "credit": 10},
                ),
            ],
        },
    )
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "action_post", [entry])
    assert caught.value.message == (
        "You cannot add/modify entries prior to and inclusive of the lock date"
        " 02/28/2026."
    )
    invoice = rpc(
        "account.move",
        "create",
        invoice_vals(odoo, line(odoo, 10), invoice_date="2026-02-01"),
    )
    rpc("account.move", "action_post", [invoice])
    (row,) = rpc("account.move", "read", [invoice], ["date", "invoice_date", "state"])
    assert row["state"] == "posted" and row["invoice_date"] == "2026-02-01"
    assert row["date"] == "2026-03-15"


def test_unbalanced_entry_is_refused(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc(
            "account.move",
            "create",
            {
                "move_type": "entry",
                "line_ids": [
                    (
                        0,
                        0,
                        {"account_id": odoo.ref("sandbox.account_bank"), "debit": 10},
                    ),
                    (
                        0,
                        0,
                        {"account_id": odoo.ref("sandbox.account_income"), "credit": 9},
                    ),
                ],
            },
        )
    assert caught.value.message.startswith("The move is not balanced.")


def test_balanced_entry_posts_in_the_miscellaneous_journal(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    entry = rpc(
        "account.move",
        "create",
        {
            "move_type": "entry",
            "ref": "Stripe fees",
            "line_ids": [
                (
                    0,
                    0,
                    {
                        "account_id": odoo.ref("sandbox.account_fees_expense"),
                        "debit": 2.9,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "account_id": odoo.ref("sandbox.account_stripe_clearing"),
                        "credit": 2.9,
                    },
                ),
            ],
        },
    )
    rpc("account.move", "action_post", [entry])
    row = _totals(rpc, entry)
    assert row["name"] == "MISC/2026/00001" and row["amount_total"] == 2.9
    assert row["payment_state"] == "not_paid"


def test_included_tax_split_differs_between_legacy_and_modern(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    tax = _tax(rpc, 12, included=True, version=odoo.version)
    vals = invoice_vals(
        odoo,
        {
            "product_id": odoo.ref("sandbox.product_mug"),
            "price_unit": 52.5,
            "tax_ids": [(6, 0, [tax])],
        },
    )
    row = _totals(rpc, rpc("account.move", "create", vals))
    expected = (46.88, 5.62) if odoo.version <= 17 else (46.87, 5.63)
    assert (row["amount_untaxed"], row["amount_tax"]) == expected
    assert row["amount_total"] == 52.5


@pytest.mark.parametrize("version", [16, 18])
def test_round_globally_rounds_the_tax_sum_once(start_odoo: Any, version: int) -> None:
    per_line = JsonRpc(start_odoo(version))
    globally = JsonRpc(start_odoo(version, rounding="round_globally"))
    results = []
    for rpc in (per_line, globally):
        odoo = rpc.odoo
        lines = [line(odoo, 0.05, "tax_10_excl") for _ in range(3)]
        results.append(
            _totals(rpc, rpc("account.move", "create", invoice_vals(odoo, *lines)))
        )
    assert results[0]["amount_tax"] == 0.03
    assert results[1]["amount_tax"] == 0.02
    assert results[0]["amount_untaxed"] == results[1]["amount_untaxed"] == 0.15


@pytest.mark.parametrize(
    ("currency", "price", "qty", "tax", "total"),
    [("JPY", 1234, 1, "tax_20_excl", 1481.0), ("KWD", 1.15, 3, "tax_7_excl", 3.692)],
)
def test_currency_rounding_follows_the_invoice_currency(
    rpc: JsonRpc,
    odoo: SandboxOdoo,
    currency: str,
    price: float,
    qty: int,
    tax: str,
    total: float,
) -> None:
    vals = invoice_vals(
        odoo, line(odoo, price, tax, qty=qty), currency_id=odoo.ref(f"base.{currency}")
    )
    row = _totals(rpc, rpc("account.move", "create", vals))
    assert row["amount_total"] == total
    items = rpc(
        "account.move.line",
        "search_read",
        [("display_type", "=", "payment_term")],
        ["amount_currency", "debit"],
    )
    assert items[0]["amount_currency"] == total
    rate = {"JPY": 151.0, "KWD": 0.307}[currency]
    assert items[0]["debit"] == pytest.approx(round(total / rate, 2), abs=0.011)


def test_unit_price_keeps_two_decimals_like_product_price_precision(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    vals = invoice_vals(odoo, line(odoo, 12.345), currency_id=odoo.ref("base.KWD"))
    move = rpc("account.move", "create", vals)
    prices = rpc(
        "account.move.line",
        "search_read",
        [("move_id", "=", move), ("display_type", "=", "product")],
        ["price_unit"],
    )
    assert prices == [{"id": prices[0]["id"], "price_unit": 12.35}]


def test_credit_note_reconciled_with_its_invoice_is_reversed(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    invoice = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 30, "tax_20_excl"))
    )
    rpc("account.move", "action_post", [invoice])
    refund = rpc(
        "account.move",
        "create",
        {
            **invoice_vals(odoo, line(odoo, 30, "tax_20_excl")),
            "move_type": "out_refund",
            "reversed_entry_id": invoice,
            "ref": "Reversal of INV/2026/00001",
        },
    )
    rpc("account.move", "action_post", [refund])
    (credit,) = rpc(
        "account.move.line",
        "search",
        [("move_id", "=", refund), ("display_type", "=", "payment_term")],
    )
    rpc("account.move", "js_assign_outstanding_line", [invoice], credit)
    assert _totals(rpc, invoice)["payment_state"] == "reversed"
    assert _totals(rpc, refund)["payment_state"] == "reversed"
    assert _totals(rpc, invoice)["amount_residual"] == 0.0


def test_reset_to_draft_unmatches_and_cancel_needs_a_draft(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    rpc("account.move", "action_post", [move])
    with pytest.raises(RpcFault):
        rpc("account.move", "button_cancel", [move])
    rpc("account.move", "button_draft", [move])
    rpc("account.move", "button_cancel", [move])
    assert _totals(rpc, move)["state"] == "cancel"


def test_invoice_created_over_json2_reads_back_the_same(odoo19: SandboxOdoo) -> None:
    from .conftest import Json2

    json2 = Json2(odoo19)
    ids = json2(
        "account.move",
        "create",
        vals_list=[invoice_vals(odoo19, line(odoo19, 19.99, "tax_19_incl"))],
    )
    json2("account.move", "action_post", ids=ids)
    (row,) = json2(
        "account.move", "read", ids=ids, fields=["name", "amount_total", "amount_tax"]
    )
    assert row == {
        "id": ids[0],
        "name": "INV/2026/00001",
        "amount_total": 19.99,
        "amount_tax": 3.19,
    }


def test_hashed_journal_refuses_reset_to_draft(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    rpc(
        "account.journal",
        "write",
        [odoo.ref("sandbox.journal_sale")],
        {"restrict_mode_hash_table": True},
    )
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    rpc("account.move", "action_post", [move])
    with pytest.raises(RpcFault) as caught:
        rpc("account.move", "button_draft", [move])
    assert "strict mode" in caught.value.message


def test_invoice_line_ids_list_only_product_lines(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    move = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 10, "tax_20_excl"))
    )
    (row,) = rpc("account.move", "read", [move], ["invoice_line_ids", "line_ids"])
    assert len(row["invoice_line_ids"]) == 1
    assert len(row["line_ids"]) == 3


def test_reversal_wizard_creates_a_credit_note_for_the_invoice(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    invoice = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 40, "tax_20_excl"))
    )
    rpc("account.move", "action_post", [invoice])
    context = {"active_model": "account.move", "active_ids": [invoice]}
    vals = {"reason": "Order cancelled"}
    if odoo.version <= 16:
        vals["refund_method"] = "cancel"
    wizard = rpc("account.move.reversal", "create", vals, context=context)
    method = "reverse_moves" if odoo.version <= 16 else "modify_moves"
    action = rpc("account.move.reversal", method, [wizard])
    (refund,) = rpc(
        "account.move",
        "read",
        [action["res_id"]],
        ["move_type", "state", "reversed_entry_id", "ref", "amount_total", "name"],
    )
    assert refund["move_type"] == "out_refund" and refund["state"] == "posted"
    assert refund["reversed_entry_id"][0] == invoice
    assert refund["ref"] == "Reversal of: INV/2026/00001, Order cancelled"
    assert refund["amount_total"] == 48.0 and refund["name"] == "RINV/2026/00001"
    (row,) = rpc("account.move", "read", [invoice], ["payment_state"])
    assert row["payment_state"] == "reversed"


def test_reversal_of_a_draft_is_refused(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    draft = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 40)))
    context = {"active_model": "account.move", "active_ids": [draft]}
    with pytest.raises(RpcFault) as caught:
        rpc("account.move.reversal", "create", {}, context=context)
    assert caught.value.message == "You can only reverse posted moves."
