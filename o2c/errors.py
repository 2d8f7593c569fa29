"""The hub's exception tree, shaped by what the caller should do next.

    HubError
    ├── ConfigurationError        fix the configuration, then restart
    ├── SignatureError            reject the request (401); nothing is stored
    ├── PayloadError              park the raw record with the parse error
    ├── MappingError              park the record until the mapping names the key
    ├── ConflictError             the external system changed under us; re-read, decide
    └── ConnectorError            carries system, operation, external id, request id
        ├── RetryableError        timeouts, 429, 5xx, throttling: try again later
        │   └── AmbiguousWriteError   sent, no answer: look the key up before retrying
        └── PermanentError        4xx, user errors: retrying will not help
            ├── AuthenticationError   expired or wrong credentials
            ├── AccessError           missing rights (hidden fields, forbidden model)
            ├── RejectedError         the system refused the data (validation)
            └── LockedPeriodError     the accounting period is locked

Library errors are translated once, at the connector boundary, with `raise ... from`.
"""

from __future__ import annotations


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigurationError(HubError):
    """The configuration is missing a value or has a wrong one."""


class SignatureError(HubError):
    """A webhook's signature is missing, wrong, or outside its time tolerance."""


class PayloadError(HubError):
    """An external payload cannot be parsed into the canonical model.

    `where` names the field or position that failed, for the operator.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{message} (at {where})" if where else message)


class MappingError(HubError):
    """A record needs a mapping entry that does not exist (`kind`, `key`)."""

    def __init__(self, kind: str, key: str, message: str | None = None) -> None:
        self.kind = kind
        self.key = key
        super().__init__(message or f"no {kind} mapping for {key!r}")


class ConflictError(HubError):
    """The external system's record is not what the hub expected (changed under us)."""


class ConnectorError(HubError):
    """A call to an external system failed. Carries what support needs to trace it."""

    def __init__(
        self,
        message: str,
        *,
        system: str,
        operation: str,
        external_id: str | None = None,
        request_id: str | None = None,
        status: int | None = None,
    ) -> None:
        self.system = system
        self.operation = operation
        self.external_id = external_id
        self.request_id = request_id
        self.status = status
        super().__init__(message)

    def __str__(self) -> str:
        parts = [f"{self.system} {self.operation}: {self.args[0]}"]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.external_id:
            parts.append(f"external_id={self.external_id}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class RetryableError(ConnectorError):
    """A transient failure: the same call may succeed later.

    `retry_after` is the server's hint in seconds, when it gave one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object):
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class AmbiguousWriteError(RetryableError):
    """A write was sent and no answer came: it may or may not have happened."""


class PermanentError(ConnectorError):
    """The system refused the call; the same call will fail again."""


class AuthenticationError(PermanentError):
    """The credentials were refused (expired API key, revoked token)."""


class AccessError(PermanentError):
    """The credentials lack a right (a group, a scope, a model)."""


class RejectedError(PermanentError):
    """The system refused the data: a validation error, a user error."""


class LockedPeriodError(PermanentError):
    """The document's date falls in a locked accounting period."""
