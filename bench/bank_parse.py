"""Bank statement parsing: throughput and peak memory for large generated files.

Generates a CAMT.053 file and MT940 files of 100,000 entries in a temporary folder
and streams each through `connectors.bank.read_statement_file` in a fresh process,
so each peak RSS belongs to one parse alone. A 10,000-entry CAMT file is parsed too:
equal peaks for 10k and 100k entries show that memory does not grow with the file.
MT940 is measured twice: split into daily statements (mt-940 parses one statement
block at a time) and as one single 100,000-entry statement (held whole by mt-940).
Last, a 20,000-entry CAMT file is imported into SQLite twice (stored, then absorbed
as duplicates). Throughput is given per CPU second: wall time on a shared machine
says more about the neighbours than about the parser.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ENTRIES = 100_000
SMALL = 10_000
IMPORTED = 20_000

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from connectors.bank import BalanceTracker, read_statement_file
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracker = BalanceTracker()
lines = 0
started = time.perf_counter()
cpu_started = time.process_time()
for item in read_statement_file(Path(sys.argv[1])):
    tracker.add(item)
    lines += item.__class__.__name__ == "StatementLine"
tracker.finish()
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu_started
problems = sum(len(p) for _, _, p in tracker.results)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"lines": lines, "seconds": seconds, "cpu": cpu, "base_kib": base,
                  "peak_kib": peak, "problems": problems}))
"""


def write_camt(path: Path, entries: int) -> None:
    """A CAMT.053.001.08 statement with `entries` booked credits of 1.01 EUR."""
    closing = Decimal("1000.00") + Decimal("1.01") * entries
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns='
            '"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
            "<GrpHdr><MsgId>BENCH</MsgId></GrpHdr><Stmt><Id>BENCH-1</Id>"
            "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
            + _camt_balance("OPBD", Decimal("1000.00"))
            + _camt_balance("CLBD", closing)
        )
        for number in range(entries):
            out.write(_camt_entry(number))
        out.write("</Stmt></BkToCstmrStmt></Document>\n")


def _camt_balance(code: str, amount: Decimal) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Dt><Dt>2024-05-31</Dt></Dt></Bal>"
    )


def _camt_entry(number: int) -> str:
    return (
        '<Ntry><Amt Ccy="EUR">1.01</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-05-31</Dt></BookgDt>"
        f"<ValDt><Dt>2024-05-31</Dt></ValDt><AcctSvcrRef>REF{number:09d}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
        "</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>E2E-{number}</EndToEndId></Refs>"
        '<Amt Ccy="EUR">1.01</Amt><CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty>'
        f"<Nm>Customer {number}</Nm></Pty></Dbtr><DbtrAcct><Id>"
        "<IBAN>NL91ABNA0417164300</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>Invoice INV-{number:07d}</Ustrd></RmtInf></TxDtls></NtryDtls>"
        "</Ntry>\n"
    )


def write_mt940(path: Path, entries: int, *, per_statement: int) -> None:
    """MT940 statements of `per_statement` credits of 1,01 EUR each."""
    balance = Decimal("1000.00")
    with path.open("w", encoding="latin-1") as out:
        for start in range(0, entries, per_statement):
            count = min(per_statement, entries - start)
            out.write(
                f":20:BENCH{start:09d}\n:25:DE89370400440532013000\n"
                f":28C:{start // per_statement + 1}/1\n"
                f":60F:C240531EUR{_mt_amount(balance)}\n"
            )
            for number in range(start, start + count):
                out.write(
                    f":61:2405310531CR1,01NTRFNONREF//B{number:09d}\n"
                    f":86:166?00GUTSCHRIFT?20EREF+E2E-{number}?21SVWZ+Invoice INV-"
                    f"{number:07d}?30NIKACH22XXX?31NL91ABNA0417164300"
                    f"?32Customer {number}\n"
                )
            balance += Decimal("1.01") * count
            out.write(f":62F:C240531EUR{_mt_amount(balance)}\n-\n")


def _mt_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def measure(path: Path) -> dict[str, float]:
    """Parse the file in a fresh interpreter; return its figures."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _report(label: str, path: Path) -> None:
    figures = measure(path)
    size_mb = path.stat().st_size / 1e6
    rate = figures["lines"] / figures["cpu"]
    growth = (figures["peak_kib"] - figures["base_kib"]) / 1024
    print(
        f"{label:<38} {size_mb:7.1f} MB {int(figures['lines']):>8} lines "
        f"{figures['seconds']:7.1f} s wall {figures['cpu']:7.1f} s CPU "
        f"{rate:9,.0f} lines/CPU-s  peak RSS "
        f"{figures['peak_kib'] / 1024:6.1f} MiB (+{growth:.1f} MiB over imports)  "
        f"balance problems: {int(figures['problems'])}",
        flush=True,
    )


_IMPORT_CHILD = """
import json, sys, time
from pathlib import Path
from sync.store.db import make_engine, migrate
from sync.statements import import_files
engine = make_engine(sys.argv[2])
migrate(engine)
figures = []
for _ in range(2):
    started = time.perf_counter()
    report = import_files(engine, [Path(sys.argv[1])])
    figures.append([time.perf_counter() - started, report.lines_stored,
                    report.lines_duplicate])
print(json.dumps(figures))
"""


def _report_import(path: Path, database: Path) -> None:
    """Import the file into a fresh SQLite store twice (the second: all duplicates)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHILD, str(path), f"sqlite:///{database}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    (first, stored, _), (again, _, duplicate) = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    print(
        f"import camt.053 {IMPORTED:,} entries into SQLite: {first:.1f} s "
        f"({stored:,} stored, {stored / first:,.0f} lines/s); again: {again:.1f} s "
        f"({duplicate:,} duplicates, nothing stored)",
        flush=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-bank-") as folder:
        root = Path(folder)
        files = {
            f"camt.053 {SMALL:,} entries": (root / "small.xml", "camt", SMALL, 0),
            f"camt.053 {ENTRIES:,} entries": (root / "big.xml", "camt", ENTRIES, 0),
            f"mt940 {ENTRIES:,} entries, 1,000 stmts": (
                root / "daily.sta",
                "mt940",
                ENTRIES,
                100,
            ),
            f"mt940 {ENTRIES:,} entries, 1 statement": (
                root / "one.sta",
                "mt940",
                ENTRIES,
                ENTRIES,
            ),
        }
        for label, (path, kind, entries, per_statement) in files.items():
            if kind == "camt":
                write_camt(path, entries)
            else:
                write_mt940(path, entries, per_statement=per_statement)
            _report(label, path)
        write_camt(root / "import.xml", IMPORTED)
        _report_import(root / "import.xml", root / "hub.db")


if __name__ == "__main__":
    main()
