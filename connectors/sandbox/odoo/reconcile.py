"""Matching journal items (partial reconciles), residuals and `payment_state`.

Simplification: reconciling items in a foreign currency never books an exchange
difference entry; the company-currency residual of a fully matched item is set
to zero instead.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.errors import UserError
from connectors.sandbox.odoo.floats import ZERO, float_round, is_zero, to_decimal
from connectors.sandbox.odoo.invoice_lines import INVOICE_TYPES, move_lines

LINE = "account.move.line"
PARTIAL = "account.partial.reconcile"


def reconcile(env: Env, line_ids: list[int]) -> list[int]:
    """Match debit items with credit items of one account; return partial ids.

    Raises UserError like Odoo for items on different accounts, on an account
    that does not allow reconciliation, or of a move that is not posted.
    """
    lines = env.browse(LINE, line_ids)
    _check_reconcilable(env, lines)
    debits = sorted((r for r in lines if _residual(r) > 0), key=_age)
    credits = sorted((r for r in lines if _residual(r) < 0), key=_age)
    partials: list[int] = []
    while debits and credits:
        debit, credit = debits[0], credits[0]
        partials.append(_match(env, debit, credit))
        if _settled(env, debit):
            debits.pop(0)
        if _settled(env, credit):
            credits.pop(0)
    refresh_moves(env, {int(r["move_id"]) for r in lines})
    return partials


def _age(row: Row) -> tuple[str, int]:
    """Return the sort key that matches the oldest items first."""
    return (str(row.get("date") or ""), row["id"])


def _residual(row: Row) -> Decimal:
    """Return the document-currency residual of an item."""
    return to_decimal(row.get("amount_residual_currency"))


def _check_reconcilable(env: Env, lines: list[Row]) -> None:
    """Raise UserError when the items cannot be matched together."""
    accounts = {r["account_id"] for r in lines}
    if len(accounts) > 1:
        names = ", ".join(env.db.row("account.account", a)["code"] for a in accounts)
        raise UserError(f"Entries are not from the same account: {names}")
    account = env.db.row("account.account", next(iter(accounts)))
    if not account.get("reconcile") and account["account_type"] != "asset_cash":
        raise UserError(
            f"Account {account['code']} {account['name']} does not allow"
            " reconciliation. First change the configuration of this account to"
            " allow it."
        )
    if any(r.get("parent_state") != "posted" for r in lines):
        raise UserError("You can only reconcile posted entries.")


def _match(env: Env, debit: Row, credit: Row) -> int:
    """Create one partial reconcile between a debit and a credit item."""
    amount_currency = min(_residual(debit), -_residual(credit))
    debit_company = _company_part(debit, amount_currency)
    credit_company = _company_part(credit, -amount_currency)
    amount = min(debit_company, credit_company)
    for row, cur, comp in (
        (debit, -amount_currency, -amount),
        (credit, amount_currency, amount),
    ):
        env.db.update(
            LINE,
            row["id"],
            {
                "amount_residual_currency": _residual(row) + cur,
                "amount_residual": to_decimal(row.get("amount_residual")) + comp,
            },
        )
    return env.db.insert(
        PARTIAL,
        {
            "debit_move_id": debit["id"],
            "credit_move_id": credit["id"],
            "amount": amount,
            "debit_amount_currency": amount_currency,
            "credit_amount_currency": amount_currency,
            "company_currency_id": debit.get("company_currency_id"),
            "debit_currency_id": debit.get("currency_id"),
            "credit_currency_id": credit.get("currency_id"),
        },
    )


def _company_part(row: Row, amount_currency: Decimal) -> Decimal:
    """Return the company-currency share of `amount_currency` of an item."""
    residual_currency = _residual(row)
    residual = to_decimal(row.get("amount_residual"))
    if residual_currency == amount_currency or residual_currency == 0:
        return abs(residual)
    return abs(residual * amount_currency / residual_currency)


def _settled(env: Env, row: Row) -> bool:
    """Mark an item reconciled when its residual is zero; return whether it is."""
    currency = env.db.row("res.currency", row["currency_id"])
    done = is_zero(_residual(row), currency["rounding"])
    if done:
        env.db.update(
            LINE,
            row["id"],
            {
                "reconciled": True,
                "amount_residual": ZERO,
                "amount_residual_currency": ZERO,
            },
        )
    return done


def counterpart_moves(env: Env, move_id: int) -> list[int]:
    """Return the ids of moves whose items are matched with this move's items."""
    mine = {r["id"] for r in move_lines(env, move_id)}
    others: set[int] = set()
    for partial in _partials(env, mine):
        pair = {partial["debit_move_id"], partial["credit_move_id"]}
        if pair & mine:
            for line_id in pair - mine:
                others.add(int(env.db.row(LINE, line_id)["move_id"]))
    return sorted(others)


def _partials(env: Env, line_ids: set[int]) -> list[Row]:
    """Return the partial reconciles touching any of the items, once each."""
    found: dict[int, Row] = {}
    for line_id in sorted(line_ids):
        for side in ("debit_move_id", "credit_move_id"):
            for partial in env.db.lookup(PARTIAL, side, line_id):
                found[partial["id"]] = partial
    return [found[k] for k in sorted(found)]


def unreconcile(env: Env, move_id: int) -> None:
    """Remove every partial touching the move's items and restore residuals."""
    mine = {r["id"] for r in move_lines(env, move_id)}
    touched: set[int] = set()
    for partial in _partials(env, mine):
        pid = partial["id"]
        debit, credit = partial["debit_move_id"], partial["credit_move_id"]
        _restore(env, debit, to_decimal(partial["amount"]), partial, sign=1)
        _restore(env, credit, to_decimal(partial["amount"]), partial, sign=-1)
        touched |= {int(env.db.row(LINE, x)["move_id"]) for x in (debit, credit)}
        env.db.delete(PARTIAL, pid)
    refresh_moves(env, touched)


def _restore(
    env: Env, line_id: int, amount: Decimal, partial: Row, *, sign: int
) -> None:
    """Give back a partial's amount to one item's residual."""
    row = env.db.row(LINE, line_id)
    cur = to_decimal(partial["debit_amount_currency"])
    env.db.update(
        LINE,
        line_id,
        {
            "amount_residual": to_decimal(row.get("amount_residual")) + sign * amount,
            "amount_residual_currency": _residual(row) + sign * cur,
            "reconciled": False,
        },
    )


def refresh_moves(env: Env, move_ids: set[int]) -> None:
    """Recompute `amount_residual` and `payment_state` of moves and their payments."""
    for move_id in sorted(move_ids):
        if not env.db.exists("account.move", move_id):
            continue
        move = env.db.row("account.move", move_id)
        if move["move_type"] in INVOICE_TYPES:
            residual = _move_residual(env, move)
            env.db.update(
                "account.move",
                move_id,
                {
                    "amount_residual": residual,
                    "amount_residual_signed": residual
                    * (-1 if move["move_type"] == "out_refund" else 1),
                    "payment_state": payment_state(env, move, residual),
                },
            )
        payment_id = move.get("_payment_id")
        if payment_id:
            from connectors.sandbox.odoo.payments import refresh_payment

            refresh_payment(env, int(payment_id))


def _move_residual(env: Env, move: Row) -> Decimal:
    """Return what is left to pay on an invoice, in its currency (positive)."""
    rows = [
        r
        for r in move_lines(env, move["id"])
        if r.get("display_type") == "payment_term"
    ]
    total = sum((_residual(r) for r in rows), ZERO)
    return abs(total)


def payment_state(env: Env, move: Row, residual: Decimal) -> str:
    """Return Odoo's `payment_state` of a posted invoice.

    'reversed' when only its reversal settled it; 'in_payment' while a payment
    that settled it is not yet matched with a bank statement (Odoo 18+, and
    16/17 with the Accounting app); 'paid', 'partial' or 'not_paid' otherwise.
    """
    if move.get("state") != "posted":
        return "not_paid"
    currency = env.db.row("res.currency", move["currency_id"])
    rounding = currency["rounding"]
    total = to_decimal(move.get("amount_total"))
    if not is_zero(residual, rounding):
        partial = float_round(residual, rounding) != float_round(total, rounding)
        return "partial" if partial else "not_paid"
    others = [env.db.row("account.move", m) for m in counterpart_moves(env, move["id"])]
    if others and all(_reverses(move, o) for o in others):
        return "reversed"
    unmatched = [
        o
        for o in others
        if o.get("_payment_id")
        and not env.db.row("account.payment", o["_payment_id"]).get("is_matched")
    ]
    if unmatched and (env.profile.major >= 18 or env.company.get("_accountant")):
        return "in_payment"
    return "paid"


def _reverses(move: Row, other: Row) -> bool:
    """Return True when one move is the reversal of the other."""
    return bool(
        other.get("reversed_entry_id") == move["id"]
        or move.get("reversed_entry_id") == other["id"]
    )
