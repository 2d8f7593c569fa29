"""Format detection, and every shared sample parsing (with reconciling balances)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from connectors.bank import detect_format, parse_statement_file
from o2c.errors import PayloadError
from tests.connectors.bank.builders import LOCAL, write

# Samples whose balances are complete and reconcile (SOURCES.txt); the others
# are trimmed or synthetic and have their gap asserted in the format's tests.
RECONCILING = {
    "bai2_svb_us_two_groups.bai2",
    "camt053v04_postfinance_batch_oca.xml",
    "camt053v04_raiffeisen_ch_no_txdtls.xml",
    "camt053v08_ch_redacted.xml",
    "mt940_de_sepa_multi_statement.sta",
    "mt940_nl_asn_long_custref.txt",
    "mt940_nl_rabobank_structured86.sta",
}
EXPECTED_FORMAT = {".xml": "camt", ".sta": "mt940", ".txt": "mt940"}
EXPECTED_FORMAT |= {".bai2": "bai2", ".ofx": "ofx"}


def samples(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name != "SOURCES.txt")


@pytest.mark.parametrize("path", samples(LOCAL), ids=lambda p: p.name)
def test_every_local_sample_parses(path: Path) -> None:
    statements = parse_statement_file(path)

    assert detect_format(path) == EXPECTED_FORMAT[path.suffix]
    assert statements and any(s.lines for s in statements)
    if path.name in RECONCILING:
        assert all(s.check_balance() == [] for s in statements)


def test_every_shared_sample_parses(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "bank"
    checked = 0
    for path in samples(folder):
        statements = parse_statement_file(path)
        assert statements and any(s.lines for s in statements), path.name
        if path.name in RECONCILING:
            problems = [p for s in statements for p in s.check_balance()]
            assert problems == [], path.name
            checked += 1
    assert checked == len(RECONCILING)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufeff<?xml version='1.0'?><Document/>", "camt"),
        ("\n\nOFXHEADER:100\nDATA:OFXSGML\n<OFX>", "ofx"),
        ("<?xml version='1.0'?><?OFX OFXHEADER='200'?><OFX>", "ofx"),
        ("01,SENDER,RECEIVER,240501,0800,1,,,2/", "bai2"),
        ("{1:F01ASNBNL21XXXX0000000000}{2:O940}{4:\n:20:X", "mt940"),
        (":20:REF\n:25:ACC", "mt940"),
        ("date,amount\n2024-01-01,1.00", "csv"),
    ],
)
def test_format_is_detected_from_the_first_bytes(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert detect_format(write(tmp_path, "f", text)) == expected


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PayloadError, match="empty"):
        detect_format(write(tmp_path, "empty", ""))


def test_csv_without_profiles_says_what_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "date,amount\n2024-01-01,1.00\n")

    with pytest.raises(PayloadError, match="csv_profiles"):
        parse_statement_file(path)


@pytest.mark.parametrize("path", samples(LOCAL), ids=lambda p: p.name)
def test_damaged_sample_fails_only_with_payload_error(
    tmp_path: Path, path: Path
) -> None:
    rng = random.Random(path.name)
    data = path.read_bytes()
    outcomes = set()
    for number in range(15):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if number % 3 == 0:
            damaged = damaged[: rng.randrange(1, len(damaged))]
        target = tmp_path / f"damaged{number}{path.suffix}"
        target.write_bytes(bytes(damaged))
        try:
            parse_statement_file(target)
            outcomes.add("parsed")
        except PayloadError:
            outcomes.add("refused")
    assert outcomes <= {"parsed", "refused"}
