"""The exceptions the sandbox raises, named and serialized the way Odoo does.

Odoo puts the fully qualified exception name, its message, its arguments, the
request context and a traceback into every error answer. JSON-RPC wraps that in
`{"code": 200, "message": "Odoo Server Error", "data": ...}` with HTTP 200; JSON-2
sends the bare object with the exception's HTTP status (`http_status`).

    OdooError
    ├── UserError (422)
    │   ├── ValidationError (422)     constraint and IntegrityError answers
    │   ├── AccessError (403)         missing group, hidden field, private method
    │   ├── MissingError (404)        record does not exist or was deleted
    │   └── AccessDenied (403)        wrong login, password or API key
    ├── PythonError (500)             builtins.ValueError / TypeError / AttributeError
    ├── HttpError                     werkzeug.exceptions.* (JSON-2 routing and auth)
    └── SessionExpired                JSON-RPC code 100, "Odoo Session Expired"
"""

from __future__ import annotations

import traceback
from typing import Any, ClassVar


class OdooError(Exception):
    """An error the simulated server answers with; `odoo_name` names it on the wire."""

    odoo_name: ClassVar[str] = "odoo.exceptions.UserError"
    http_status: ClassVar[int] = 422

    def __init__(self, message: str, *arguments: Any) -> None:
        super().__init__(message, *arguments)

    @property
    def message(self) -> str:
        """Return the human message (Odoo's `str(exception)`)."""
        return str(self.args[0])

    def wire_name(self) -> str:
        """Return the fully qualified exception name Odoo would send."""
        return self.odoo_name

    def wire_arguments(self) -> list[Any]:
        """Return the exception arguments as Odoo serializes them."""
        return list(self.args)


class UserError(OdooError):
    """A business rule refused the operation."""


class ValidationError(UserError):
    """A constraint failed, including database uniqueness (IntegrityError)."""

    odoo_name = "odoo.exceptions.ValidationError"


class AccessError(UserError):
    """The user lacks the group for a model, a field or a method."""

    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class MissingError(UserError):
    """A record that does not exist or was deleted."""

    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessDenied(UserError):  # noqa: N818 - Odoo's name
    """Wrong credentials. Odoo sends no traceback for it."""

    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class PythonError(OdooError):
    """A plain Python exception escaping the ORM (`builtins.ValueError`, ...)."""

    http_status = 500

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def wire_name(self) -> str:
        """Return `builtins.<kind>`, as Odoo prints builtin exceptions."""
        return f"builtins.{self.kind}"


class HttpError(OdooError):
    """A werkzeug HTTP exception (not found, unauthorized, unprocessable...)."""

    _reasons: ClassVar[dict[int, str]] = {
        400: "BadRequest",
        401: "Unauthorized",
        404: "NotFound",
        405: "MethodNotAllowed",
        422: "UnprocessableEntity",
    }

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description, status)
        self.status = status

    @property
    def message(self) -> str:
        """Return the werkzeug description."""
        return str(self.args[0])

    def wire_name(self) -> str:
        """Return `werkzeug.exceptions.<Reason>`."""
        return f"werkzeug.exceptions.{self._reasons.get(self.status, 'HTTPException')}"


class SessionExpired(OdooError):  # noqa: N818 - mirrors Odoo's
    """A JSON-RPC web route was called without a live session."""

    odoo_name = "odoo.http.SessionExpiredException"
    http_status = 403

    def __init__(self) -> None:
        super().__init__("Session expired")


def status_of(exc: OdooError) -> int:
    """Return the HTTP status JSON-2 answers `exc` with."""
    if isinstance(exc, HttpError):
        return exc.status
    return exc.http_status


def serialize(exc: OdooError, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return Odoo's `serialize_exception` shape: name, debug, message, arguments."""
    debug = "" if isinstance(exc, AccessDenied) else _fake_traceback(exc)
    return {
        "name": exc.wire_name(),
        "debug": debug,
        "message": exc.message,
        "arguments": exc.wire_arguments(),
        "context": dict(context or {}),
    }


def _fake_traceback(exc: OdooError) -> str:
    """Return a traceback text that names the sandbox, as Odoo names its files."""
    lines = traceback.format_exception_only(type(exc), exc)
    body = "".join(lines).strip().replace(type(exc).__name__, exc.wire_name(), 1)
    return f"Traceback (most recent call last):\n  (sandbox odoo)\n{body}\n"
