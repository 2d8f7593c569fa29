"""Error translation at the gateway boundary, on every backend (one table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from connectors.odoo.gateway import OdooGateway, open_gateway
from connectors.sandbox.odoo import SandboxOdoo
from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    ConnectorError,
    LockedPeriodError,
    RejectedError,
    RetryableError,
)
from o2c.ledger import JournalEntry, Posting
from tests.connectors.odoo.support import money, settings_for


def _entry(day: dt.date) -> JournalEntry:
    return JournalEntry(
        idempotency_key=f"o2c_hub.fee.stripe.po_{day:%m%d}",
        date=day,
        reference="po",
        currency="USD",
        postings=(
            Posting.signed("sandbox.account_fees_expense", money("1.00"), "fee"),
            Posting.signed("sandbox.account_stripe_clearing", money("-1.00"), "fee"),
        ),
    )


def _draft_entry(gateway: OdooGateway, day: dt.date) -> int:
    (created,) = gateway.create_journal_entries(
        [_entry(day)], journal_ref="sandbox.journal_stripe", post=False
    )
    assert created.state == "draft" and created.id is not None
    return created.id


def expired_api_key(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    gateway.find_products_by_code(["TSHIRT-001"])  # works before the expiry
    odoo.expire_api_key()
    gateway.find_products_by_code(["TSHIRT-001"])


def missing_billing_group(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    sales = settings_for(
        odoo, gateway.protocol, api_key=odoo.sales_api_key, login="sales"
    )
    open_gateway(sales).read_totals([1])


def locked_period(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    entry_id = _draft_entry(gateway, dt.date(2026, 2, 10))
    odoo.set_company(fiscalyear_lock_date="2026-02-28")
    gateway.post([entry_id])


def validation_error(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    entry_id = _draft_entry(gateway, dt.date(2026, 3, 10))
    gateway.post([entry_id])
    gateway.post([entry_id])  # already posted


def server_error_on_read(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    odoo.faults.fail_next(status=503, model="account.journal")
    gateway.find_journals(["INV"])


def server_error_on_write(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    entry_id = _draft_entry(gateway, dt.date(2026, 3, 10))
    odoo.faults.fail_next(status=502, model="account.move", method="action_post")
    gateway.post([entry_id])


def answer_lost_on_write(odoo: SandboxOdoo, gateway: OdooGateway) -> None:
    entry_id = _draft_entry(gateway, dt.date(2026, 3, 10))
    odoo.faults.drop_after_commit(model="account.move", method="action_post")
    gateway.post([entry_id])


@dataclass(frozen=True)
class Case:
    provoke: Callable[[SandboxOdoo, OdooGateway], None]
    error: type[ConnectorError]
    operation: str
    not_error: type[ConnectorError] | None = None


CASES = {
    "expired api key": Case(expired_api_key, AuthenticationError, "product.product"),
    "missing group": Case(missing_billing_group, AccessError, "account.move.read"),
    "locked period": Case(locked_period, LockedPeriodError, "account.move.action_post"),
    "validation error": Case(
        validation_error, RejectedError, "account.move.action_post"
    ),
    "5xx on a read": Case(
        server_error_on_read,
        RetryableError,
        "account.journal.search_read",
        not_error=AmbiguousWriteError,
    ),
    "5xx on a write": Case(
        server_error_on_write, AmbiguousWriteError, "account.move.action_post"
    ),
    "answer lost on a write": Case(
        answer_lost_on_write, AmbiguousWriteError, "account.move.action_post"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_odoo_failure_becomes_the_hubs_error(
    case: Case, odoo: SandboxOdoo, gateway: OdooGateway
) -> None:
    with pytest.raises(case.error) as raised:
        case.provoke(odoo, gateway)

    error = raised.value
    assert error.system == "odoo"
    assert error.operation.startswith(case.operation) or (
        error.operation == "common.authenticate"
    )
    assert error.request_id or error.operation == "common.authenticate"
    if case.not_error is not None:
        assert not isinstance(error, case.not_error)


def test_unreachable_server_is_retryable(odoo: SandboxOdoo) -> None:
    settings = settings_for(odoo)
    odoo.stop()

    with pytest.raises(RetryableError) as raised:
        open_gateway(settings)

    assert not isinstance(raised.value, AmbiguousWriteError)


def test_json2_asked_of_an_old_server_is_a_configuration_error(
    odoo: SandboxOdoo, backend: tuple[int, str]
) -> None:
    from o2c.errors import ConfigurationError

    if backend[0] >= 19:
        assert open_gateway(settings_for(odoo, "json2")).protocol == "json2"
        return
    with pytest.raises(ConfigurationError):
        open_gateway(settings_for(odoo, "json2"))


def test_refused_write_names_its_idempotency_key(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    odoo.set_company(fiscalyear_lock_date="2026-02-28")

    (result,) = gateway.create_journal_entries(
        [_entry(dt.date(2026, 2, 10))], journal_ref="sandbox.journal_stripe"
    )

    assert isinstance(result.error, LockedPeriodError)
    assert result.error.external_id == "o2c_hub.fee.stripe.po_0210"
    assert result.state == "draft"
    assert "lock date" in str(result.error)
