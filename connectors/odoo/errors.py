"""Odoo's error answers translated into the hub's exception tree, once, at the edge.

Both protocols carry the same error object (`name`, `message`, `arguments`,
`debug`): JSON-RPC inside `{"error": {"code": 200, "data": ...}}` with HTTP 200,
JSON-2 as the body of a 4xx/5xx answer. The translation reads the exception name
first and the message only where Odoo uses one class for several causes (a lock
date is a plain UserError):

    odoo.exceptions.AccessDenied, SessionExpired, 401   -> AuthenticationError
    odoo.exceptions.AccessError, 403                    -> AccessError
    UserError/ValidationError naming a lock date         -> LockedPeriodError
    UserError, ValidationError, MissingError, 4xx        -> RejectedError
    psycopg2 errors (serialization, lost connection)     -> RetryableError
    429, 5xx without an Odoo error, network failures    -> RetryableError
                                        (AmbiguousWriteError for a write once sent)
    other server exceptions (builtins.*)                -> PermanentError
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    ConnectorError,
    LockedPeriodError,
    PermanentError,
    RejectedError,
    RetryableError,
)

SYSTEM = "odoo"
_LOCK = re.compile(r"lock date|locked period|period is locked|hard lock", re.I)
_AUTH_NAMES = ("odoo.exceptions.AccessDenied", "odoo.http.SessionExpiredException")
_REJECT_NAMES = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What an error names about the call that failed."""

    operation: str  # "account.move.create"
    external_id: str | None
    request_id: str
    write: bool

    def fields(self, status: int | None = None) -> dict[str, Any]:
        """Return the keyword arguments every ConnectorError takes."""
        return {
            "system": SYSTEM,
            "operation": self.operation,
            "external_id": self.external_id,
            "request_id": self.request_id,
            "status": status,
        }


def from_odoo_error(
    error: Mapping[str, Any], info: CallInfo, *, status: int | None = None
) -> ConnectorError:
    """Return the hub error for Odoo's serialized exception `error`."""
    name = str(error.get("name") or "")
    message = str(error.get("message") or name or "Odoo error").strip()
    kw = info.fields(status)
    if name in _AUTH_NAMES or status == 401 or name.endswith(".Unauthorized"):
        return AuthenticationError(message, **kw)
    if name == "odoo.exceptions.AccessError" or status == 403:
        return AccessError(message, **kw)
    if name in _REJECT_NAMES or name.startswith("odoo.exceptions."):
        if _LOCK.search(message):
            return LockedPeriodError(message, **kw)
        return RejectedError(message, **kw)
    if name.startswith("psycopg2."):
        return _unavailable(message, info, status)
    if status is not None and status >= 500 and not name:
        return _unavailable(message, info, status)
    return PermanentError(f"{name}: {message}" if name else message, **kw)


def from_http_status(
    status: int, info: CallInfo, *, retry_after: str | None = None
) -> ConnectorError:
    """Return the hub error for an HTTP answer that carries no Odoo error object."""
    if status == 401:
        return AuthenticationError("unauthorized", **info.fields(status))
    if status == 403:
        return AccessError("forbidden", **info.fields(status))
    if status == 429:
        return RetryableError(
            "throttled", retry_after=_seconds(retry_after), **info.fields(status)
        )
    if status >= 500:
        return _unavailable(f"HTTP {status}", info, status)
    return PermanentError(f"HTTP {status}", **info.fields(status))


def from_network(exc: BaseException, info: CallInfo, *, sent: bool) -> RetryableError:
    """Return the hub error for a transport failure.

    A write whose request went out and got no answer may have happened: it is
    an AmbiguousWriteError, and the caller looks its key up before retrying.
    """
    message = f"{type(exc).__name__}: {exc}"
    if sent and info.write:
        return AmbiguousWriteError(message, **info.fields())
    return RetryableError(message, **info.fields())


def _unavailable(message: str, info: CallInfo, status: int | None) -> RetryableError:
    """A server failure: a write may have been committed before it."""
    kind = AmbiguousWriteError if info.write else RetryableError
    return kind(message, **info.fields(status))


def _seconds(value: str | None) -> float | None:
    """Return a Retry-After header in seconds when it is a number."""
    try:
        return float(value) if value else None
    except ValueError:
        return None
