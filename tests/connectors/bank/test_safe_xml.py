"""Hostile XML is refused before anything in it is expanded, fetched or read."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.bank import collect, read_statement_file
from o2c.errors import PayloadError
from tests.connectors.bank.builders import camt_document, camt_entry, write

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""


def hostile(tmp_path: Path, prolog: str, *, remittance: str = "x") -> Path:
    details = f"<TxDtls><RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls>"
    entry = camt_entry("1.00", reference="H", details=details)
    return write(tmp_path, "hostile.xml", camt_document([entry], prolog=prolog))


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    path = hostile(tmp_path, BILLION_LAUGHS, remittance="&lol4;")

    with pytest.raises(PayloadError, match="DOCTYPE"):
        collect(read_statement_file(path))


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "TOP-SECRET")
    prolog = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    )
    path = hostile(tmp_path, prolog, remittance="&xxe;")

    with pytest.raises(PayloadError) as caught:
        collect(read_statement_file(path))

    assert "TOP-SECRET" not in str(caught.value)


def test_external_dtd_reference_is_refused(tmp_path: Path) -> None:
    prolog = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
    )
    path = hostile(tmp_path, prolog)

    with pytest.raises(PayloadError, match="DOCTYPE"):
        collect(read_statement_file(path))


def test_doctype_in_utf16_file_is_refused(tmp_path: Path) -> None:
    prolog = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE Document []>\n'
    text = camt_document([camt_entry("1.00", reference="U")], prolog=prolog)
    path = write(tmp_path, "utf16.xml", text, encoding="utf-16")

    with pytest.raises(PayloadError, match="DOCTYPE"):
        collect(read_statement_file(path, file_format="camt"))


def test_comment_before_root_does_not_hide_a_doctype(tmp_path: Path) -> None:
    prolog = '<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE Document>\n'
    path = hostile(tmp_path, prolog)

    with pytest.raises(PayloadError, match="DOCTYPE"):
        collect(read_statement_file(path))


def test_plain_file_without_doctype_still_parses(tmp_path: Path) -> None:
    path = hostile(tmp_path, '<?xml version="1.0"?>\n', remittance="fine &amp; dandy")

    (statement,) = collect(read_statement_file(path))

    assert statement.lines[0].remittance == "fine & dandy"
