"""Version profiles and the translation of Odoo error objects (no server)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.odoo.errors import CallInfo, from_http_status, from_odoo_error
from connectors.odoo.profile import profile_from_version
from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    ConfigurationError,
    ConnectorError,
    LockedPeriodError,
    PermanentError,
    RejectedError,
    RetryableError,
)


@pytest.mark.parametrize(
    ("version", "major", "memo", "sale_tax", "group"),
    [
        ("16.0", 16, "ref", "tax_id", "read_group"),
        ([17, 0, 0, "final", 0, ""], 17, "ref", "tax_id", "read_group"),
        ("saas~18.2", 18, "memo", "tax_id", "read_group"),
        ("19.0+e", 19, "memo", "tax_ids", "formatted_read_group"),
    ],
)
def test_profile_names_the_fields_of_its_version(
    version: Any, major: int, memo: str, sale_tax: str, group: str
) -> None:
    profile = profile_from_version(version)

    assert profile.major == major
    assert profile.payment_memo_field == memo
    assert profile.sale_line_tax_field == sale_tax
    assert profile.group_method == group


def test_payment_states_changed_in_18() -> None:
    assert profile_from_version("17.0").payment_done_states == ("posted",)
    assert "in_process" in profile_from_version("18.0").payment_done_states


@pytest.mark.parametrize("version", ["15.0", "20.0", "nonsense", [1]])
def test_unsupported_version_is_a_configuration_error(version: Any) -> None:
    with pytest.raises(ConfigurationError):
        profile_from_version(version)


READ = CallInfo("account.move.read", None, "r1", write=False)
WRITE = CallInfo("account.move.create", "o2c_hub.invoice.s.1", "r2", write=True)


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [
        (
            {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied"},
            None,
            AuthenticationError,
        ),
        (
            {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"},
            401,
            AuthenticationError,
        ),
        (
            {"name": "odoo.exceptions.AccessError", "message": "no rights"},
            403,
            AccessError,
        ),
        (
            {
                "name": "odoo.exceptions.UserError",
                "message": "You cannot add/modify entries prior to and inclusive"
                " of the lock date 02/28/2026.",
            },
            422,
            LockedPeriodError,
        ),
        (
            {"name": "odoo.exceptions.ValidationError", "message": "bad"},
            None,
            RejectedError,
        ),
        (
            {"name": "odoo.exceptions.MissingError", "message": "gone"},
            404,
            RejectedError,
        ),
        (
            {"name": "psycopg2.errors.SerializationFailure", "message": "retry"},
            None,
            RetryableError,
        ),
        (
            {"name": "builtins.ValueError", "message": "Invalid field"},
            None,
            PermanentError,
        ),
    ],
)
def test_odoo_error_object_maps_to_hub_error(
    error: dict[str, str], status: int | None, expected: type[ConnectorError]
) -> None:
    translated = from_odoo_error(error, READ, status=status)

    assert type(translated) is expected
    assert translated.system == "odoo"
    assert translated.operation == "account.move.read"
    assert translated.request_id == "r1"


@pytest.mark.parametrize(
    ("status", "info", "expected"),
    [
        (503, READ, RetryableError),
        (503, WRITE, AmbiguousWriteError),
        (429, WRITE, RetryableError),
        (401, READ, AuthenticationError),
        (404, READ, PermanentError),
    ],
)
def test_bare_http_status_maps_by_read_or_write(
    status: int, info: CallInfo, expected: type[ConnectorError]
) -> None:
    translated = from_http_status(status, info, retry_after="3")

    assert type(translated) is expected
    assert translated.status == status
    assert translated.external_id == info.external_id


def test_throttled_call_carries_the_servers_retry_hint() -> None:
    translated = from_http_status(429, READ, retry_after="7")

    assert isinstance(translated, RetryableError)
    assert translated.retry_after == 7.0
