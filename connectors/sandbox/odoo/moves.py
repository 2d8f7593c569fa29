"""account.move and account.move.line: drafts, posting, sequences, locks, reversal.

Where the sandbox is stricter than Odoo: any write of an accounting field on a
posted move is refused (Odoo lets a few through and re-checks the balance).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo import orm
from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Behavior, Env
from connectors.sandbox.odoo.errors import PythonError, UserError
from connectors.sandbox.odoo.floats import ZERO, float_round, to_decimal
from connectors.sandbox.odoo.invoice_lines import (
    INVOICE_TYPES,
    move_lines,
    sync_invoice,
)
from connectors.sandbox.odoo.methods import Call, Method
from connectors.sandbox.odoo.reconcile import reconcile, refresh_moves, unreconcile

MOVE = "account.move"
LINE = "account.move.line"
LINE_COMMAND_FIELDS = ("invoice_line_ids", "line_ids")
EDITABLE_WHEN_POSTED = frozenset(
    {"ref", "narration", "payment_reference", "invoice_origin", "auto_post"}
)
SEQUENCE_PREFIX = {"out_refund": "R", "in_refund": "R"}
SEQUENCE = "ir.sequence.date_range"  # internal: last number per prefix and year


def _format_date(value: dt.date) -> str:
    """Return a date as Odoo's en_US `format_date` prints it."""
    return value.strftime("%m/%d/%Y")


class AccountMove(Behavior):
    """Journal entries, customer invoices and credit notes."""

    spec_name = MOVE

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return journal, currency, dates and draft state for a new move."""
        move_type = (
            vals.get("move_type") or env.context.get("default_move_type") or ("entry")
        )
        journal_type = "sale" if move_type.startswith("out_") else "general"
        journal_id = vals.get("journal_id") or _first_journal(env, journal_type)
        journal = env.db.row("account.journal", journal_id) if journal_id else {}
        invoice_date = vals.get("invoice_date")
        return {
            "move_type": move_type,
            "journal_id": journal_id,
            "currency_id": journal.get("currency_id") or env.company["currency_id"],
            "company_id": env.company["id"],
            "company_currency_id": env.company["currency_id"],
            "date": invoice_date or env.today().isoformat(),
            "state": "draft",
            "name": "/",
            "payment_state": "not_paid",
        }

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create moves and their lines, then compute them."""
        ids = []
        for vals in vals_list:
            head = {k: v for k, v in vals.items() if k not in LINE_COMMAND_FIELDS}
            for key in ("state", "name", "payment_state", "posted_before"):
                head.pop(key, None)
            move_id = orm.create_row(env, MOVE, head)
            move = env.db.row(MOVE, move_id)
            if move.get("partner_id"):
                env.db.update(
                    MOVE, move_id, {"commercial_partner_id": move["partner_id"]}
                )
            for fname in LINE_COMMAND_FIELDS:
                if fname in vals:
                    _apply_line_commands(env, move_id, vals[fname])
            sync_move(env, move_id)
            ids.append(move_id)
        return ids

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write on drafts freely; on posted moves only non-accounting fields."""
        for move_id in ids:
            move = env.db.row(MOVE, move_id)
            if move["state"] == "posted":
                _check_posted_write(move, vals)
            head = {k: v for k, v in vals.items() if k not in LINE_COMMAND_FIELDS}
            for key in ("state", "payment_state", "posted_before"):
                head.pop(key, None)
            if head:
                orm.write_row(env, MOVE, move_id, head)
            if "partner_id" in head:
                env.db.update(
                    MOVE, move_id, {"commercial_partner_id": head["partner_id"]}
                )
            for fname in LINE_COMMAND_FIELDS:
                if fname in vals:
                    _apply_line_commands(env, move_id, vals[fname])
            if move["state"] == "draft":
                sync_move(env, move_id)

    def unlink(self, env: Env, ids: list[int]) -> None:
        """Delete drafts with their lines; refuse posted moves like Odoo does."""
        for move_id in ids:
            if env.db.row(MOVE, move_id)["state"] == "posted":
                raise UserError("You cannot delete an item linked to a posted entry.")
        for move_id in ids:
            for line in _lines(env, move_id):
                env.db.delete(LINE, line["id"])
            env.db.delete(MOVE, move_id)


class AccountMoveLine(Behavior):
    """Journal items: created through their move; reconciled with each other."""

    spec_name = LINE

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create items on draft moves and recompute those moves."""
        ids = []
        for vals in vals_list:
            move_id = vals.get("move_id")
            if not move_id or not env.db.exists(MOVE, move_id):
                raise orm.not_null_error(env, LINE, env.spec(LINE).fields["move_id"])
            if env.db.row(MOVE, move_id)["state"] == "posted":
                raise UserError(
                    "You cannot add lines to a posted entry. Reset it to draft first."
                )
            ids.append(_create_line(env, move_id, vals))
            sync_move(env, move_id)
        return ids

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write on items of draft moves; taxes of posted items are refused."""
        for line_id in ids:
            line = env.db.row(LINE, line_id)
            move = env.db.row(MOVE, line["move_id"])
            if move["state"] == "posted":
                _check_posted_write(move, {"line_ids": [(1, line_id, vals)]})
            orm.write_row(env, LINE, line_id, vals)
            sync_move(env, move["id"])

    def unlink(self, env: Env, ids: list[int]) -> None:
        """Delete items of draft moves."""
        for line_id in ids:
            move = env.db.row(MOVE, env.db.row(LINE, line_id)["move_id"])
            if move["state"] == "posted":
                raise UserError("You cannot delete an item linked to a posted entry.")
            env.db.delete(LINE, line_id)
            sync_move(env, move["id"])


def _first_journal(env: Env, journal_type: str) -> int | bool:
    """Return the first journal of a type, or False."""
    for row in env.db.table("account.journal").values():
        if row["type"] == journal_type and row.get("active", True):
            return int(row["id"])
    return False


def _lines(env: Env, move_id: int) -> list[Row]:
    """Return the move's journal items."""
    return move_lines(env, move_id)


def _check_posted_write(move: Row, vals: Row) -> None:
    """Raise UserError for a write that would change a posted move's accounting."""
    for command in _line_commands(vals):
        values = command[2] if len(command) > 2 and isinstance(command[2], dict) else {}
        if "tax_ids" in values or "tax_line_id" in values:
            raise UserError(
                "You cannot modify the taxes related to a posted journal item, you"
                " should reset the journal entry to draft to do so."
            )
    blocked = sorted(k for k in vals if k not in EDITABLE_WHEN_POSTED)
    if blocked:
        raise UserError(
            "You cannot modify the following fields of a posted entry"
            f" ({move['name']}): {', '.join(blocked)}. Reset it to draft first."
        )


def _line_commands(vals: Row) -> list[Any]:
    """Return every x2many command given for the move's lines."""
    found = []
    for fname in LINE_COMMAND_FIELDS:
        for command in vals.get(fname) or []:
            if isinstance(command, (list, tuple)):
                found.append(command)
    return found


def _apply_line_commands(env: Env, move_id: int, commands: Any) -> None:
    """Apply one2many commands (create, update, delete, clear) to the move's lines.

    Raises PythonError(ValueError) for a malformed command.
    """
    for command in commands or []:
        if not isinstance(command, (list, tuple)) or not command:
            raise PythonError("ValueError", f"Invalid one2many command {command!r}")
        code = command[0]
        if code == 0:
            _create_line(env, move_id, dict(command[2] or {}))
        elif code == 1:
            orm.write_row(env, LINE, command[1], dict(command[2] or {}))
        elif code in (2, 3):
            env.db.delete(LINE, command[1])
        elif code == 5:
            for line in _lines(env, move_id):
                if line.get("display_type") not in ("tax", "payment_term"):
                    env.db.delete(LINE, line["id"])
        elif code not in (4, 6):
            raise PythonError("ValueError", f"Invalid one2many command {command!r}")


def _create_line(env: Env, move_id: int, vals: Row) -> int:
    """Create one journal item on a move, filling product defaults."""
    move = env.db.row(MOVE, move_id)
    vals = {**vals, "move_id": move_id}
    product_id = vals.get("product_id")
    if product_id and env.db.exists("product.product", product_id):
        product = env.db.row("product.product", product_id)
        vals.setdefault("name", orm.display_name(env, "product.product", product))
        vals.setdefault("price_unit", product.get("list_price") or 0)
        if "tax_ids" not in vals:
            vals["tax_ids"] = [(6, 0, list(product.get("taxes_id") or []))]
        vals.setdefault(
            "account_id", product.get("property_account_income_id") or False
        )
    if move["move_type"] in INVOICE_TYPES and not vals.get("account_id"):
        journal = env.db.row("account.journal", move["journal_id"])
        vals["account_id"] = journal.get("default_account_id") or False
    return orm.create_row(env, LINE, vals)


def make_line(env: Env, values: Row) -> int:
    """Insert a derived journal item (tax, receivable) from internal values."""
    return env.db.insert(LINE, {"quantity": Decimal(1), "tax_ids": [], **values})


def sync_move(env: Env, move_id: int) -> None:
    """Recompute a draft move: invoice lines and totals, or entry balances."""
    move = env.db.row(MOVE, move_id)
    if move["move_type"] in INVOICE_TYPES:
        if move.get("invoice_date") and not move.get("invoice_date_due"):
            env.db.update(MOVE, move_id, {"invoice_date_due": move["invoice_date"]})
        sync_invoice(env, move_id, lambda values: make_line(env, values))
        return
    _sync_entry(env, move)


def _sync_entry(env: Env, move: Row) -> None:
    """Fill balances of a journal entry's items and its totals; check balance."""
    currency = env.db.row("res.currency", move["currency_id"])
    rate = to_decimal(currency.get("_rate") or 1)
    company = env.db.row("res.currency", env.company["currency_id"])
    debit_total = ZERO
    for line in _lines(env, move["id"]):
        balance = to_decimal(line.get("debit")) - to_decimal(line.get("credit"))
        amount_currency = to_decimal(line.get("amount_currency"))
        if not balance and amount_currency:
            balance = float_round(amount_currency / rate, company["rounding"])
        elif not amount_currency or move["currency_id"] == env.company["currency_id"]:
            amount_currency = float_round(balance * rate, currency["rounding"])
        env.db.update(
            LINE,
            line["id"],
            {
                "balance": balance,
                "debit": max(balance, ZERO),
                "credit": max(-balance, ZERO),
                "amount_currency": amount_currency,
                "amount_residual": balance,
                "amount_residual_currency": amount_currency,
                "currency_id": move["currency_id"],
                "company_currency_id": env.company["currency_id"],
                "journal_id": move["journal_id"],
                "date": move.get("date"),
                "parent_state": move["state"],
                "display_type": line.get("display_type") or "product",
                "partner_id": line.get("partner_id") or move.get("partner_id") or False,
            },
        )
        debit_total += max(amount_currency, ZERO)
    env.db.update(
        MOVE,
        move["id"],
        {
            "amount_untaxed": debit_total,
            "amount_total": debit_total,
            "amount_tax": ZERO,
            "amount_residual": ZERO,
            "amount_total_signed": debit_total,
        },
    )
    if env.context.get("check_move_validity", True) is not False:
        check_balanced(env, move["id"])


def check_balanced(env: Env, move_id: int) -> None:
    """Raise UserError when a move's debits and credits differ (Odoo's wording)."""
    move = env.db.row(MOVE, move_id)
    lines = _lines(env, move_id)
    debit = sum((to_decimal(r.get("debit")) for r in lines), ZERO)
    credit = sum((to_decimal(r.get("credit")) for r in lines), ZERO)
    company = env.db.row("res.currency", env.company["currency_id"])
    if float_round(debit - credit, company["rounding"]) != 0:
        journal = env.db.row("account.journal", move["journal_id"])
        raise UserError(
            "The move is not balanced.\n"
            f"The total of debits equals {debit:.2f} and the total of credits equals"
            f" {credit:.2f}.\nYou might want to specify a default account on journal"
            f' "{journal["name"]}" to automatically balance each move.'
        )


def _lock_dates(env: Env, move: Row) -> list[dt.date]:
    """Return the company lock dates that apply to this move."""
    company = env.company
    names = ["fiscalyear_lock_date"]
    if env.profile.major >= 18:
        names.append("hard_lock_date")
        if env.db.row("account.journal", move["journal_id"])["type"] == "sale":
            names.append("sale_lock_date")
    if any(
        line.get("tax_ids") or line.get("tax_line_id")
        for line in _lines(env, move["id"])
    ):
        names.append("tax_lock_date")
    return sorted(company[n] for n in names if company.get(n))


def _accounting_date(env: Env, move: Row) -> dt.date:
    """Return the date a move posts on; a locked invoice date moves forward.

    Odoo (16+) does not refuse a customer invoice dated in a locked period: it
    books it on the first open date (within today's year); entries are refused.
    """
    day: dt.date = move.get("invoice_date") or move["date"]
    locks = [d for d in _lock_dates(env, move) if day <= d]
    if not locks:
        return day
    if move["move_type"] not in INVOICE_TYPES:
        raise UserError(
            "You cannot add/modify entries prior to and inclusive of the lock date"
            f" {_format_date(locks[-1])}."
        )
    shifted = locks[-1] + dt.timedelta(days=1)
    return max(shifted, min(env.today(), dt.date(shifted.year, 12, 31)))


def _next_name(env: Env, move: Row, day: dt.date) -> str:
    """Return the next sequence number of the move's journal, prefix and year."""
    journal = env.db.row("account.journal", move["journal_id"])
    prefix = journal["code"]
    if move.get("_payment_id") and journal.get("payment_sequence"):
        prefix = f"P{prefix}"
    elif move["move_type"] in SEQUENCE_PREFIX and journal.get("refund_sequence"):
        prefix = f"{SEQUENCE_PREFIX[move['move_type']]}{prefix}"
    stem = f"{prefix}/{day.year}/"
    counters = env.db.lookup(SEQUENCE, "stem", stem)
    if counters:
        number = int(counters[0]["last"]) + 1
        env.db.update(SEQUENCE, counters[0]["id"], {"last": number})
    else:
        # First number of this prefix and year: start after any name already used.
        used = [
            int(r["name"][len(stem) :])
            for r in env.db.lookup(MOVE, "journal_id", move["journal_id"])
            if isinstance(r.get("name"), str)
            and r["name"].startswith(stem)
            and r["name"][len(stem) :].isdigit()
        ]
        number = max(used, default=0) + 1
        env.db.insert(SEQUENCE, {"stem": stem, "last": number})
    return f"{stem}{number:05d}"


def post(env: Env, move_ids: list[int]) -> None:
    """Post moves: check them, date them, number them, lock their lines.

    Raises UserError with Odoo's messages for an already posted move, a missing
    customer, no lines, a negative invoice total, an unbalanced entry or a
    date inside a lock period.
    """
    for move_id in move_ids:
        move = env.db.row(MOVE, move_id)
        _check_postable(env, move)
        if move["move_type"] in INVOICE_TYPES and not move.get("invoice_date"):
            env.db.update(MOVE, move_id, {"invoice_date": env.today()})
        day = _accounting_date(env, move)
        env.db.update(MOVE, move_id, {"date": day})
        if move["move_type"] in INVOICE_TYPES and not move.get("invoice_date_due"):
            env.db.update(MOVE, move_id, {"invoice_date_due": move["invoice_date"]})
        sync_move(env, move_id)
        name = (
            move["name"]
            if move.get("name") not in (None, False, "/")
            else (_next_name(env, move, day))
        )
        values: Row = {"state": "posted", "name": name, "posted_before": True}
        journal = env.db.row("account.journal", move["journal_id"])
        if journal.get("restrict_mode_hash_table"):
            values["inalterable_hash"] = hashlib.sha256(name.encode()).hexdigest()
        env.db.update(MOVE, move_id, values)
        for line in _lines(env, move_id):
            env.db.update(LINE, line["id"], {"parent_state": "posted", "date": day})
        refresh_moves(env, {move_id})


def _check_postable(env: Env, move: Row) -> None:
    """Raise UserError for a move Odoo would refuse to post."""
    if move["state"] == "posted":
        raise UserError(
            f"The entry {move['name']} (id {move['id']}) is already posted."
        )
    lines = [
        r for r in _lines(env, move["id"]) if r.get("display_type") != "payment_term"
    ]
    if not lines:
        raise UserError("You need to add a line before posting.")
    if move["move_type"] not in INVOICE_TYPES:
        check_balanced(env, move["id"])
        return
    if not move.get("partner_id"):
        kind = (
            "Customer Invoice"
            if move["move_type"] == "out_invoice"
            else ("Customer Credit Note")
        )
        raise UserError(
            "The field 'Customer' is required, please complete it to validate the"
            f" {kind}."
        )
    if to_decimal(move.get("amount_total")) < 0:
        raise UserError(
            "You cannot validate an invoice with a negative total amount. You should"
            " create a credit note instead. Use the action menu to transform it into a"
            " credit note or refund."
        )


def action_post(call: Call) -> bool:
    """Post the moves; returns False like Odoo's `action_post`."""
    call.env.check_access(MOVE, "write")
    call.env.browse(MOVE, call.ids)
    post(call.env, list(call.ids))
    return False


def button_draft(call: Call) -> None:
    """Reset posted or cancelled moves to draft, unmatching their items.

    Raises UserError for a hashed (locked) move or a locked period.
    """
    env = call.env
    env.check_access(MOVE, "write")
    for move in env.browse(MOVE, call.ids):
        if move.get("inalterable_hash"):
            raise UserError(
                "You cannot modify a posted entry of this journal because it is in"
                " strict mode."
            )
        locks = [d for d in _lock_dates(env, move) if move["date"] <= d]
        if locks and move["state"] == "posted":
            raise UserError(
                "You cannot add/modify entries prior to and inclusive of the lock date"
                f" {_format_date(locks[-1])}."
            )
        unreconcile(env, move["id"])
        env.db.update(MOVE, move["id"], {"state": "draft", "payment_state": "not_paid"})
        for line in _lines(env, move["id"]):
            env.db.update(LINE, line["id"], {"parent_state": "draft"})
        sync_move(env, move["id"])


def button_cancel(call: Call) -> None:
    """Cancel draft moves (Odoo requires a reset to draft first)."""
    env = call.env
    env.check_access(MOVE, "write")
    for move in env.browse(MOVE, call.ids):
        if move["state"] == "posted":
            raise UserError("Only draft journal entries can be cancelled.")
        env.db.update(MOVE, move["id"], {"state": "cancel", "auto_post": "no"})
        for line in _lines(env, move["id"]):
            env.db.update(LINE, line["id"], {"parent_state": "cancel"})


def js_assign_outstanding_line(call: Call, line_id: int) -> bool:
    """Match an outstanding credit (payment, credit note) with this invoice."""
    env = call.env
    (move,) = env.browse(MOVE, call.ids[:1])
    other = env.browse(LINE, [line_id])[0]
    mine = [
        r["id"]
        for r in _lines(env, move["id"])
        if r["account_id"] == other["account_id"] and not r.get("reconciled")
    ]
    reconcile(env, [*mine, line_id])
    return True


def line_reconcile(call: Call) -> bool:
    """Match the given journal items with each other (account.move.line.reconcile)."""
    call.env.check_access(LINE, "write")
    reconcile(call.env, list(call.ids))
    return True


def remove_move_reconcile(call: Call) -> bool:
    """Unmatch the moves of the given journal items."""
    env = call.env
    for move_id in {r["move_id"] for r in env.browse(LINE, call.ids)}:
        unreconcile(env, move_id)
    return True


AccountMove.methods = {
    "action_post": Method(action_post),
    "button_draft": Method(button_draft),
    "button_cancel": Method(button_cancel),
    "js_assign_outstanding_line": Method(js_assign_outstanding_line),
}
AccountMoveLine.methods = {
    "reconcile": Method(line_reconcile),
    "remove_move_reconcile": Method(remove_move_reconcile),
}
