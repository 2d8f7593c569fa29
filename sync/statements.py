"""Import bank statement files into the store, list their lines, scan a folder.

Each file is imported in one transaction: every line is stored, or (when the file
fails to parse anywhere) none is. Lines are unique per (account, import id), so a
statement imported twice is stored once and its lines are counted as duplicates.
Lines are streamed into the database in batches; memory does not grow with the
file. A failed attempt is recorded (with its error) in a transaction of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, tuple_, update
from sqlalchemy.orm import Session

from config.settings import CsvProfile, Settings
from connectors.bank import BalanceTracker, detect_format, read_statement_file
from o2c.errors import ConfigurationError, PayloadError
from o2c.statements import Statement, StatementLine
from sync.store.db import dialect_insert
from sync.store.models_bank import (
    BankStatementImport,
    BankStatementLineRecord,
    BankStatementRecord,
    ImportStatus,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
FAILED_DIR = "failed"
_LINES = BankStatementLineRecord.__table__


@dataclass
class FileImport:
    """What happened to one file."""

    path: str
    status: str  # ImportStatus
    file_format: str = ""
    statements: int = 0
    lines_stored: int = 0
    lines_duplicate: int = 0
    balance_problems: list[str] = field(default_factory=list)
    error: str | None = None
    where: str | None = None
    record_id: int | None = None


@dataclass
class ImportReport:
    """What happened to every file of one import run."""

    files: list[FileImport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(item.status == ImportStatus.IMPORTED for item in self.files)

    @property
    def lines_stored(self) -> int:
        return sum(item.lines_stored for item in self.files)

    @property
    def lines_duplicate(self) -> int:
        return sum(item.lines_duplicate for item in self.files)

    def as_json(self) -> dict[str, Any]:
        """The wire form used by the CLI (and the admin API)."""
        return {
            "ok": self.ok,
            "lines_stored": self.lines_stored,
            "lines_duplicate": self.lines_duplicate,
            "files": [asdict(item) for item in self.files],
        }


def import_files(
    engine: Engine,
    paths: Iterable[Path],
    *,
    csv_profiles: Sequence[CsvProfile] = (),
    csv_profile: str | None = None,
) -> ImportReport:
    """Import each file, all-or-nothing per file; return what happened to each.

    Parse errors do not raise: they are reported per file (and recorded).
    Raises ConfigurationError for an unusable CSV profile and database errors.
    """
    report = ImportReport()
    for path in paths:
        report.files.append(
            _import_one(
                engine, Path(path), csv_profiles=csv_profiles, csv_profile=csv_profile
            )
        )
    logger.info(
        "statement import finished",
        extra={
            "files": len(report.files),
            "lines_stored": report.lines_stored,
            "lines_duplicate": report.lines_duplicate,
        },
    )
    return report


def _import_one(
    engine: Engine,
    path: Path,
    *,
    csv_profiles: Sequence[CsvProfile],
    csv_profile: str | None,
) -> FileImport:
    result = FileImport(path=str(path), status=ImportStatus.IMPORTED)
    try:
        result.file_format = detect_format(path)
        items = read_statement_file(
            path,
            file_format=result.file_format,
            csv_profiles=csv_profiles,
            csv_profile=csv_profile,
        )
        with engine.begin() as conn:
            result.record_id = _new_import_row(conn, path, result)
            _store(conn, items, result)
            _finish_import_row(conn, result)
    except PayloadError as exc:
        # The transaction rolled back: nothing of this file is stored.
        result.status, result.error, result.where = (
            ImportStatus.FAILED,
            str(exc),
            exc.where,
        )
        result.statements = result.lines_stored = result.lines_duplicate = 0
        result.balance_problems = []
        result.record_id = _record_failure(engine, path, result)
        logger.warning("statement file %s failed: %s", path.name, exc)
        return result
    logger.info(
        "statement file %s imported: %d stored, %d duplicate",
        path.name,
        result.lines_stored,
        result.lines_duplicate,
    )
    return result


def _file_facts(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def _new_import_row(conn: Connection, path: Path, result: FileImport) -> int:
    sha256, size = _file_facts(path)
    row = conn.execute(
        insert(BankStatementImport).returning(BankStatementImport.id),
        {
            "file_name": path.name[:255],
            "file_sha256": sha256,
            "file_size": size,
            "file_format": result.file_format,
            "status": ImportStatus.IMPORTED,
            "statements": 0,
            "lines_stored": 0,
            "lines_duplicate": 0,
            "imported_at": datetime.now(UTC),
        },
    )
    return int(row.scalar_one())


def _finish_import_row(conn: Connection, result: FileImport) -> None:
    conn.execute(
        update(BankStatementImport)
        .where(BankStatementImport.id == result.record_id)
        .values(
            statements=result.statements,
            lines_stored=result.lines_stored,
            lines_duplicate=result.lines_duplicate,
        )
    )


def _record_failure(engine: Engine, path: Path, result: FileImport) -> int | None:
    """Keep a visible trace of the failed attempt; nothing of the file is stored."""
    try:
        sha256, size = _file_facts(path)
    except OSError:
        sha256, size = "", 0
    with engine.begin() as conn:
        row = conn.execute(
            insert(BankStatementImport).returning(BankStatementImport.id),
            {
                "file_name": path.name[:255],
                "file_sha256": sha256,
                "file_size": size,
                "file_format": result.file_format or "unknown",
                "status": ImportStatus.FAILED,
                "statements": 0,
                "lines_stored": 0,
                "lines_duplicate": 0,
                "error": result.error,
                "error_where": result.where,
                "imported_at": datetime.now(UTC),
            },
        )
        return int(row.scalar_one())


def _store(conn: Connection, items: Iterable[Any], result: FileImport) -> None:
    """Stream statements and lines into the tables, in batches."""
    tracker = BalanceTracker()
    batch: list[StatementLine] = []
    for item in items:
        tracker.add(item)
        if isinstance(item, Statement):
            _flush(conn, batch, result)
            batch = []
            result.statements += 1
            continue
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            _flush(conn, batch, result)
            batch = []
    _flush(conn, batch, result)
    tracker.finish()
    for statement, count, problems in tracker.results:
        _store_statement(conn, statement, result, count=count, problems=problems)
        result.balance_problems.extend(
            f"{statement.account} {statement.statement_id or ''}: {problem}"
            for problem in problems
        )


def _store_statement(
    conn: Connection,
    statement: Statement,
    result: FileImport,
    *,
    count: int,
    problems: list[str],
) -> None:
    opening, closing = statement.opening_balance, statement.closing_balance
    conn.execute(
        insert(BankStatementRecord),
        {
            "file_import_id": result.record_id,
            "account": statement.account[:128],
            "statement_id": (statement.statement_id or "")[:255] or None,
            "source_format": statement.source_format[:32],
            "currency": statement.currency,
            "opening_balance": str(opening.amount) if opening else None,
            "opening_date": statement.opening_date,
            "closing_balance": str(closing.amount) if closing else None,
            "closing_date": statement.closing_date,
            "line_count": count,
            "balance_problems": json.dumps(problems),
        },
    )


def _flush(conn: Connection, lines: list[StatementLine], result: FileImport) -> None:
    """Insert a batch; a key already stored makes the line a duplicate.

    The same bank id twice in one file with different content is two lines
    (a bank reused its reference): the later one gets a `#n` suffix.
    """
    pending = lines
    while pending:
        stored, conflicted = _insert(conn, pending, result.record_id)
        result.lines_stored += stored
        same = _stored_unchanged(conn, conflicted)
        result.lines_duplicate += len(same)
        pending = []
        for line in conflicted:
            if id(line) in same:
                continue
            renamed = _rename_if_distinct(conn, line, result.record_id)
            if renamed is None:
                result.lines_duplicate += 1
            else:
                pending.append(renamed)


def _stored_unchanged(conn: Connection, lines: list[StatementLine]) -> set[int]:
    """The lines (by `id()`) stored before under their key with the same content.

    One query for the whole batch: re-importing a file is the common case.
    """
    if not lines:
        return set()
    keys = {(line.account[:128], line.import_id) for line in lines}
    query = select(
        BankStatementLineRecord.account,
        BankStatementLineRecord.import_id,
        BankStatementLineRecord.content_hash,
    ).where(
        tuple_(BankStatementLineRecord.account, BankStatementLineRecord.import_id).in_(
            keys
        )
    )
    stored = {(row[0], row[1]): row[2] for row in conn.execute(query)}
    return {
        id(line)
        for line in lines
        if stored.get((line.account[:128], line.import_id)) == content_hash(line)
    }


def _insert(
    conn: Connection, lines: list[StatementLine], file_import_id: int | None
) -> tuple[int, list[StatementLine]]:
    """Insert the lines whose key is new; return (stored, lines whose key exists)."""
    first: dict[tuple[str, str], StatementLine] = {}
    repeated: list[StatementLine] = []
    for line in lines:
        key = (line.account[:128], line.import_id)
        if key in first:
            repeated.append(line)
        else:
            first[key] = line
    if not first:
        return 0, repeated
    statement = (
        dialect_insert(conn, _LINES)
        .on_conflict_do_nothing(index_elements=["account", "import_id"])
        .returning(_LINES.c.account, _LINES.c.import_id)
    )
    now = datetime.now(UTC)
    rows = [_row(line, file_import_id, now) for line in first.values()]
    inserted = {tuple(row) for row in conn.execute(statement, rows)}
    conflicted = [line for key, line in first.items() if key not in inserted]
    return len(inserted), conflicted + repeated


def _rename_if_distinct(
    conn: Connection, line: StatementLine, file_import_id: int | None
) -> StatementLine | None:
    """A new id for a different line that reused a bank id in this file, else None.

    The bank's id says "this booking": a stored line with that id from another
    file is the same booking even if worded differently, unless this file itself
    already holds a line under that id (then the bank reused its reference).
    """
    wanted = content_hash(line)
    from_other_file = False
    for number in range(1, 1000):
        key = line.import_id if number == 1 else f"{line.import_id}#{number}"
        found = conn.execute(
            select(
                BankStatementLineRecord.file_import_id,
                BankStatementLineRecord.content_hash,
            ).where(
                BankStatementLineRecord.account == line.account[:128],
                BankStatementLineRecord.import_id == key,
            )
        ).first()
        if found is None:
            if from_other_file:
                logger.warning(
                    "line %s of account %s was stored before with other content; "
                    "kept the stored one",
                    line.import_id,
                    line.account,
                )
                return None
            return line.model_copy(update={"import_id": key})
        if found.content_hash == wanted:
            return None
        if number == 1:
            from_other_file = found.file_import_id != file_import_id
    raise PayloadError(f"bank id {line.import_id} repeated too often in one file")


def content_hash(line: StatementLine) -> str:
    """SHA-256 of the line without its import id: equal lines, equal hash."""
    data = line.model_dump_json(exclude={"import_id"})
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _row(
    line: StatementLine, file_import_id: int | None, now: datetime
) -> dict[str, Any]:
    reference = line.structured_reference
    return {
        "file_import_id": file_import_id,
        "account": line.account[:128],
        "import_id": line.import_id[:255],
        "booking_date": line.booking_date,
        "value_date": line.value_date,
        "amount": str(line.amount.amount),
        "currency": line.amount.currency,
        "end_to_end_id": (line.end_to_end_id or "")[:255] or None,
        "structured_reference": reference.text[:255] if reference else None,
        "counterparty_name": (line.counterparty_name or "")[:255] or None,
        "counterparty_iban": (line.counterparty_iban or "")[:64] or None,
        "content_hash": content_hash(line),
        "data": line.model_dump_json(),
        "created_at": now,
    }


def list_lines(
    engine: Engine,
    *,
    account: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
) -> list[StatementLine]:
    """Stored lines, newest booking first, filtered by account and booking dates."""
    query = select(BankStatementLineRecord.data)
    if account:
        query = query.where(BankStatementLineRecord.account == account)
    if since:
        query = query.where(BankStatementLineRecord.booking_date >= since)
    if until:
        query = query.where(BankStatementLineRecord.booking_date <= until)
    query = query.order_by(
        BankStatementLineRecord.booking_date.desc(), BankStatementLineRecord.id.desc()
    ).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).scalars().all()
    return [StatementLine.model_validate_json(data) for data in rows]


def list_imports(engine: Engine, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest import attempts, newest first, as JSON-ready dicts."""
    query = (
        select(BankStatementImport).order_by(BankStatementImport.id.desc()).limit(limit)
    )
    with Session(engine) as session:
        rows = session.execute(query).scalars().all()
    return [
        {
            "id": row.id,
            "file_name": row.file_name,
            "file_format": row.file_format,
            "status": row.status,
            "statements": row.statements,
            "lines_stored": row.lines_stored,
            "lines_duplicate": row.lines_duplicate,
            "error": row.error,
            "where": row.error_where,
            "imported_at": row.imported_at.isoformat(),
        }
        for row in rows
    ]


def scan_folder(
    engine: Engine, settings: Settings, *, settle_seconds: float = 5.0
) -> ImportReport:
    """Import every file in `bank.statements_dir`, then move it aside.

    An imported file goes to `bank.processed_dir` (default `processed/` in the
    folder); a failed one to `failed/`, with `<name>.error.txt` beside it. Files
    changed in the last `settle_seconds` are left for the next scan (still being
    written). Raises ConfigurationError when no folder is configured.
    """
    folder, processed = _scan_dirs(settings)
    now = datetime.now(UTC).timestamp()
    candidates = [
        path
        for path in sorted(folder.iterdir())
        if path.is_file()
        and not path.name.startswith(".")
        and now - path.stat().st_mtime >= settle_seconds
    ]
    report = ImportReport()
    for path in candidates:
        if not path.exists():
            continue  # another scan took it meanwhile
        outcome = import_files(
            engine, [path], csv_profiles=settings.bank.csv_profiles
        ).files[0]
        report.files.append(outcome)
        try:
            _put_aside(path, outcome, folder=folder, processed=processed)
        except FileNotFoundError:
            logger.warning("%s vanished before it could be moved aside", path)
    return report


def _put_aside(
    path: Path, outcome: FileImport, *, folder: Path, processed: Path
) -> None:
    """Move an imported file to `processed`, a failed one to `failed/` + its error."""
    if outcome.status == ImportStatus.IMPORTED:
        outcome.path = str(_move(path, processed))
        return
    moved = _move(path, folder / FAILED_DIR)
    outcome.path = str(moved)
    moved.with_name(moved.name + ".error.txt").write_text(
        f"{outcome.error}\n", encoding="utf-8"
    )


def _scan_dirs(settings: Settings) -> tuple[Path, Path]:
    bank = settings.bank
    if bank.statements_dir is None:
        raise ConfigurationError("bank.statements_dir is not configured")
    folder = _absolute(bank.statements_dir, settings.base_dir)
    if not folder.is_dir():
        raise ConfigurationError(f"bank.statements_dir {folder} is not a folder")
    processed = (
        _absolute(bank.processed_dir, settings.base_dir)
        if bank.processed_dir
        else folder / "processed"
    )
    return folder, processed


def _absolute(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def _move(path: Path, target_dir: Path) -> Path:
    """Move the file into the folder, never over an existing file."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    return Path(shutil.move(str(path), str(target)))


__all__ = [
    "FileImport",
    "ImportReport",
    "content_hash",
    "import_files",
    "list_imports",
    "list_lines",
    "scan_folder",
]
