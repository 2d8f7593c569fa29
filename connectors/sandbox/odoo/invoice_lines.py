"""Rebuilding an invoice's journal items and totals from its product lines.

The product lines are what the caller writes; tax lines and the receivable
(payment term) line are derived, as in Odoo, every time a draft changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.floats import ZERO, float_round, is_zero, to_decimal
from connectors.sandbox.odoo.taxes import LineResult, Tax, compute_line
from connectors.sandbox.odoo.taxes_legacy import compute_all

LINE = "account.move.line"
INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")


def direction_sign(move_type: str) -> int:
    """Return -1 where income lines are credits (customer invoice), else +1."""
    return -1 if move_type in ("out_invoice", "in_refund", "out_receipt") else 1


def load_tax(env: Env, tax_id: int) -> Tax:
    """Return the engine's view of an account.tax record (children included)."""
    row = env.db.row("account.tax", tax_id)
    return Tax(
        id=tax_id,
        amount_type=row["amount_type"],
        amount=to_decimal(row.get("amount")),
        price_include=tax_price_include(env, row),
        include_base_amount=bool(row.get("include_base_amount")),
        is_base_affected=row.get("is_base_affected", True) is not False,
        sequence=int(row.get("sequence") or 0),
        children=tuple(load_tax(env, c) for c in row.get("children_tax_ids") or []),
    )


def tax_price_include(env: Env, row: Row) -> bool:
    """Return whether a tax is price-included (18+: override, else company default)."""
    if not env.profile.has_price_include_override:
        return bool(row.get("price_include"))
    override = row.get("price_include_override")
    if override:
        return bool(override == "tax_included")
    return bool(env.company.get("account_price_include") == "tax_included")


@dataclass
class _Context:
    """Currency and rounding facts of one invoice."""

    rounding: Decimal
    company_rounding: Decimal
    rate: Decimal
    globally: bool
    legacy: bool
    master: bool


def _context(env: Env, move: Row) -> _Context:
    """Return the rounding context of `move`."""
    currency = env.db.row("res.currency", move["currency_id"])
    company_currency = env.db.row("res.currency", env.company["currency_id"])
    method = env.company.get("tax_calculation_rounding_method") or "round_per_line"
    return _Context(
        rounding=currency["rounding"],
        company_rounding=company_currency["rounding"],
        rate=to_decimal(currency.get("_rate") or 1),
        globally=method == "round_globally",
        legacy=not env.profile.modern_taxes,
        master=env.profile.major >= 19,
    )


def _line_taxes(env: Env, ctx: _Context, line: Row) -> LineResult:
    """Return the engine's result for one product line."""
    taxes = [load_tax(env, t) for t in line.get("tax_ids") or []]
    price = to_decimal(line.get("price_unit"))
    quantity = to_decimal(line.get("quantity"))
    discount = to_decimal(line.get("discount"))
    if ctx.legacy:
        return compute_all(
            taxes,
            price_unit=price,
            quantity=quantity,
            discount=discount,
            rounding=ctx.rounding,
            round_globally=ctx.globally,
        )
    return compute_line(
        taxes,
        price_unit=price,
        quantity=quantity,
        discount=discount,
        rounding=None if ctx.globally else ctx.rounding,
        negative_fixed=ctx.master,
    )


def move_lines(env: Env, move_id: int) -> list[Row]:
    """Return the journal items of a move (through the move_id index), by id."""
    return env.db.lookup(LINE, "move_id", move_id)


def product_lines(env: Env, move_id: int) -> list[Row]:
    """Return the move's product lines in sequence order."""
    rows = move_lines(env, move_id)
    rows = [r for r in rows if r.get("display_type", "product") == "product"]
    return sorted(rows, key=lambda r: (r.get("sequence") or 0, r["id"]))


def sync_invoice(env: Env, move_id: int, make_line: Callable[[Row], int]) -> None:
    """Recompute subtotals, tax lines, the receivable line and the move totals.

    `make_line` creates a journal item from internal values and returns its id.
    """
    move = env.db.row("account.move", move_id)
    ctx = _context(env, move)
    lines = product_lines(env, move_id)
    results = [_line_taxes(env, ctx, line) for line in lines]
    rnd = ctx.rounding

    # Per line: the stored subtotal and total are the engine's, currency-rounded.
    subtotals = [float_round(r.total_excluded, rnd) for r in results]
    for line, result, subtotal in zip(lines, results, subtotals, strict=True):
        env.db.update(
            LINE,
            line["id"],
            {
                "price_subtotal": subtotal,
                "price_total": float_round(result.total_included, rnd),
            },
        )

    # Per tax: one tax line; round_globally rounds the sum, per-line sums rounds.
    per_tax: dict[int, list[Decimal]] = {}
    bases: dict[int, Decimal] = {}
    for result in results:
        for item in result.taxes:
            per_tax.setdefault(item.tax.id, []).append(item.amount)
            bases[item.tax.id] = bases.get(item.tax.id, ZERO) + item.base
    tax_amounts = {
        tid: float_round(sum(amounts, ZERO), rnd) for tid, amounts in per_tax.items()
    }
    untaxed = _untaxed_total(ctx, results, subtotals, tax_amounts)
    delta = untaxed - sum(subtotals, ZERO)
    _rebuild_items(
        env, move, ctx, lines, subtotals, delta, tax_amounts, bases, make_line
    )


def _untaxed_total(
    ctx: _Context,
    results: list[LineResult],
    subtotals: list[Decimal],
    tax_amounts: dict[int, Decimal],
) -> Decimal:
    """Return the invoice's untaxed amount under the company's rounding method."""
    if not ctx.globally or ctx.legacy:
        return sum(subtotals, ZERO)
    raw_excluded = sum((r.total_excluded for r in results), ZERO)
    if ctx.master:
        # "Mixed" mode: when every tax that is not zero in the currency is
        # price-included, the rounded total is what must come out exact.
        taxed = [
            t for r in results for t in r.taxes if not is_zero(t.amount, ctx.rounding)
        ]
        if all(t.tax.price_include for t in taxed):
            raw_included = sum((r.total_included for r in results), ZERO)
            return float_round(raw_included, ctx.rounding) - sum(
                tax_amounts.values(), ZERO
            )
    return float_round(raw_excluded, ctx.rounding)


def _rebuild_items(
    env: Env,
    move: Row,
    ctx: _Context,
    lines: list[Row],
    subtotals: list[Decimal],
    delta: Decimal,
    tax_amounts: dict[int, Decimal],
    bases: dict[int, Decimal],
    make_line: Callable[[Row], int],
) -> None:
    """Write product line balances, recreate tax and receivable lines, set totals."""
    sign = direction_sign(move["move_type"])
    biggest = max(range(len(lines)), key=lambda i: abs(subtotals[i]), default=None)
    common = _common_values(env, move)
    for i, line in enumerate(lines):
        amount = subtotals[i] + (delta if i == biggest else ZERO)
        env.db.update(LINE, line["id"], {**common, **_amounts(ctx, sign * amount)})

    # Derived items are dropped and rebuilt from scratch on every change.
    for row in move_lines(env, move["id"]):
        if row.get("display_type") in (
            "tax",
            "payment_term",
        ):
            env.db.delete(LINE, row["id"])
    for tax_id, amount in sorted(tax_amounts.items()):
        tax = env.db.row("account.tax", tax_id)
        base = float_round(bases[tax_id], ctx.rounding)
        make_line(
            {
                **common,
                **_amounts(ctx, sign * amount),
                "display_type": "tax",
                "name": tax["name"],
                "tax_line_id": tax_id,
                "account_id": tax.get("_account_id"),
                "tax_base_amount": base,
                "sequence": 1000,
            }
        )
    _receivable_line(env, move, ctx, common, make_line)


def _common_values(env: Env, move: Row) -> Row:
    """Return the values every journal item copies from its move."""
    return {
        "move_id": move["id"],
        "partner_id": move.get("partner_id") or False,
        "currency_id": move["currency_id"],
        "company_currency_id": env.company["currency_id"],
        "company_id": move.get("company_id"),
        "journal_id": move["journal_id"],
        "date": move.get("date"),
        "parent_state": move.get("state", "draft"),
    }


def _amounts(ctx: _Context, amount_currency: Decimal) -> Row:
    """Return amount_currency, balance, debit and credit of one item."""
    balance = float_round(amount_currency / ctx.rate, ctx.company_rounding)
    return {
        "amount_currency": amount_currency,
        "balance": balance,
        "debit": balance if balance > 0 else ZERO,
        "credit": -balance if balance < 0 else ZERO,
        "amount_residual": ZERO,
        "amount_residual_currency": ZERO,
    }


def _receivable_line(
    env: Env, move: Row, ctx: _Context, common: Row, make_line: Callable[[Row], int]
) -> None:
    """Create the receivable item that balances the move, and set move totals."""
    items = move_lines(env, move["id"])
    total_currency = -sum((to_decimal(r["amount_currency"]) for r in items), ZERO)
    total_balance = -sum((to_decimal(r["balance"]) for r in items), ZERO)
    account = receivable_account(env, move)
    make_line(
        {
            **common,
            "display_type": "payment_term",
            "name": move.get("payment_reference") or "",
            "account_id": account,
            "amount_currency": total_currency,
            "balance": total_balance,
            "debit": total_balance if total_balance > 0 else ZERO,
            "credit": -total_balance if total_balance < 0 else ZERO,
            "amount_residual": total_balance,
            "amount_residual_currency": total_currency,
            "date_maturity": move.get("invoice_date_due") or move.get("date"),
            "sequence": 2000,
        }
    )
    sign = direction_sign(move["move_type"])
    untaxed = sign * sum(
        (
            to_decimal(r["amount_currency"])
            for r in items
            if r.get("display_type") == "product"
        ),
        ZERO,
    )
    tax = sign * sum(
        (
            to_decimal(r["amount_currency"])
            for r in items
            if r.get("display_type") == "tax"
        ),
        ZERO,
    )
    factor = -sign
    env.db.update(
        "account.move",
        move["id"],
        {
            "amount_untaxed": untaxed,
            "amount_tax": tax,
            "amount_total": untaxed + tax,
            "amount_residual": untaxed + tax,
            "amount_untaxed_signed": factor * _company(ctx, untaxed),
            "amount_total_signed": factor * _company(ctx, untaxed + tax),
            "amount_residual_signed": factor * _company(ctx, untaxed + tax),
        },
    )


def _company(ctx: _Context, amount: Decimal) -> Decimal:
    """Return a document amount in company currency, rounded."""
    return float_round(amount / ctx.rate, ctx.company_rounding)


def receivable_account(env: Env, move: Row) -> int:
    """Return the partner's receivable account, or the company default one."""
    partner_id = move.get("partner_id")
    if partner_id and env.db.exists("res.partner", partner_id):
        account = env.db.row("res.partner", partner_id).get(
            "property_account_receivable_id"
        )
        if account:
            return int(account)
    return int(env.company["_receivable_account_id"])
