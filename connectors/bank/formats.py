"""Which statement format a file is in, and one entry point that reads them all."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from config.settings import CsvProfile
from connectors.bank.bai2_file import read_bai2
from connectors.bank.camt import read_camt
from connectors.bank.csv_profile import choose_profile, read_csv
from connectors.bank.ofx_file import read_ofx
from connectors.bank.stream import StatementItem, collect
from connectors.bank.swift_mt940 import read_mt940
from o2c.errors import PayloadError
from o2c.statements import Statement

FORMATS = ("camt", "mt940", "bai2", "ofx", "csv")
_SNIFF_BYTES = 4096
_MT940 = re.compile(r"^(?::20:|:940:|\{1:)", re.MULTILINE)
_BAI2 = re.compile(r"^01,")


def detect_format(path: Path) -> str:
    """Return "camt", "mt940", "bai2", "ofx" or "csv" from the file's first bytes.

    Raises PayloadError for an empty or unreadable file.
    """
    try:
        with path.open("rb") as handle:
            head_bytes = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise PayloadError(f"cannot read the file: {exc}", where=str(path)) from exc
    head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not head:
        raise PayloadError("the file is empty", where=path.name)
    upper = head.upper()
    if "OFXHEADER" in upper[:200] or "<OFX>" in upper or "<?OFX" in upper:
        return "ofx"
    if head.startswith("<"):
        return "camt"
    if _BAI2.match(head):
        return "bai2"
    if _MT940.search(head):
        return "mt940"
    return "csv"


def read_statement_file(
    path: Path,
    *,
    file_format: str | None = None,
    csv_profiles: Sequence[CsvProfile] = (),
    csv_profile: str | None = None,
) -> Iterator[StatementItem]:
    """Stream the statements and lines of a bank file of any supported format.

    `file_format` overrides detection; `csv_profile` names the profile for a CSV
    file (else the profile matching the header is used). Raises PayloadError,
    naming where the file failed, and ConfigurationError for an unusable profile.
    """
    kind = file_format or detect_format(path)
    if kind == "camt":
        return _guarded(read_camt(path), path)
    if kind == "mt940":
        return _guarded(read_mt940(path), path)
    if kind == "bai2":
        return _guarded(read_bai2(path), path)
    if kind == "ofx":
        return _guarded(read_ofx(path), path)
    if kind == "csv":
        if not csv_profiles:
            raise PayloadError(
                "looks like CSV, but no [[bank.csv_profiles]] is configured",
                where=path.name,
            )
        profile = choose_profile(path, csv_profiles, csv_profile)
        return _guarded(read_csv(path, profile), path)
    raise PayloadError(f"unknown statement format {kind!r}; known: {FORMATS}")


def _guarded(items: Iterator[StatementItem], path: Path) -> Iterator[StatementItem]:
    """Turn value errors the readers did not name into PayloadError, at the boundary.

    Examples: a damaged currency code, an impossible date inside a library.
    """
    try:
        yield from items
    except (ValueError, ArithmeticError, LookupError) as exc:
        raise PayloadError(f"unreadable value: {exc}", where=path.name) from exc


def parse_statement_file(
    path: Path,
    *,
    file_format: str | None = None,
    csv_profiles: Sequence[CsvProfile] = (),
    csv_profile: str | None = None,
) -> list[Statement]:
    """Read a whole file into statements holding their lines (small files, tests).

    Raises like `read_statement_file`.
    """
    return collect(
        read_statement_file(
            path,
            file_format=file_format,
            csv_profiles=csv_profiles,
            csv_profile=csv_profile,
        )
    )
