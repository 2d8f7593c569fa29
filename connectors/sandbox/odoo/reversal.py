"""account.move.reversal: the "Credit Note" wizard that reverses posted invoices.

16 has `refund_method` (refund: a draft credit note; cancel: posted and matched
with the invoice; modify: cancel plus a new draft copy). 17+ has no such field:
`reverse_moves(is_modify=False)` (and the `refund_moves` / `modify_moves`
buttons) post and match the credit note only when modifying; a plain reversal
stays a draft. The new draft invoice of "modify" is not simulated.
"""

from __future__ import annotations

from typing import Any

from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Behavior, Env
from connectors.sandbox.odoo.errors import UserError
from connectors.sandbox.odoo.invoice_lines import move_lines, product_lines
from connectors.sandbox.odoo.methods import Call, Method
from connectors.sandbox.odoo.moves import post
from connectors.sandbox.odoo.reconcile import reconcile
from connectors.sandbox.odoo.schema import (
    ModelSpec,
    char,
    date,
    many2many,
    many2one,
    model,
    selection,
)

REVERSAL = "account.move.reversal"
MOVE = "account.move"
REFUND_TYPES = {
    "out_invoice": "out_refund",
    "out_refund": "out_invoice",
    "entry": "entry",
}


def reversal_spec(major: int) -> ModelSpec:
    """Return the wizard's spec (16 has `refund_method`)."""
    fields = [
        many2many("move_ids", "Moves", MOVE),
        date("date", "Reversal date"),
        char("reason", "Reason"),
        many2one("journal_id", "Journal", "account.journal"),
    ]
    if major <= 16:
        methods = (
            ("refund", "Partial Refund"),
            ("cancel", "Full Refund"),
            ("modify", "Full refund and new draft invoice"),
        )
        fields.append(
            selection("refund_method", "Credit Method", methods, default="refund")
        )
    return model(
        REVERSAL,
        "Account Move Reversal",
        fields,
        rec_name=None,
        groups={"all": "account.group_account_invoice"},
    )


class MoveReversal(Behavior):
    """Defaults of the wizard from the moves in context (`active_ids`)."""

    spec_name = REVERSAL

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return the moves, date and journal; refuse moves that are not posted."""
        ids = list(env.context.get("active_ids") or [])
        moves = env.browse(MOVE, ids)
        if any(m["state"] != "posted" for m in moves):
            raise UserError("You can only reverse posted moves.")
        return {
            "move_ids": [(6, 0, ids)],
            "date": env.today().isoformat(),
            "journal_id": moves[0]["journal_id"] if moves else False,
        }


def _refund_values(env: Env, wizard: Row, move: Row) -> Row:
    """Return create values of the credit note reversing `move`."""
    reason = wizard.get("reason")
    ref = f"Reversal of: {move['name']}" + (f", {reason}" if reason else "")
    lines = [
        (
            0,
            0,
            {
                "product_id": line.get("product_id") or False,
                "name": line.get("name") or False,
                "quantity": line.get("quantity"),
                "price_unit": line.get("price_unit"),
                "discount": line.get("discount"),
                "account_id": line.get("account_id") or False,
                "tax_ids": [(6, 0, list(line.get("tax_ids") or []))],
            },
        )
        for line in product_lines(env, move["id"])
    ]
    return {
        "move_type": REFUND_TYPES.get(move["move_type"], "entry"),
        "partner_id": move.get("partner_id") or False,
        "currency_id": move["currency_id"],
        "journal_id": wizard.get("journal_id") or move["journal_id"],
        "invoice_date": wizard.get("date"),
        "date": wizard.get("date"),
        "ref": ref,
        "invoice_origin": move.get("invoice_origin") or False,
        "reversed_entry_id": move["id"],
        "invoice_line_ids": lines,
    }


def _match(env: Env, move_id: int, refund_id: int) -> None:
    """Match the credit note's receivable with the invoice's."""
    ids = [
        r["id"]
        for m in (move_id, refund_id)
        for r in move_lines(env, m)
        if r.get("display_type") == "payment_term" and not r.get("reconciled")
    ]
    reconcile(env, ids)


def reverse_moves(call: Call, is_modify: bool = False) -> dict[str, Any]:
    """Create the credit notes; returns the window action on them."""
    env = call.env
    (wizard,) = env.browse(REVERSAL, call.ids[:1])
    method = wizard.get("refund_method") or ("cancel" if is_modify else "refund")
    created = []
    for move in env.browse(MOVE, list(wizard.get("move_ids") or [])):
        refund_id = env.behavior(MOVE).create(env, [_refund_values(env, wizard, move)])[
            0
        ]
        if method in ("cancel", "modify"):
            post(env, [refund_id])
            _match(env, move["id"], refund_id)
        created.append(refund_id)
    action: dict[str, Any] = {
        "name": "Reverse Moves",
        "type": "ir.actions.act_window",
        "res_model": MOVE,
    }
    if len(created) == 1:
        return {**action, "view_mode": "form", "res_id": created[0]}
    return {**action, "view_mode": "tree,form", "domain": [("id", "in", created)]}


def refund_moves(call: Call) -> dict[str, Any]:
    """Reverse without modifying (17+ button)."""
    return reverse_moves(call, is_modify=False)


def modify_moves(call: Call) -> dict[str, Any]:
    """Reverse, post and match (17+ button)."""
    return reverse_moves(call, is_modify=True)


def reverse_moves_16(call: Call) -> dict[str, Any]:
    """Reverse as the wizard's `refund_method` says (16)."""
    return reverse_moves(call)


def reversal_methods(major: int) -> dict[str, Method]:
    """Return the wizard's public methods in `major`."""
    if major <= 16:
        return {"reverse_moves": Method(reverse_moves_16)}
    return {
        "reverse_moves": Method(reverse_moves),
        "refund_moves": Method(refund_moves),
        "modify_moves": Method(modify_moves),
    }


def reversal_behavior(major: int) -> MoveReversal:
    """Return the wizard's behaviour with the methods of `major`."""
    behavior = MoveReversal()
    behavior.methods = reversal_methods(major)
    return behavior
