"""The demo's bank side: a CAMT.053 and an MT940 statement written, imported twice.

The CAMT.053 books the Stripe payouts' arrivals and two customer transfers that
name their orders; the MT940 books a transfer and the bank's fee. Both files are
imported through `sync.statements.import_files`, then imported again: the second
run stores nothing, every line is counted as a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sync.statements import ImportReport, import_files

IBAN = "DE89370400440532013000"
CURRENCY = "USD"
OPENING = Decimal("1000.00")


@dataclass(frozen=True)
class BankLine:
    """One booked line of a demo statement (credit when amount > 0)."""

    amount: Decimal
    booked: date
    reference: str  # the bank's own reference of the line
    text: str  # the remittance information


@dataclass(frozen=True)
class StatementImports:
    """The first import and the repeat of the demo's statement files."""

    first: ImportReport
    again: ImportReport


def demo_lines(payouts: list[dict[str, Any]], numbers: list[str]) -> list[BankLine]:
    """The lines of the CAMT.053: each payout's arrival, two customer transfers."""
    lines = [
        BankLine(
            Decimal(payout["amount"]) / 100,
            datetime.fromtimestamp(payout["arrival"], UTC).date(),
            f"O2CDEMO-{payout['id'][-10:]}",
            f"STRIPE PAYOUT {payout['id']}",
        )
        for payout in payouts
    ]
    today = datetime.now(UTC).date()
    for index, number in enumerate(numbers[:2]):
        lines.append(
            BankLine(
                Decimal("120.00") + index,
                today,
                f"O2CDEMO-TRF-{index + 1}",
                f"Payment for order {number}",
            )
        )
    return lines


def camt053(lines: list[BankLine]) -> str:
    """A CAMT.053.001.02 statement of the lines, balances included."""
    closing = OPENING + sum((line.amount for line in lines), Decimal(0))
    day = max(line.booked for line in lines).isoformat()
    balances = "".join(
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{CURRENCY}">{abs(value):.2f}</Amt>'
        f"<CdtDbtInd>{'CRDT' if value >= 0 else 'DBIT'}</CdtDbtInd>"
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
        for code, value in (("OPBD", OPENING), ("CLBD", closing))
    )
    entries = "".join(_camt_entry(line) for line in lines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>O2CDEMO-CAMT</MsgId>"
        f"<CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>O2CDEMO-{day}</Id><CreDtTm>{day}T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{CURRENCY}</Ccy></Acct>"
        f"{balances}{entries}</Stmt></BkToCstmrStmt></Document>\n"
    )


def _camt_entry(line: BankLine) -> str:
    indicator = "CRDT" if line.amount >= 0 else "DBIT"
    booked = line.booked.isoformat()
    return (
        f'<Ntry><Amt Ccy="{CURRENCY}">{abs(line.amount):.2f}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.reference}</AcctSvcrRef>"
        "<BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>"
        "<NtryDtls><TxDtls>"
        f"<RmtInf><Ustrd>{line.text}</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
    )


def mt940(numbers: list[str]) -> str:
    """An MT940 statement: one customer transfer naming an order, one bank fee."""
    today = datetime.now(UTC).date()
    lines = [
        BankLine(Decimal("75.50"), today, "O2CDEMO-MT-1", f"Order {numbers[-1]}"),
        BankLine(Decimal("-4.90"), today, "O2CDEMO-MT-2", "Account fee"),
    ]
    closing = OPENING + sum((line.amount for line in lines), Decimal(0))
    day = today.strftime("%y%m%d")
    body = [
        ":20:O2CDEMO",
        f":25:{IBAN}",
        ":28C:00001/00001",
        f":60F:C{day}{CURRENCY}{_swift(OPENING)}",
    ]
    for line in lines:
        mark = "C" if line.amount >= 0 else "D"
        code = "NTRF" if line.amount >= 0 else "NCHG"
        body += [
            f":61:{day}{day[2:]}{mark}{_swift(abs(line.amount))}{code}"
            f"NONREF//{line.reference}",
            f":86:{line.text}",
        ]
    body.append(f":62F:C{day}{CURRENCY}{_swift(closing)}")
    return "\r\n".join(body) + "\r\n"


def _swift(amount: Decimal) -> str:
    """An MT940 amount: comma as the decimal mark."""
    return f"{amount:.2f}".replace(".", ",")


def write_statements(
    folder: Path, payouts: list[dict[str, Any]], numbers: list[str]
) -> list[Path]:
    """Write the demo's CAMT.053 and MT940 files into `folder/statements`."""
    where = folder / "statements"
    where.mkdir(exist_ok=True)
    camt = where / "demo-camt053.xml"
    camt.write_text(camt053(demo_lines(payouts, numbers)), encoding="utf-8")
    swift = where / "demo-mt940.sta"
    swift.write_text(mt940(numbers), encoding="utf-8")
    return [camt, swift]


def import_twice(engine: Engine, paths: list[Path]) -> StatementImports:
    """Import the files, then again: the repeat must be absorbed."""
    return StatementImports(import_files(engine, paths), import_files(engine, paths))
