"""Small builders of statement files for the bank tests (synthetic, written here)."""

from __future__ import annotations

from pathlib import Path

LOCAL = Path(__file__).resolve().parents[2] / "fixtures" / "bank"


def local_fixture(name: str) -> Path:
    """A permissively licensed sample copied into tests/fixtures/bank/."""
    return LOCAL / name


def camt_entry(
    amount: str,
    *,
    indicator: str = "CRDT",
    currency: str = "EUR",
    status: str = "<Sts>BOOK</Sts>",
    reference: str | None = None,
    details: str = "",
    extra: str = "",
) -> str:
    """One `Ntry` element; `details` goes inside `NtryDtls`."""
    ref = f"<AcctSvcrRef>{reference}</AcctSvcrRef>" if reference else ""
    entry_details = f"<NtryDtls>{details}</NtryDtls>" if details else ""
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd>{status}"
        "<BookgDt><Dt>2024-05-02</Dt></BookgDt><ValDt><Dt>2024-05-03</Dt></ValDt>"
        f"{ref}{extra}{entry_details}</Ntry>"
    )


def camt_document(
    entries: list[str],
    *,
    version: str = "053.001.02",
    opening: str | None = "100.00",
    closing: str | None = None,
    account: str = "<IBAN>DE89370400440532013000</IBAN>",
    currency: str = "EUR",
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
) -> str:
    """A CAMT.05x document around the entries (a 053 statement by default)."""
    message, block = {
        "052": ("BkToCstmrAcctRpt", "Rpt"),
        "053": ("BkToCstmrStmt", "Stmt"),
        "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }[version[:3]]
    balances = "".join(
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{currency}">{value}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Dt><Dt>2024-05-02</Dt></Dt></Bal>"
        for code, value in (("OPBD", opening), ("CLBD", closing))
        if value is not None
    )
    return (
        f'{prolog}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{version}">'
        f"<{message}><GrpHdr><MsgId>M1</MsgId></GrpHdr><{block}><Id>S1</Id>"
        f"<Acct><Id>{account}</Id></Acct>{balances}{''.join(entries)}"
        f"</{block}></{message}></Document>"
    )


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write the text to a file in tmp_path and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path
