"""Contract suite of the ERP gateway, run against the sandbox Odoo on every backend.

Each test runs for Odoo 16, 17, 18 and 19 over JSON-RPC and for 19 over JSON-2
(the `backend` fixture), so both transports and every version profile keep the
same promises: batched writes, exactly once per key, exact totals read back.
"""

from __future__ import annotations

import datetime as dt

from connectors.odoo.gateway import OdooGateway
from connectors.odoo.keys import MODULE, xmlid_name
from connectors.odoo.records import PartnerData, PaymentRequest
from connectors.sandbox.odoo import SandboxOdoo
from o2c.errors import MappingError, RejectedError
from o2c.ledger import JournalEntry, Posting
from o2c.taxes import TaxDefinition
from tests.connectors.odoo.support import (
    credit_note_draft,
    invoice_draft,
    money,
)

BATCH = 25


def _moves(
    odoo: SandboxOdoo, move_type: str = "out_invoice"
) -> list[dict[str, object]]:
    return [m for m in odoo.records("account.move") if m["move_type"] == move_type]


def test_open_gateway_detects_version_and_protocol(
    gateway: OdooGateway, backend: tuple[int, str]
) -> None:
    version, protocol = backend
    assert gateway.profile.major == version
    assert gateway.protocol == protocol
    assert gateway.server_version() == f"{version}.0"


def test_lookups_find_seeded_records_by_code(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    products = gateway.find_products_by_code(["TSHIRT-001", "MUG-001", "NOPE"])
    journals = gateway.find_journals(["INV", "STRP"])
    accounts = gateway.find_accounts(["642000", "101402"])
    currencies = gateway.find_currencies(["EUR", "JPY"])

    assert products == {
        "TSHIRT-001": odoo.ref("sandbox.product_tshirt"),
        "MUG-001": odoo.ref("sandbox.product_mug"),
    }
    assert journals == {
        "INV": odoo.ref("sandbox.journal_sale"),
        "STRP": odoo.ref("sandbox.journal_stripe"),
    }
    assert accounts == {
        "642000": odoo.ref("sandbox.account_rounding"),
        "101402": odoo.ref("sandbox.account_stripe_clearing"),
    }
    assert currencies == {"EUR": odoo.ref("base.EUR"), "JPY": odoo.ref("base.JPY")}


def test_find_taxes_reads_price_include_on_every_version(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    excluded = odoo.ref("sandbox.tax_20_excl")
    included = odoo.ref("sandbox.tax_20_incl")

    found = {t.id: t for t in gateway.find_taxes(ids=[excluded, included])}

    assert found[excluded].price_include is False
    assert found[included].price_include is True
    assert str(found[excluded].amount) in ("20", "20.0")
    assert found[excluded].amount_type == "percent"


def test_batched_create_posts_and_reads_back_in_constant_calls(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, BATCH + 1)]
    before = gateway.calls

    results = gateway.create_invoices(drafts)

    # resolve, marker search, currencies, create, external ids, post, read back
    assert gateway.calls - before <= 7
    assert [r.key for r in results] == [d.idempotency_key for d in drafts]
    assert all(r.created and r.state == "posted" for r in results)
    assert all(r.error is None and r.finding is None for r in results)
    assert [r.amount_total for r in results] == [d.expected_total for d in drafts]
    assert drafts[0].expected_total == money("74.82")
    assert len(_moves(odoo)) == BATCH
    stored = odoo.record("account.move", results[0].id or 0)
    assert stored["ref"] == drafts[0].idempotency_key
    assert stored["invoice_origin"] == "#1"
    assert odoo.calls.get("account.move", "create") == 1
    assert odoo.calls.get("account.move", "action_post") == 1


def test_external_id_is_the_key_made_identifier_safe(
    gateway: OdooGateway, odoo: SandboxOdoo, backend: tuple[int, str], taxes
) -> None:
    draft = invoice_draft(7, taxes, backend[0], shop="my-shop_eu")

    (result,) = gateway.create_invoices([draft])

    name = "invoice__my_2dshop_5feu__7"
    assert xmlid_name(draft.idempotency_key) == name
    assert odoo.ref(f"{MODULE}.{name}") == result.id
    assert gateway.lookup_keys([draft.idempotency_key]) == {
        draft.idempotency_key: result.id
    }


def test_recreating_existing_keys_writes_nothing(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, 6)]
    first = gateway.create_invoices(drafts)
    before = gateway.calls

    again = gateway.create_invoices(drafts)

    assert gateway.calls - before == 2  # one lookup, one read-back
    assert [r.id for r in again] == [r.id for r in first]
    assert not any(r.created for r in again)
    assert all(r.state == "posted" and r.finding is None for r in again)
    assert len(_moves(odoo)) == 5
    assert odoo.calls.get("account.move", "create") == 1


def test_lost_answer_to_create_finds_records_and_creates_no_other(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, 4)]
    odoo.faults.drop_after_commit(model="account.move", method="create")

    results = gateway.create_invoices(drafts)

    assert len(_moves(odoo)) == 3
    assert odoo.calls.get("account.move", "create") == 1
    assert all(r.state == "posted" and r.error is None for r in results)
    assert gateway.lookup_keys([d.idempotency_key for d in drafts]) == {
        r.key: r.id for r in results
    }


def test_timeout_after_commit_finds_records_and_creates_no_other(
    odoo: SandboxOdoo, backend: tuple[int, str], taxes: tuple[TaxDefinition, ...]
) -> None:
    from connectors.odoo.gateway import open_gateway
    from tests.connectors.odoo.support import settings_for

    impatient = open_gateway(settings_for(odoo, backend[1], timeout=0.3))
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, 3)]
    odoo.faults.delay_after_commit(1.0, model="account.move", method="create")

    results = impatient.create_invoices(drafts)

    assert len(_moves(odoo)) == 2
    assert all(r.state == "posted" for r in results)


def test_lost_answers_to_external_ids_and_post_are_recovered(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    drafts = [invoice_draft(n, taxes, backend[0]) for n in range(1, 4)]
    odoo.faults.drop_after_commit(model="ir.model.data", method="create")
    odoo.faults.drop_after_commit(model="account.move", method="action_post")

    results = gateway.create_invoices(drafts)

    assert all(r.state == "posted" and r.error is None for r in results)
    assert len(_moves(odoo)) == 3
    hub_ids = [r for r in odoo.records("ir.model.data") if r["module"] == MODULE]
    assert sorted(r["res_id"] for r in hub_ids) == sorted(r.id for r in results)


def test_record_written_before_a_crash_is_adopted_not_duplicated(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    draft = invoice_draft(1, taxes, backend[0])
    # The first attempt created the draft move, then died before its external id.
    with odoo.env().db.transaction():
        orphan = odoo.service.call(
            odoo.uid,
            "account.move",
            "create",
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": odoo.ref("sandbox.partner_jane"),
                    "ref": draft.idempotency_key,
                }
            ],
            {},
            context={},
        )

    (result,) = gateway.create_invoices([draft])

    assert result.id == orphan
    assert not result.created
    assert len(_moves(odoo)) == 1
    assert gateway.lookup_keys([draft.idempotency_key]) == {
        draft.idempotency_key: orphan
    }


def test_total_differing_from_expected_is_returned_as_finding(
    gateway: OdooGateway, backend: tuple[int, str], taxes: tuple[TaxDefinition, ...]
) -> None:
    draft = invoice_draft(1, taxes, backend[0])
    off = draft.model_copy(
        update={
            "expected_total": draft.expected_total + money("0.01"),
            "storefront_total": draft.expected_total + money("0.01"),
        }
    )

    (result,) = gateway.create_invoices([off])

    assert result.state == "posted"
    assert result.finding is not None
    assert result.finding.difference == money("-0.01")
    assert result.finding.actual == draft.expected_total


def test_one_refused_document_does_not_stop_the_batch(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    good = [invoice_draft(n, taxes, backend[0]) for n in (1, 3)]
    unknown_partner = invoice_draft(2, taxes, backend[0], partner_ref="999999")
    unmapped = invoice_draft(4, taxes, backend[0], partner_ref="sandbox.nobody")

    results = gateway.create_invoices([good[0], unknown_partner, good[1], unmapped])

    assert [r.state for r in results] == ["posted", None, "posted", None]
    assert isinstance(results[1].error, RejectedError)
    assert results[1].error.external_id == unknown_partner.idempotency_key
    assert isinstance(results[3].error, MappingError)
    assert len(_moves(odoo)) == 2


def test_credit_note_reverses_its_invoice(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    invoice = invoice_draft(1, taxes, backend[0])
    (created,) = gateway.create_invoices([invoice])
    note = credit_note_draft(invoice, taxes, backend[0])

    (result,) = gateway.create_credit_notes([note])
    (again,) = gateway.create_credit_notes([note])

    stored = odoo.record("account.move", result.id or 0)
    assert stored["move_type"] == "out_refund"
    assert stored["reversed_entry_id"] == created.id
    assert result.amount_total == note.expected_total == money("14.82")
    assert again.id == result.id and not again.created


def test_journal_entries_are_posted_once(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    usd = "USD"
    entry = JournalEntry(
        idempotency_key="o2c_hub.fee.stripe.po_123",
        date=dt.date(2026, 3, 10),
        reference="po_123",
        currency=usd,
        postings=(
            Posting.signed("sandbox.account_fees_expense", money("2.90"), "fees"),
            Posting.signed("sandbox.account_stripe_clearing", money("-2.90"), "fees"),
        ),
    )

    (result,) = gateway.create_journal_entries(
        [entry], journal_ref="sandbox.journal_stripe"
    )
    (again,) = gateway.create_journal_entries(
        [entry], journal_ref="sandbox.journal_stripe"
    )

    assert result.state == "posted" and result.error is None
    assert again.id == result.id and not again.created
    lines = [
        ln for ln in odoo.records("account.move.line") if ln["move_id"] == result.id
    ]
    assert sorted(str(ln["debit"]) for ln in lines) in (
        ["0", "2.90"],
        ["0", "2.9"],
        ["0.00", "2.90"],
        ["0.0", "2.9"],
    )


def test_partners_are_found_and_created_once(
    gateway: OdooGateway, odoo: SandboxOdoo
) -> None:
    company = PartnerData(
        key="o2c_hub.partner.myshop.company-77",
        name="Bolt Ltd",
        vat="GB123456789",
        is_company=True,
        country_code="gb",
        contacts=(
            PartnerData(
                key="o2c_hub.partner.myshop.77",
                name="Ada Bolt",
                email="ada@bolt.example",
            ),
        ),
    )

    ids = gateway.create_partners([company])
    again = gateway.create_partners([company])
    found = gateway.find_partners(emails=["ADA@bolt.example"], vats=["BE0477472701"])

    assert again == ids
    contact = odoo.record("res.partner", ids["o2c_hub.partner.myshop.77"])
    assert contact["parent_id"] == ids["o2c_hub.partner.myshop.company-77"]
    assert {p.name for p in found} == {"Ada Bolt", "Deco Addict"}


def test_payment_is_registered_once_with_the_versions_memo_field(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    invoice = invoice_draft(1, taxes, backend[0])
    (created,) = gateway.create_invoices([invoice])
    request = PaymentRequest(
        key="o2c_hub.payment.myshop.5001",
        invoice_key=invoice.idempotency_key,
        amount=invoice.expected_total,
        payment_date=dt.date(2026, 3, 5),
        journal_ref="sandbox.journal_stripe",
    )

    odoo.faults.drop_after_commit(
        model="account.payment.register", method="action_create_payments"
    )
    (paid,) = gateway.register_payments([request])
    (again,) = gateway.register_payments([request])

    assert paid.error is None
    assert paid.state in gateway.profile.payment_done_states
    assert again.id == paid.id and not again.created
    payment = odoo.record("account.payment", paid.id or 0)
    assert payment[gateway.profile.payment_memo_field] == request.key
    assert len(odoo.records("account.payment")) == 1
    totals = gateway.read_totals([created.id or 0])[created.id or 0]
    assert totals.payment_state in gateway.profile.invoice_paid_states
    assert totals.amount_residual == money("0")


def test_open_receivables_are_grouped_with_the_versions_method(
    gateway: OdooGateway,
    odoo: SandboxOdoo,
    backend: tuple[int, str],
    taxes: tuple[TaxDefinition, ...],
) -> None:
    invoices = [invoice_draft(n, taxes, backend[0]) for n in (1, 2)]
    gateway.create_invoices(invoices)
    gateway.create_credit_notes([credit_note_draft(invoices[0], taxes, backend[0])])
    jane = odoo.ref("sandbox.partner_jane")

    open_items = gateway.open_receivables([jane])

    assert open_items == {jane: money("134.82").amount}
    assert odoo.calls.get("account.move", gateway.profile.group_method) == 1
