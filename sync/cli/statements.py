"""CLI: `statements import`, `parse`, `list` and `scan` for bank statement files.

`import` stores files (all-or-nothing per file, duplicates counted); `parse` prints
the canonical lines and the balance check without storing anything; `list` shows
stored lines (or, with `--imports`, the import attempts); `scan` imports the
configured folder and moves the files aside. The configuration comes from
`--config`, `$O2C_HUB_CONFIG` or `./hub.toml`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from o2c.errors import ConfigurationError, PayloadError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from config.settings import Settings
    from o2c.statements import Statement, StatementLine
    from sync.statements import ImportReport

app = typer.Typer(
    help="Bank statement files: import, parse, list.", no_args_is_help=True
)

ConfigOption = typer.Option(
    None, "--config", "-c", help="The hub's configuration file."
)
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
ProfileOption = typer.Option(
    None, "--profile", help="The CSV profile to read a CSV file with."
)
FormatOption = typer.Option(
    None, "--format", help="camt, mt940, bai2, ofx or csv (default: detected)."
)


def _settings(config: Path | None) -> Settings:
    from config.settings import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _optional_settings(config: Path | None) -> Settings | None:
    """The settings when a configuration exists; `parse` works without one."""
    from config.settings import ConfigError, load_settings

    if config is not None:
        return _settings(config)
    try:
        return load_settings(None)
    except ConfigError:
        return None


def _engine(settings: Settings) -> Engine:
    from sync.store.db import make_engine, migrate

    engine = make_engine(settings.store_url)
    migrate(engine)
    return engine


@app.command("import")
def import_command(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False),
    config: Path | None = ConfigOption,
    profile: str | None = ProfileOption,
    as_json: bool = JsonOption,
) -> None:
    """Store statement files; a file that fails stores nothing (exit code 1)."""
    from sync.statements import import_files

    settings = _settings(config)
    try:
        report = import_files(
            _engine(settings),
            files,
            csv_profiles=settings.bank.csv_profiles,
            csv_profile=profile,
        )
    except ConfigurationError as exc:
        typer.echo(f"configuration: {exc}", err=True)
        raise typer.Exit(2) from exc
    _print_report(report, as_json=as_json)
    if not report.ok:
        raise typer.Exit(1)


@app.command("parse")
def parse_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    config: Path | None = ConfigOption,
    profile: str | None = ProfileOption,
    file_format: str | None = FormatOption,
    as_json: bool = JsonOption,
) -> None:
    """Print the file's canonical lines and balance check; nothing is stored."""
    from connectors.bank import BalanceTracker, read_statement_file
    from o2c.statements import StatementLine

    settings = _optional_settings(config)
    profiles = settings.bank.csv_profiles if settings else ()
    tracker = BalanceTracker()
    lines: list[dict[str, Any]] = []
    try:
        for item in read_statement_file(
            file, file_format=file_format, csv_profiles=profiles, csv_profile=profile
        ):
            tracker.add(item)
            if isinstance(item, StatementLine):
                lines.append(_line_json(item))
        tracker.finish()
    except (PayloadError, ConfigurationError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    statements = [
        _statement_json(statement, count, problems)
        for statement, count, problems in tracker.results
    ]
    if as_json:
        typer.echo(json.dumps({"statements": statements, "lines": lines}, indent=2))
        return
    _print_lines(lines)
    for statement in statements:
        verdict = "; ".join(statement["balance_problems"]) or "balances reconcile"
        typer.echo(f"{statement['account']} {statement['statement_id']}: {verdict}")


@app.command("list")
def list_command(
    config: Path | None = ConfigOption,
    account: str | None = typer.Option(None, help="Only this account."),
    since: str | None = typer.Option(None, help="Booked on or after (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, help="Booked on or before (YYYY-MM-DD)."),
    limit: int = typer.Option(100, min=1, help="How many to show."),
    imports: bool = typer.Option(False, "--imports", help="List import attempts."),
    as_json: bool = JsonOption,
) -> None:
    """Show stored statement lines, newest first (or the import attempts)."""
    from sync.statements import list_imports, list_lines

    engine = _engine(_settings(config))
    if imports:
        rows = list_imports(engine, limit=limit)
        if as_json:
            typer.echo(json.dumps(rows, indent=2))
            return
        table = Table("id", "file", "format", "status", "stored", "duplicate", "error")
        for row in rows:
            table.add_row(
                str(row["id"]),
                row["file_name"],
                row["file_format"],
                row["status"],
                str(row["lines_stored"]),
                str(row["lines_duplicate"]),
                row["error"] or "",
            )
        Console().print(table)
        return
    found = list_lines(
        engine,
        account=account,
        since=_date(since),
        until=_date(until),
        limit=limit,
    )
    lines = [_line_json(line) for line in found]
    if as_json:
        typer.echo(json.dumps(lines, indent=2))
        return
    _print_lines(lines)


@app.command("scan")
def scan_command(
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Import every file in `bank.statements_dir` and move it aside."""
    from sync.statements import scan_folder as scan_statement_folder

    settings = _settings(config)
    try:
        report = scan_statement_folder(_engine(settings), settings, settle_seconds=0)
    except ConfigurationError as exc:
        typer.echo(f"configuration: {exc}", err=True)
        raise typer.Exit(2) from exc
    _print_report(report, as_json=as_json)
    if not report.ok:
        raise typer.Exit(1)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _line_json(line: StatementLine) -> dict[str, Any]:
    data: dict[str, Any] = line.model_dump(mode="json")
    return data


def _statement_json(
    statement: Statement, count: int, problems: list[str]
) -> dict[str, Any]:
    data: dict[str, Any] = statement.model_dump(mode="json", exclude={"lines"})
    data["line_count"] = count
    data["balance_problems"] = problems
    return data


def _print_report(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
        return
    table = Table("file", "status", "statements", "stored", "duplicate", "notes")
    for item in report.files:
        notes = item.error or "; ".join(item.balance_problems)
        table.add_row(
            Path(item.path).name,
            item.status,
            str(item.statements),
            str(item.lines_stored),
            str(item.lines_duplicate),
            notes,
        )
    Console().print(table)


def _print_lines(lines: list[dict[str, Any]]) -> None:
    table = Table("booked", "account", "amount", "counterparty", "reference", "text")
    for line in lines:
        reference = line["structured_reference"] or {}
        table.add_row(
            line["booking_date"],
            line["account"],
            f"{line['amount']['amount']} {line['amount']['currency']}",
            line["counterparty_name"] or "",
            reference.get("text") or line["end_to_end_id"] or "",
            (line["remittance"] or "")[:60],
        )
    Console().print(table)
