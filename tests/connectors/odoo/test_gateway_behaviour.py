"""Gateway promises beyond the contract: named fields, no secrets in logs, races."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from connectors.odoo.gateway import OdooGateway, open_gateway
from connectors.odoo.idempotency import KeyedWriter, KeyIndex
from connectors.odoo.records import PartnerData, PaymentRequest
from connectors.odoo.wire import Transport
from connectors.sandbox.odoo import SandboxOdoo
from o2c.errors import AuthenticationError
from o2c.invoices import TotalMismatchError
from o2c.taxes import TaxDefinition
from tests.connectors.odoo.support import (
    credit_note_draft,
    expected_fields,
    invoice_draft,
    money,
    settings_for,
)


class RecordingTransport:
    """Passes calls through and keeps (model, method, params) of each."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    @property
    def calls(self) -> int:
        return self.inner.calls

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
        self.sent.append((model, method, dict(params or {})))
        return self.inner.call(
            model, method, params, ids=ids, write=write, external_id=external_id
        )

    def close(self) -> None:
        self.inner.close()


def test_every_read_names_its_fields(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    recorder = RecordingTransport(gateway._rpc)
    watched = OdooGateway(recorder, gateway.profile, gateway.protocol)
    invoice = invoice_draft(1, taxes, backend[0])

    (created,) = watched.create_invoices([invoice])
    watched.create_credit_notes([credit_note_draft(invoice, taxes, backend[0])])
    watched.create_partners([PartnerData(key="o2c_hub.partner.s.1", name="Al")])
    watched.find_partners(emails=["jane@example.com"], keys=["o2c_hub.partner.s.1"])
    watched.find_taxes(names=["20%"])
    watched.register_payments(
        [
            PaymentRequest(
                key="o2c_hub.payment.s.1",
                invoice_key=invoice.idempotency_key,
                amount=money("10.00"),
                payment_date=dt.date(2026, 3, 5),
                journal_ref="sandbox.journal_bank",
            )
        ]
    )

    reads = [
        (m, meth, p) for m, meth, p in recorder.sent if meth in ("read", "search_read")
    ]
    assert len(reads) >= 8
    assert all(p.get("fields") for _m, _meth, p in reads), reads
    assert created.state == "posted"


def test_api_key_never_reaches_the_logs(
    odoo: SandboxOdoo, backend: tuple[int, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = open_gateway(settings_for(odoo, backend[1]))

    gateway.find_products_by_code(["TSHIRT-001"])
    odoo.expire_api_key()
    with pytest.raises(AuthenticationError):
        gateway.find_products_by_code(["TSHIRT-001"])

    assert caplog.records
    assert odoo.api_key not in caplog.text


def test_draft_held_for_total_mismatch_is_not_written(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    draft = invoice_draft(1, taxes, backend[0])
    held = draft.model_copy(update={"storefront_total": money("80.00")})

    (result,) = gateway.create_invoices([held])

    assert result.id is None
    assert isinstance(result.error, TotalMismatchError)
    assert odoo.calls.get("account.move", "create") == 0


def test_invoice_in_a_foreign_currency_reads_back_in_that_currency(
    gateway: OdooGateway, backend: tuple[int, str], taxes: tuple[TaxDefinition, ...]
) -> None:
    draft = invoice_draft(1, taxes, backend[0])
    eur = draft.model_copy(update=expected_fields(draft.lines, backend[0], "EUR"))

    (result,) = gateway.create_invoices([eur])

    assert result.amount_total == money("74.82", "EUR")
    assert result.finding is None


def test_second_writer_of_a_key_keeps_the_first_record(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    index = KeyIndex(gateway._rpc)
    writer = KeyedWriter(gateway._rpc, index, model="res.partner", marker="ref")
    key = "o2c_hub.partner.s.race"
    first = writer.create({key: {"name": "First", "ref": key}})

    # A second worker missed the first one's lookup and writes the same key.
    second = writer.create({key: {"name": "Second", "ref": key}})

    assert second[key].id == first[key].id
    assert not second[key].created
    names = [p["name"] for p in odoo.records("res.partner") if p.get("ref") == key]
    assert names == ["First"]


def test_large_batch_is_written_in_chunks_of_batch_size(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    gateway.batch_size = 10
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, 26)]

    results = gateway.create_invoices(drafts)

    assert all(r.state == "posted" for r in results)
    assert odoo.calls.get("account.move", "create") == 3
    assert odoo.calls.get("account.move", "action_post") == 3


def test_known_partner_keys_are_answered_without_a_call(
    gateway: OdooGateway, odoo: SandboxOdoo, backend: tuple[int, str]
) -> None:
    partner = PartnerData(key="o2c_hub.partner.s.9", name="Bea")
    first = gateway.create_partners([partner])
    before = gateway.calls

    again = gateway.create_partners([partner])
    restarted = open_gateway(settings_for(odoo, backend[1])).create_partners([partner])

    assert again == first == restarted
    assert gateway.calls == before
    assert [p["name"] for p in odoo.records("res.partner")].count("Bea") == 1


def test_journal_entry_outside_the_company_currency_is_refused_unwritten(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    from o2c.errors import RejectedError
    from o2c.ledger import JournalEntry, Posting

    entry = JournalEntry(
        idempotency_key="o2c_hub.fee.stripe.po_eur",
        date=dt.date(2026, 3, 10),
        reference="po_eur",
        currency="EUR",
        postings=(
            Posting.signed("sandbox.account_fees_expense", money("1", "EUR"), "f"),
            Posting.signed("sandbox.account_stripe_clearing", money("-1", "EUR"), "f"),
        ),
    )

    (result,) = gateway.create_journal_entries([entry], journal_ref="STRP-unused")

    assert isinstance(result.error, RejectedError)
    assert result.error.external_id == entry.idempotency_key
    assert odoo.calls.get("account.move", "create") == 0
