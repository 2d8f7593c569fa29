"""One CAMT entry (`Ntry`) turned into statement lines.

A batch booking (one entry, several `TxDtls`) is expanded into one line per
transaction when the transactions' own amounts add up to the entry; otherwise the
entry stays one line, since the entry amount is what the bank booked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.bank import safe_xml as x
from connectors.bank.references import bic_or_none, classify_reference, iban_checked
from connectors.bank.stream import (
    LineFactory,
    known_id,
    parse_amount,
    parse_iso_date,
)
from o2c.errors import PayloadError
from o2c.money import Money
from o2c.statements import StatementLine, StructuredReference, exact_money

logger = logging.getLogger(__name__)


def entry_lines(
    entry: x.Node, factory: LineFactory, *, where: str
) -> Iterator[StatementLine]:
    """Yield the lines of one booked entry.

    Raises PayloadError naming `where` when the amount or dates cannot be read.
    """
    currency = factory.statement.currency
    amount = _signed(entry, where=where)
    if amount.currency != currency:
        raise PayloadError(
            f"entry in {amount.currency} on a {currency} statement", where=where
        )
    common = _entry_fields(entry, where=where)
    details = x.all_of(entry, "NtryDtls/TxDtls")
    parts = _batch_amounts(details, amount) if len(details) > 1 else None
    if parts is None:
        if len(details) > 1:
            logger.warning(
                "%s: batch of %d transactions does not add up to the entry; "
                "kept as one line",
                where,
                len(details),
            )
        tx = details[0] if len(details) == 1 else None
        yield _line(factory, common, tx, amount=amount, entry=entry, index=None)
        return
    for index, (tx, part) in enumerate(zip(details, parts, strict=True), start=1):
        yield _line(factory, common, tx, amount=part, entry=entry, index=index)


def _signed(element: x.Node, *, where: str) -> Money:
    node = x.first(element, "Amt")
    ccy = node.get("Ccy") if node is not None else None
    money = parse_amount(x.text(node), ccy, where=where)
    indicator = x.text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise PayloadError(f"CdtDbtInd is {indicator!r}", where=where)
    return -money if indicator == "DBIT" else money


def _entry_fields(entry: x.Node, *, where: str) -> dict[str, Any]:
    booked = x.text(entry, "BookgDt/Dt") or x.text(entry, "BookgDt/DtTm")
    value = x.text(entry, "ValDt/Dt") or x.text(entry, "ValDt/DtTm")
    if not booked and not value:
        raise PayloadError("booked entry without a booking date", where=where)
    return {
        "booking_date": parse_iso_date(booked or value, where=where),
        "value_date": parse_iso_date(value, where=where) if value else None,
        "reversal": (x.text(entry, "RvslInd") or "").lower() == "true",
        "bank_transaction_code": _bank_code(entry),
    }


def _bank_code(element: x.Node | None) -> str | None:
    domain = x.text(element, "BkTxCd/Domn/Cd")
    if domain:
        family = x.text(element, "BkTxCd/Domn/Fmly/Cd") or ""
        sub = x.text(element, "BkTxCd/Domn/Fmly/SubFmlyCd") or ""
        return "/".join(part for part in (domain, family, sub) if part)
    return x.text(element, "BkTxCd/Prtry/Cd")


def _batch_amounts(details: list[x.Node], entry_amount: Money) -> list[Money] | None:
    """Each transaction's signed amount, or None when they do not sum to the entry."""
    parts = []
    for tx in details:
        node = x.first(tx, "Amt")
        if node is None:
            node = x.first(tx, "AmtDtls/TxAmt/Amt")
        if node is None or node.get("Ccy") != entry_amount.currency:
            return None
        try:
            amount = Decimal(node.text() or "")
        except InvalidOperation:
            return None
        indicator = x.text(tx, "CdtDbtInd")
        negative = indicator == "DBIT" or (
            indicator is None and entry_amount.amount < 0
        )
        signed = -amount if negative else amount
        parts.append(exact_money(signed, entry_amount.currency))
    total = sum((part.amount for part in parts), Decimal(0))
    return parts if total == entry_amount.amount else None


def _line(
    factory: LineFactory,
    common: dict[str, Any],
    tx: x.Node | None,
    *,
    amount: Money,
    entry: x.Node,
    index: int | None,
) -> StatementLine:
    """Build one line from the entry and (when present) one transaction detail."""
    source = tx if tx is not None else entry
    entry_ref = known_id(x.text(entry, "AcctSvcrRef")) or known_id(
        x.text(entry, "NtryRef")
    )
    bank_id = f"{entry_ref}/{index}" if entry_ref and index else entry_ref
    original, rate = _original_amount(tx, entry if index is None else None, amount)
    fields: dict[str, Any] = {
        **common,
        "amount": amount,
        "original_amount": original,
        "exchange_rate": rate,
        "charges": _charges(source) or (None if index else _charges(entry)),
        "bank_reference": known_id(x.text(tx, "Refs/AcctSvcrRef")) or entry_ref,
        "end_to_end_id": known_id(x.text(tx, "Refs/EndToEndId")),
        "mandate_id": known_id(x.text(tx, "Refs/MndtId")),
        "structured_reference": _creditor_reference(tx),
        "remittance": _remittance(tx, entry),
        **_counterparty(tx, credit=amount.amount > 0),
    }
    if tx is not None:
        fields["bank_transaction_code"] = (
            _bank_code(tx) or common["bank_transaction_code"]
        )
    return factory.line(bank_id=bank_id, **fields)


def _original_amount(
    tx: x.Node | None, entry: x.Node | None, amount: Money
) -> tuple[Money | None, Decimal | None]:
    """The instructed amount when it differs from the booked one, and the rate.

    A transaction's own `Amt` counts too (when in another currency), except a
    zero one: some banks send `0` there (seen: 0 SEK inside an 8.85 EUR entry).
    """
    places: list[tuple[x.Node | None, str]] = [
        (tx, "AmtDtls/InstdAmt"),
        (tx, "AmtDtls/TxAmt"),
        (tx, ""),
        (entry, "AmtDtls/InstdAmt"),
        (entry, "AmtDtls/TxAmt"),
    ]
    rate = None
    for element, path in places:
        if element is None:
            continue
        prefix = f"{path}/" if path else ""
        rate = rate or _decimal(x.text(element, f"{prefix}CcyXchg/XchgRate"))
        money = _money_or_none(x.first(element, f"{prefix}Amt"))
        if money is None or money.amount == 0:
            continue
        if money.currency != amount.currency or money.amount != abs(amount.amount):
            return money, rate
    return None, rate


def _money_or_none(node: x.Node | None) -> Money | None:
    if node is None or not node.get("Ccy"):
        return None
    value = _decimal(node.text())
    if value is None:
        return None
    try:
        return Money(amount=value, currency=node.get("Ccy") or "")
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _charges(element: x.Node | None) -> Money | None:
    """Total charges: v04+ `Chrgs/Rcrd/Amt` or `TtlChrgsAndTaxAmt`, v02 `Chrgs/Amt`."""
    total = _money_or_none(x.first(element, "Chrgs/TtlChrgsAndTaxAmt"))
    if total is not None:
        return total
    records = [
        _money_or_none(node)
        for node in x.all_of(element, "Chrgs/Rcrd/Amt") + x.all_of(element, "Chrgs/Amt")
    ]
    found = [money for money in records if money is not None]
    if not found:
        return None
    same = [money for money in found if money.currency == found[0].currency]
    return Money.total(same, found[0].currency)


def _creditor_reference(tx: x.Node | None) -> StructuredReference | None:
    for info in x.all_of(tx, "RmtInf/Strd/CdtrRefInf"):
        reference = x.text(info, "Ref")
        if not reference:
            continue
        hint = (
            x.text(info, "Tp/CdOrPrtry/Prtry")
            or x.text(info, "Tp/Issr")
            or x.text(info, "Tp/CdOrPrtry/Cd")
        )
        return classify_reference(reference, hint)
    return None


def _remittance(tx: x.Node | None, entry: x.Node) -> str | None:
    """Unstructured remittance joined across its parts, else the additional info."""
    parts = [x.text(node) for node in x.all_of(tx, "RmtInf/Ustrd")]
    text = " ".join(part for part in parts if part)
    if text:
        return text
    extra = [x.text(node) for node in x.all_of(tx, "RmtInf/Strd/AddtlRmtInf")]
    return (
        " ".join(part for part in extra if part)
        or x.text(tx, "AddtlTxInf")
        or x.text(entry, "AddtlNtryInf")
    )


def _counterparty(tx: x.Node | None, *, credit: bool) -> dict[str, Any]:
    """The other party: the debtor of money in, the creditor of money out."""
    sides = ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr")
    for side in sides:
        name = x.text(tx, f"RltdPties/{side}/Nm") or x.text(
            tx, f"RltdPties/{side}/Pty/Nm"
        )
        account = x.text(tx, f"RltdPties/{side}Acct/Id/IBAN") or x.text(
            tx, f"RltdPties/{side}Acct/Id/Othr/Id"
        )
        if name is None and account is None:
            continue
        iban, valid = iban_checked(account)
        if x.text(tx, f"RltdPties/{side}Acct/Id/IBAN") is None and not valid:
            valid = None  # an account number that never claimed to be an IBAN
        bic = x.text(tx, f"RltdAgts/{side}Agt/FinInstnId/BICFI") or x.text(
            tx, f"RltdAgts/{side}Agt/FinInstnId/BIC"
        )
        return {
            "counterparty_name": name,
            "counterparty_iban": iban,
            "counterparty_iban_valid": valid,
            "counterparty_bic": bic_or_none(bic),
        }
    return {}
