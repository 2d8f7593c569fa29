"""account.payment and the account.payment.register wizard ("Register Payment").

A payment owns a journal entry: outstanding receipts (debit) against the
customer's receivable (credit). Its memo is `ref` up to 17 and `memo` from 18.
States: 16/17 follow the entry (draft/posted/cancel); 18+ use their own
workflow (draft, in_process until matched with the bank, paid, canceled).
Internal transfers exist as `is_internal_transfer` on 16/17 only.
Not simulated: write-off of a payment difference, batch payments, payment
methods (every payment uses the company's outstanding receipts account).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo import orm
from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Behavior, Env
from connectors.sandbox.odoo.errors import UserError
from connectors.sandbox.odoo.floats import ZERO, is_zero, to_decimal
from connectors.sandbox.odoo.invoice_lines import move_lines, receivable_account
from connectors.sandbox.odoo.methods import Call, Method
from connectors.sandbox.odoo.moves import button_draft, post
from connectors.sandbox.odoo.reconcile import counterpart_moves, reconcile

PAYMENT = "account.payment"
REGISTER = "account.payment.register"
MOVE = "account.move"
LINE = "account.move.line"


class AccountPayment(Behavior):
    """Customer payments with their journal entry."""

    spec_name = PAYMENT

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return date, currency, journal and accounts of a new payment."""
        journal_id = vals.get("journal_id") or _bank_journal(env)
        journal = env.db.row("account.journal", journal_id) if journal_id else {}
        return {
            "date": env.today().isoformat(),
            "journal_id": journal_id,
            "currency_id": journal.get("currency_id") or env.company["currency_id"],
            "company_id": env.company["id"],
            "state": "draft",
            "name": "/",
            "outstanding_account_id": env.company.get(
                "account_journal_payment_debit_account_id"
            )
            or journal.get("default_account_id"),
        }

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create payments and their draft journal entries."""
        ids = []
        for vals in vals_list:
            head = {
                k: v for k, v in vals.items() if k not in ("state", "name", "move_id")
            }
            payment_id = orm.create_row(env, PAYMENT, head)
            _build_move(env, payment_id)
            ids.append(payment_id)
        return ids

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write on draft payments and rebuild their entries."""
        for payment_id in ids:
            payment = env.db.row(PAYMENT, payment_id)
            memo = env.profile.payment_memo_field
            if payment["state"] != "draft" and set(vals) - {memo}:
                raise UserError("You can only modify a payment in draft state.")
            orm.write_row(env, PAYMENT, payment_id, vals)
            if payment["state"] == "draft":
                _build_move(env, payment_id)

    def unlink(self, env: Env, ids: list[int]) -> None:
        """Delete draft payments with their entries."""
        for payment_id in ids:
            payment = env.db.row(PAYMENT, payment_id)
            if payment["state"] != "draft":
                raise UserError("You cannot delete an item linked to a posted entry.")
            _drop_move(env, payment)
            env.db.delete(PAYMENT, payment_id)

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return `is_reconciled` and `reconciled_invoice_ids`."""
        move_id = row.get("move_id")
        if fname == "is_reconciled":
            lines = _receivable_lines(env, row)
            return bool(lines) and all(line.get("reconciled") for line in lines)
        if fname == "reconciled_invoice_ids" and move_id:
            return [
                m
                for m in counterpart_moves(env, int(move_id))
                if env.db.row(MOVE, m)["move_type"] in ("out_invoice", "out_refund")
            ]
        return [] if fname == "reconciled_invoice_ids" else None


def _bank_journal(env: Env) -> int | bool:
    """Return the first bank journal."""
    for row in env.db.table("account.journal").values():
        if row["type"] == "bank":
            return int(row["id"])
    return False


def _drop_move(env: Env, payment: Row) -> None:
    """Delete a payment's draft entry and its items."""
    move_id = payment.get("move_id")
    if not move_id or not env.db.exists(MOVE, move_id):
        return
    for line in move_lines(env, int(move_id)):
        env.db.delete(LINE, line["id"])
    env.db.delete(MOVE, move_id)


def _build_move(env: Env, payment_id: int) -> None:
    """(Re)create the payment's draft entry from its amount and accounts."""
    payment = env.db.row(PAYMENT, payment_id)
    _drop_move(env, payment)
    partner_id = payment.get("partner_id") or False
    destination = payment.get("destination_account_id") or receivable_account(
        env, {"partner_id": partner_id}
    )
    if payment.get("is_internal_transfer"):
        destination = env.company["_transfer_account_id"]
    amount = to_decimal(payment.get("amount"))
    sign = 1 if payment["payment_type"] == "inbound" else -1
    memo = payment.get(env.profile.payment_memo_field) or False
    move_id = orm.create_row(
        env.with_context(check_move_validity=False),
        MOVE,
        {
            "move_type": "entry",
            "journal_id": payment["journal_id"],
            "currency_id": payment["currency_id"],
            "partner_id": partner_id,
            "date": payment["date"],
            "ref": memo,
        },
    )
    env.db.update(MOVE, move_id, {"_payment_id": payment_id, "name": "/"})
    for account, line_sign, kind in (
        (payment["outstanding_account_id"], sign, "outstanding"),
        (destination, -sign, "counterpart"),
    ):
        env.db.insert(
            LINE,
            {
                "move_id": move_id,
                "name": memo or "Customer Payment",
                "account_id": account,
                "partner_id": partner_id,
                "amount_currency": line_sign * amount,
                "display_type": "product",
                "tax_ids": [],
                "_payment_line": kind,
            },
        )
    from connectors.sandbox.odoo.moves import sync_move

    sync_move(env, move_id)
    env.db.update(
        PAYMENT, payment_id, {"move_id": move_id, "destination_account_id": destination}
    )


def _receivable_lines(env: Env, payment: Row) -> list[Row]:
    """Return the counterpart (receivable) items of a payment's entry."""
    move_id = payment.get("move_id")
    if not move_id:
        return []
    return [
        r
        for r in move_lines(env, int(move_id))
        if r.get("_payment_line") == "counterpart"
    ]


def refresh_payment(env: Env, payment_id: int) -> None:
    """Recompute a payment's state from its entry and bank matching."""
    payment = env.db.row(PAYMENT, payment_id)
    move = env.db.row(MOVE, payment["move_id"]) if payment.get("move_id") else {}
    move_state = move.get("state", "draft")
    if env.profile.major <= 17:
        state = move_state
    elif move_state == "draft":
        state = "canceled" if payment["state"] == "canceled" else "draft"
    elif move_state == "cancel":
        state = "canceled"
    else:
        state = "paid" if payment.get("is_matched") else "in_process"
    env.db.update(
        PAYMENT, payment_id, {"state": state, "name": move.get("name") or "/"}
    )


def post_payments(env: Env, payment_ids: list[int]) -> None:
    """Post payment entries (16/17 internal transfers get their paired payment)."""
    for payment in env.browse(PAYMENT, payment_ids):
        if payment["state"] != "draft":
            raise UserError("Only a draft payment can be posted.")
        if is_zero(to_decimal(payment.get("amount")), Decimal("0.000001")):
            raise UserError("You can't register a payment with a zero amount.")
        post(env, [int(payment["move_id"])])
        refresh_payment(env, payment["id"])
        if payment.get("is_internal_transfer") and payment.get(
            "destination_journal_id"
        ):
            _pair_transfer(env, payment)


def _pair_transfer(env: Env, payment: Row) -> None:
    """Create and post the other leg of an internal transfer (16/17)."""
    paired = orm.create_row(
        env,
        PAYMENT,
        {
            "journal_id": payment["destination_journal_id"],
            "destination_journal_id": payment["journal_id"],
            "is_internal_transfer": True,
            "payment_type": "outbound"
            if payment["payment_type"] == "inbound"
            else "inbound",
            "amount": payment["amount"],
            "currency_id": payment["currency_id"],
            "date": payment["date"],
            "ref": payment.get("ref") or False,
        },
    )
    _build_move(env, paired)
    post(env, [int(env.db.row(PAYMENT, paired)["move_id"])])
    refresh_payment(env, paired)


def action_post(call: Call) -> bool:
    """Post the payments; returns False like Odoo."""
    call.env.check_access(PAYMENT, "write")
    post_payments(call.env, list(call.ids))
    return False


def action_draft(call: Call) -> None:
    """Reset posted payments to draft (unmatching them)."""
    env = call.env
    moves = [int(p["move_id"]) for p in env.browse(PAYMENT, call.ids)]
    button_draft(Call(env, MOVE, moves))
    for payment_id in call.ids:
        env.db.update(PAYMENT, payment_id, {"state": "draft"})


def action_cancel(call: Call) -> None:
    """Cancel draft payments."""
    env = call.env
    for payment in env.browse(PAYMENT, call.ids):
        env.db.update(MOVE, payment["move_id"], {"state": "cancel"})
        env.db.update(PAYMENT, payment["id"], {"state": _cancel_state(env)})


def _cancel_state(env: Env) -> str:
    """Return the cancelled state of a payment in this version."""
    return "cancel" if env.profile.major <= 17 else "canceled"


AccountPayment.methods = {
    "action_post": Method(action_post),
    "action_draft": Method(action_draft),
    "action_cancel": Method(action_cancel),
}


class PaymentRegister(Behavior):
    """The Register Payment wizard, opened on invoices (`active_ids` in context)."""

    spec_name = REGISTER

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return amount, memo, partner and items from the invoices in context.

        Raises UserError like Odoo for draft invoices or nothing left to pay.
        """
        if env.context.get("active_model", MOVE) != MOVE:
            raise UserError(
                "The register payment wizard should only be called on account.move"
                " records."
            )
        moves = env.browse(MOVE, list(env.context.get("active_ids") or []))
        if not moves:
            raise UserError("You can only register payment for posted journal entries.")
        if any(m["state"] != "posted" for m in moves):
            raise UserError("You can only register payment for posted journal entries.")
        lines = [
            r
            for m in moves
            for r in move_lines(env, m["id"])
            if r.get("display_type") == "payment_term" and not r.get("reconciled")
        ]
        if not lines:
            raise UserError(
                "You can't register a payment because there is nothing left to pay on"
                " the selected journal items."
            )
        residual = sum((to_decimal(r["amount_residual_currency"]) for r in lines), ZERO)
        first = moves[0]
        return {
            "line_ids": [(6, 0, [r["id"] for r in lines])],
            "amount": abs(residual),
            "currency_id": first["currency_id"],
            "partner_id": first.get("partner_id") or False,
            "payment_date": env.today().isoformat(),
            "journal_id": _bank_journal(env),
            "communication": first.get("payment_reference") or first.get("name"),
        }


def action_create_payments(call: Call) -> dict[str, Any]:
    """Create, post and match the payment; returns the window action Odoo returns."""
    env = call.env
    (wizard,) = env.browse(REGISTER, call.ids[:1])
    lines = env.browse(LINE, list(wizard.get("line_ids") or []))
    refund = sum((to_decimal(r["amount_residual_currency"]) for r in lines), ZERO) < 0
    payment_id = orm.create_row(
        env,
        PAYMENT,
        {
            "payment_type": "outbound" if refund else "inbound",
            "partner_type": "customer",
            "partner_id": wizard.get("partner_id") or False,
            "amount": wizard.get("amount"),
            "currency_id": wizard.get("currency_id"),
            "journal_id": wizard.get("journal_id"),
            "date": wizard.get("payment_date"),
            env.profile.payment_memo_field: wizard.get("communication") or False,
        },
    )
    _build_move(env, payment_id)
    post_payments(env, [payment_id])
    payment = env.db.row(PAYMENT, payment_id)
    counterpart = [r["id"] for r in _receivable_lines(env, payment)]
    reconcile(env, [*(r["id"] for r in lines), *counterpart])
    return {
        "name": "Payments",
        "type": "ir.actions.act_window",
        "res_model": PAYMENT,
        "context": {"create": False},
        "view_mode": "form",
        "res_id": payment_id,
    }


PaymentRegister.methods = {"action_create_payments": Method(action_create_payments)}
