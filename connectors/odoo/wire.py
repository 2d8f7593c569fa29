"""The one call shape both protocols carry, and the value conversions at the edge.

Odoo reads and writes floats. The hub sends Decimals as the nearest float (a
shortest-repr float prints the same decimal digits back) and parses every answer
with `parse_float=Decimal`, so an amount like 119.99 comes back exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol


class Transport(Protocol):
    """One protocol's way to call a model method on one Odoo database."""

    calls: int

    def call(
        self,
        model: str,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        write: bool = False,
        external_id: str | None = None,
    ) -> Any:
        """Call `model.method` with named `params` on records `ids`; return the result.

        Raises a ConnectorError subclass (see `connectors.odoo.errors`).
        """
        ...

    def close(self) -> None:
        """Release the connection pool."""
        ...


def to_wire(value: Any) -> Any:
    """Return `value` with Decimals as floats, dates as ISO text, tuples as lists."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Return the JSON text of `value` after `to_wire`."""
    return json.dumps(to_wire(value), separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Parse an answer with exact Decimals for fractional numbers."""
    return json.loads(text, parse_float=Decimal)


def request_id() -> str:
    """Return a fresh id to trace one request in logs and errors."""
    return uuid.uuid4().hex[:16]


def operation(model: str, method: str) -> str:
    """Return the operation name errors carry, e.g. "account.move.create"."""
    return f"{model}.{method}"


def many2one_id(value: Any) -> int | None:
    """Return the id of a many2one as `read` answers it ([id, name], id or False)."""
    if isinstance(value, (list, tuple)) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def many2one_name(value: Any) -> str | None:
    """Return the display name of a many2one read as [id, name], else None."""
    if isinstance(value, (list, tuple)) and len(value) > 1:
        return str(value[1])
    return None
