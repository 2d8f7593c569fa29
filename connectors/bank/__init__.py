"""Bank statement files: CAMT, MT940, BAI2, OFX and CSV profiles.

The public API: `read_statement_file` streams a `Statement` followed by its
`StatementLine`s (memory stays flat for large files); `parse_statement_file`
gathers them into statements with their lines; `detect_format` names the format;
`BalanceTracker` checks streamed statements' balances.
"""

from __future__ import annotations

from connectors.bank.formats import (
    FORMATS,
    detect_format,
    parse_statement_file,
    read_statement_file,
)
from connectors.bank.stream import (
    BalanceTracker,
    CheckedStatement,
    StatementItem,
    collect,
)

__all__ = [
    "FORMATS",
    "BalanceTracker",
    "CheckedStatement",
    "StatementItem",
    "collect",
    "detect_format",
    "parse_statement_file",
    "read_statement_file",
]
