"""Storing statement imports: exactly once, all-or-nothing per file, folder scan, CLI.

Runs against SQLite and PostgreSQL (the `engine` fixture follows `store_url`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from config.settings import settings_from_dict
from connectors.bank import parse_statement_file
from sync.cli.statements import app
from sync.statements import import_files, list_imports, list_lines, scan_folder
from sync.store.models_bank import (
    BankStatementImport,
    BankStatementLineRecord,
    BankStatementRecord,
    ImportStatus,
)
from tests.connectors.bank.builders import (
    camt_document,
    camt_entry,
    local_fixture,
    write,
)

GERMAN_MT940 = local_fixture("mt940_de_sepa_multi_statement.sta")
GENKGO_CAMT = local_fixture("camt053v08_synthetic_edgecases_genkgo.xml")


def stored_lines(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count(BankStatementLineRecord.id))).scalar_one()
        )


def half_broken_camt(tmp_path: Path) -> Path:
    """Three good entries, then one whose amount is not a number."""
    entries = [camt_entry("1.00", reference=f"OK{n}") for n in range(3)]
    entries.append(camt_entry("1,0x", reference="BAD"))
    return write(tmp_path, "half.xml", camt_document(entries))


def test_statement_imported_twice_is_stored_once(engine: Engine) -> None:
    first = import_files(engine, [GERMAN_MT940, GENKGO_CAMT])
    second = import_files(engine, [GERMAN_MT940, GENKGO_CAMT])

    assert first.ok and second.ok
    assert first.lines_stored == 98 and first.lines_duplicate == 0
    assert second.lines_stored == 0 and second.lines_duplicate == 98
    assert stored_lines(engine) == 98


def test_file_failing_halfway_stores_nothing_and_says_where(
    engine: Engine, tmp_path: Path
) -> None:
    report = import_files(engine, [half_broken_camt(tmp_path), GENKGO_CAMT])

    broken, good = report.files
    assert not report.ok
    assert broken.status == ImportStatus.FAILED
    assert broken.where is not None and "Ntry 4" in broken.where
    assert broken.lines_stored == 0
    assert good.status == ImportStatus.IMPORTED and good.lines_stored == 1
    assert stored_lines(engine) == 1
    with engine.connect() as conn:
        statuses = conn.execute(
            select(BankStatementImport.file_name, BankStatementImport.status)
        ).all()
        statements = conn.execute(select(BankStatementRecord.file_import_id)).all()
    assert sorted(statuses) == [
        ("camt053v08_synthetic_edgecases_genkgo.xml", "imported"),
        ("half.xml", "failed"),
    ]
    assert len(statements) == 1  # only the good file's statement


def test_mt940_failing_in_its_second_statement_keeps_not_even_the_first(
    engine: Engine, tmp_path: Path
) -> None:
    good = (
        ":20:REF1\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C240501EUR100,00\n"
        ":61:2405010501C10,00NTRFNONREF//B1\n:86:fine\n:62F:C240501EUR110,00\n-\n"
    )
    bad = good.replace("REF1", "REF2").replace("C10,00NTRF", "X")
    path = write(tmp_path, "two.sta", good + bad)

    report = import_files(engine, [path])

    assert report.files[0].status == ImportStatus.FAILED
    assert report.files[0].where == "two.sta: line 9"
    assert stored_lines(engine) == 0


def test_bank_id_reused_in_one_file_keeps_both_lines_once(
    engine: Engine, tmp_path: Path
) -> None:
    entries = [
        camt_entry("1.00", reference="SAME"),
        camt_entry("2.00", reference="SAME"),
    ]
    path = write(tmp_path, "reuse.xml", camt_document(entries, closing="103.00"))

    first = import_files(engine, [path])
    second = import_files(engine, [path])

    assert first.lines_stored == 2
    assert second.lines_stored == 0 and second.lines_duplicate == 2
    ids = sorted(line.import_id for line in list_lines(engine))
    assert ids == ["b:SAME", "b:SAME#2"]


def test_balance_problems_are_reported_not_raised(engine: Engine) -> None:
    report = import_files(engine, [GENKGO_CAMT])

    assert report.ok
    assert report.files[0].balance_problems == [
        "NL26VAYB8060476890 253EURNL26VAYB8060476890: closing balance is in SEK, "
        "the statement in EUR"
    ]


def test_listed_lines_are_the_parsed_lines(engine: Engine) -> None:
    import_files(engine, [GERMAN_MT940])
    parsed = [line for s in parse_statement_file(GERMAN_MT940) for line in s.lines]

    listed = list_lines(engine, limit=1000)
    one_account = list_lines(engine, account="50880050/0194777100888")
    in_range = list_lines(engine, since=date(2007, 9, 4), until=date(2007, 9, 4))

    # The same bank reference appears on two accounts (an internal transfer):
    # ids are unique per account, not across accounts.
    assert sorted(listed, key=lambda x: (x.account, x.import_id)) == sorted(
        parsed, key=lambda x: (x.account, x.import_id)
    )
    assert {line.account for line in one_account} == {"50880050/0194777100888"}
    assert in_range and all(line.booking_date == date(2007, 9, 4) for line in in_range)
    assert len(list_lines(engine, limit=5)) == 5


def test_scan_moves_imported_and_failed_files_aside(
    engine: Engine, store_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(GENKGO_CAMT, inbox / "good.xml")
    shutil.move(half_broken_camt(tmp_path), inbox / "bad.xml")
    settings = settings_from_dict(
        {
            "environment": "development",
            "store": {"url": store_url},
            "bank": {"statements_dir": "inbox", "processed_dir": "done"},
        },
        base_dir=tmp_path,
    )

    report = scan_folder(engine, settings, settle_seconds=0)

    assert [Path(f.path).name for f in report.files] == ["bad.xml", "good.xml"]
    assert (tmp_path / "done" / "good.xml").exists()
    assert (inbox / "failed" / "bad.xml").exists()
    error = (inbox / "failed" / "bad.xml.error.txt").read_text()
    assert "Ntry 4" in error
    assert sorted(p.name for p in inbox.iterdir()) == ["failed"]


def test_scan_leaves_a_file_still_being_written(
    engine: Engine, store_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fresh = shutil.copy(GENKGO_CAMT, inbox / "fresh.xml")
    old = shutil.copy(GENKGO_CAMT, inbox / "old.xml")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    settings = settings_from_dict(
        {"store": {"url": store_url}, "bank": {"statements_dir": str(inbox)}},
        base_dir=tmp_path,
    )

    report = scan_folder(engine, settings, settle_seconds=60)

    assert [Path(f.path).name for f in report.files] == ["old.xml"]
    assert Path(fresh).exists()
    assert (inbox / "processed" / "old.xml").exists()


# -- the CLI -------------------------------------------------------------------


@pytest.fixture
def config_file(store_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(f'environment = "development"\n[store]\nurl = "{store_url}"\n')
    return path


def test_cli_import_twice_reports_duplicates(engine: Engine, config_file: Path) -> None:
    runner = CliRunner()
    args = ["import", str(GENKGO_CAMT), "-c", str(config_file), "--json"]

    first = runner.invoke(app, args)
    second = runner.invoke(app, args)

    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["lines_stored"] == 1
    assert json.loads(second.output)["lines_duplicate"] == 1
    assert stored_lines(engine) == 1


def test_cli_import_of_a_broken_file_exits_1(
    engine: Engine, config_file: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["import", str(half_broken_camt(tmp_path)), "-c", str(config_file)]
    )

    assert result.exit_code == 1
    assert stored_lines(engine) == 0
    assert list_imports(engine)[0]["status"] == "failed"


def test_cli_parse_prints_lines_and_balance_check_without_storing(
    engine: Engine, config_file: Path
) -> None:
    result = CliRunner().invoke(
        app, ["parse", str(GENKGO_CAMT), "-c", str(config_file), "--json"]
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lines"][0]["amount"] == {"amount": "8.85", "currency": "EUR"}
    assert data["statements"][0]["balance_problems"] == [
        "closing balance is in SEK, the statement in EUR"
    ]
    assert stored_lines(engine) == 0


def test_cli_list_shows_stored_lines_and_imports(
    engine: Engine, config_file: Path
) -> None:
    import_files(engine, [GENKGO_CAMT])
    runner = CliRunner()

    lines = runner.invoke(app, ["list", "-c", str(config_file), "--json"])
    imports = runner.invoke(
        app, ["list", "--imports", "-c", str(config_file), "--json"]
    )

    assert lines.exit_code == 0, lines.output
    assert [line["import_id"] for line in json.loads(lines.output)] == [
        "b:AAAASESS-FP-CN_98765/01"
    ]
    assert json.loads(imports.output)[0]["status"] == "imported"
