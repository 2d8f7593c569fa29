"""The outbox executor against the sandbox Odoo: invoices, credit notes, failures."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import settings_from_dict
from connectors.sandbox.odoo import SandboxOdoo
from o2c.ledger import JournalEntry, Posting
from o2c.money import Money
from o2c.orders import (
    Company,
    Customer,
    Refund,
    RefundLine,
    Transaction,
    TransactionKind,
)
from sync.executor import ExecutorResult
from sync.invoicing import order_detail, queue_commands
from sync.outbox import invoicing_status, list_dead_commands, retry_commands
from sync.runtime import Hub
from sync.status import hub_status as read_status
from sync.store.models import Command, CommandStatus, OrderRecord
from sync.stripe_intake import queue_entries
from tests.o2c.order_factory import LineSpec, ShippingSpec, make_order
from tests.sync.invoicing_support import (
    NOW,
    TODAY,
    command_rows,
    hub_config,
    moves_with_ref,
    numbered,
    store,
)

D = Decimal


@pytest.fixture
def odoo() -> Iterator[SandboxOdoo]:
    with SandboxOdoo(version=17, today=lambda: TODAY) as server:
        yield server


def open_hub(
    odoo: SandboxOdoo, store_url: str, base_dir: Path, **odoo_cfg: object
) -> Hub:
    config = hub_config(odoo, store_url, base_dir)
    config["odoo"].update(odoo_cfg)
    hub = Hub(settings_from_dict(config, base_dir=base_dir))
    hub.migrate()
    return hub


@pytest.fixture
def hub(odoo: SandboxOdoo, sqlite_url: str, tmp_path: Path) -> Iterator[Hub]:
    opened = open_hub(odoo, sqlite_url, tmp_path)
    yield opened
    opened.close()


def random_order(rng: random.Random, number: int):  # type: ignore[no-untyped-def]
    """A storefront order of 1-4 lines, taxes in or out, a discount, shipping."""
    skus = ["TSHIRT-001", "MUG-001", "HOODIE-001"]
    lines = [
        LineSpec(
            rng.choice(skus),
            rng.randint(1, 5),
            f"{rng.randint(100, 9999) / 100:.2f}",
            discount=rng.choice(["0", "0", "1.00", "2.35"]),
            rates=(rng.choice(["0.2", "0.2", "0.1"]),)
            if not (included := number % 2 == 0)
            else ("0.2",),
        )
        for _ in range(rng.randint(1, 4))
    ]
    shipping = [ShippingSpec(rng.choice(["4.90", "7.99", "0.00"]))]
    order = make_order(lines=lines, shipping=shipping, taxes_included=included)
    return numbered(order, number)


def test_generated_orders_become_invoices_with_the_storefront_total(
    odoo: SandboxOdoo, store_url: str, tmp_path: Path
) -> None:
    hub = open_hub(odoo, store_url, tmp_path)
    rng = random.Random(7)
    orders = [random_order(rng, 2000 + i) for i in range(12)]
    try:
        for order in orders:
            store(hub.engine, hub.invoicing(), order)
        result: ExecutorResult = hub.execute()
        status = invoicing_status(hub.engine)
    finally:
        hub.close()

    assert (result.dead, result.retried) == (0, 0), result.errors
    assert status["invoices"]["posted"] == 12
    for order in orders:
        [move] = moves_with_ref(odoo, f"o2c_hub.invoice.acme.{order.number[1:]}")
        assert move["state"] == "posted"
        assert move["amount_total"] == order.totals.total.presentment.amount


def test_batch_of_invoices_costs_few_erp_calls(hub: Hub) -> None:
    rng = random.Random(3)
    for i in range(20):
        store(hub.engine, hub.invoicing(), random_order(rng, 3000 + i))
    before = hub.gateway().calls

    result = hub.execute()

    assert result.done == 20 + 20  # the invoices and their fulfillment hand-offs
    # Customers looked up and created, invoices created, posted, read back: a
    # handful of calls for the whole batch, not a few per invoice.
    assert hub.gateway().calls - before <= 16


def test_refund_becomes_a_credit_note_reversing_the_invoice(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    order = numbered(
        make_order(
            lines=[LineSpec("TSHIRT-001", 2, "25.00")], shipping=[ShippingSpec("5.00")]
        ),
        4001,
    )
    store(hub.engine, hub.invoicing(), order)
    hub.execute()
    line = order.lines[0]
    refund = Refund(
        external_id="gid://shopify/Refund/77",
        created_at=NOW,
        lines=(
            RefundLine(
                line_external_id=line.external_id,
                quantity=1,
                subtotal=line.unit_price,
                total_tax=line.tax_lines[0].amount.__class__(
                    shop=Money(amount=D("5.00"), currency="EUR"),
                    presentment=Money(amount=D("5.00"), currency="EUR"),
                ),
            ),
        ),
        transactions=(
            Transaction(
                external_id="gid://shopify/OrderTransaction/9",
                gateway="manual",
                kind=TransactionKind.REFUND,
                status="success",
                amount=Money(amount=D("30.00"), currency="EUR"),
            ),
        ),
    )
    later = order.model_copy(
        update={"refunds": (refund,), "version": order.version + dt.timedelta(hours=1)}
    )

    stored = store(hub.engine, hub.invoicing(), later)
    result = hub.execute()

    assert stored.commands == ["CreateCreditNote"]
    assert result.done == 1, result.errors
    [invoice] = moves_with_ref(odoo, "o2c_hub.invoice.acme.4001")
    [credit] = moves_with_ref(odoo, "o2c_hub.credit_note.acme.77")
    assert credit["move_type"] == "out_refund"
    assert credit["amount_total"] == D("30.00")
    assert credit["reversed_entry_id"] == invoice["id"]


def test_cancellation_after_invoicing_credits_the_whole_invoice(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    order = numbered(make_order(lines=[LineSpec("MUG-001", 3, "12.50")]), 4002)
    store(hub.engine, hub.invoicing(), order)
    hub.execute()
    cancelled = numbered(
        make_order(lines=[LineSpec("MUG-001", 3, "12.50")], cancelled=True), 4002
    ).model_copy(update={"version": order.version + dt.timedelta(hours=2)})

    store(hub.engine, hub.invoicing(), cancelled)
    hub.execute()

    [invoice] = moves_with_ref(odoo, "o2c_hub.invoice.acme.4002")
    credits = [
        m
        for m in odoo.records("account.move")
        if m["move_type"] == "out_refund"
        and m.get("reversed_entry_id") == invoice["id"]
    ]
    assert [c["amount_total"] for c in credits] == [invoice["amount_total"]]


def test_unmapped_sku_holds_the_order_with_the_key_and_nothing_is_queued(
    hub: Hub,
) -> None:
    order = numbered(make_order(lines=[LineSpec("NOPE-42", 1, "10.00")]), 5001)

    stored = store(hub.engine, hub.invoicing(), order)

    assert stored.commands == ["PlaceHold"]
    state, detail = order_detail(hub.engine, "acme", order.external_id) or (None, None)
    assert state is not None and state.holds == ("unmapped",)
    assert detail is not None and "'NOPE-42'" in detail
    with hub.engine.connect() as conn:
        record = conn.execute(
            OrderRecord.__table__.select().where(
                OrderRecord.external_id == order.external_id
            )
        ).one()
    assert (record.state, record.hold_reasons) == ("on_hold", ["unmapped"])
    assert "NOPE-42" in record.data  # the order is kept whole


def test_unmapped_tax_holds_the_order_with_the_tax_key(hub: Hub) -> None:
    order = numbered(
        make_order(lines=[LineSpec("MUG-001", 1, "10.00", rates=("0.07",))]), 5002
    )

    store(hub.engine, hub.invoicing(), order)

    _, detail = order_detail(hub.engine, "acme", order.external_id) or (None, None)
    assert detail is not None and "VAT 7%|0.07|FR|excl|line" in detail


def test_unknown_customer_policy_park_holds_the_order(
    odoo: SandboxOdoo, sqlite_url: str, tmp_path: Path
) -> None:
    hub = open_hub(odoo, sqlite_url, tmp_path)
    path = tmp_path / "mapping.toml"
    path.write_text(
        path.read_text().replace('unknown = "create"', 'unknown = "park"'),
        encoding="utf-8",
    )
    order = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 5003)
    try:
        store(hub.engine, hub.invoicing(), order)
        _, detail = order_detail(hub.engine, "acme", order.external_id) or (None, None)
    finally:
        hub.close()

    assert detail is not None and "customer" in detail and "ada@example.com" in detail


def test_expired_api_key_dead_letters_the_command_and_retry_posts_it(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    order = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 6001)
    store(hub.engine, hub.invoicing(), order)
    odoo.expire_api_key()

    result = hub.execute()

    [dead] = [d for d in list_dead_commands(hub.engine) if d.kind == "CreateInvoice"]
    assert "AuthenticationError" in (dead.last_error or "")
    assert result.dead == 1
    assert moves_with_ref(odoo, "o2c_hub.invoice.acme.6001") == []


def fee_entry(key: str = "o2c_hub.fee.stripe.po_123") -> JournalEntry:
    """A Stripe fee entry as the Stripe intake queues it (ledger accounts by xmlid)."""
    fee = Money(amount=D("2.90"), currency="USD")
    return JournalEntry(
        idempotency_key=key,
        date=TODAY,
        reference=key.rsplit(".", 1)[-1],
        currency="USD",
        postings=(
            Posting.signed("sandbox.account_fees_expense", fee, "fees"),
            Posting.signed("sandbox.account_stripe_clearing", -fee, "fees"),
        ),
    )


def test_locked_period_dead_letters_the_entry_until_unlocked_and_retried(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    # Odoo books an invoice dated in a locked period on the next open day; a
    # journal entry it refuses.
    with hub.engine.begin() as conn:
        queue_entries(conn, "stripe:acct:po_123", [fee_entry()], now=NOW)
    odoo.set_company(fiscalyear_lock_date="2026-12-31")

    hub.execute()

    [dead] = list_dead_commands(hub.engine)
    assert "LockedPeriodError" in (dead.last_error or "")
    [draft] = moves_with_ref(odoo, "o2c_hub.fee.stripe.po_123")
    assert draft["state"] == "draft"
    odoo.set_company(fiscalyear_lock_date=False)
    assert retry_commands(hub.engine, dead.id) == 1
    assert hub.execute().done == 1
    [entry] = moves_with_ref(odoo, "o2c_hub.fee.stripe.po_123")
    assert entry["state"] == "posted"


def test_timeout_after_the_request_was_sent_leaves_exactly_one_invoice(
    odoo: SandboxOdoo, sqlite_url: str, tmp_path: Path
) -> None:
    # Odoo commits the invoice, then answers after the client gave up (0.3 s).
    hub = open_hub(odoo, sqlite_url, tmp_path, timeout=0.3)
    order = numbered(make_order(lines=[LineSpec("MUG-001", 2, "10.00")]), 7001)
    try:
        store(hub.engine, hub.invoicing(), order)
        odoo.faults.delay_after_commit(1.0, model="account.move", method="create")
        result = hub.execute()
        again = hub.execute()
    finally:
        hub.close()

    assert (result.done, result.dead, again.done) == (2, 0, 0), result.errors
    [move] = moves_with_ref(odoo, "o2c_hub.invoice.acme.7001")
    assert move["amount_total"] == D("24.00")
    assert move["state"] == "posted"


def test_server_errors_are_retried_with_backoff_then_dead_lettered(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    order = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 7002)
    store(hub.engine, hub.invoicing(), order)
    odoo.faults.fail_next(50, status=503, model="account.move", method="create")
    outcomes = []

    for _ in range(3):  # max_attempts = 3 in the test configuration
        outcomes.append(hub.execute())
        waiting = [r for r in command_rows(hub.engine) if r.kind == "CreateInvoice"]
        if waiting[0].status == CommandStatus.PENDING:
            assert waiting[0].next_attempt_at > waiting[0].updated_at  # backoff
            assert hub.execute().retried == 0
            with hub.engine.begin() as conn:
                conn.execute(
                    command_table()
                    .update()
                    .values(next_attempt_at=None)
                    .where(command_table().c.id == waiting[0].id)
                )

    assert [o.retried for o in outcomes] == [1, 1, 0]
    [dead] = list_dead_commands(hub.engine)
    assert dead.attempts == 3
    assert "503" in (dead.last_error or "")
    assert moves_with_ref(odoo, "o2c_hub.invoice.acme.7002") == []


def command_table():  # type: ignore[no-untyped-def]
    return Command.__table__


def test_total_read_back_differing_from_the_prediction_holds_the_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    # The company rounds taxes globally; the mapping wrongly overrides that with
    # per line: 3 x 0.33 at 10% is 0.09 of tax per line but 0.10 on the whole.
    with SandboxOdoo(17, rounding="round_globally", today=lambda: TODAY) as odoo:
        hub = open_hub(odoo, sqlite_url, tmp_path)
        mapping = tmp_path / "mapping.toml"
        text = mapping.read_text(encoding="utf-8")
        mapping.write_text(
            text.replace(
                "[defaults]\n", '[defaults]\ntax_rounding = "round_per_line"\n'
            ),
            encoding="utf-8",
        )
        lines = [LineSpec(sku, 1, "0.33", rates=("0.1",)) for sku in ("MUG-001",) * 3]
        order = numbered(make_order(lines=lines), 8001)
        try:
            store(hub.engine, hub.invoicing(), order)
            result = hub.execute()
            status = invoicing_status(hub.engine)
            hub_status = read_status(hub.engine, hub.settings)
            with hub.engine.connect() as conn:
                record = conn.execute(
                    OrderRecord.__table__.select().where(
                        OrderRecord.external_id == order.external_id
                    )
                ).one()
        finally:
            hub.close()

    assert result.mismatched == 1
    assert status["invoices"]["total_mismatches"] == 1
    assert hub_status["dead_commands"] == 1
    assert hub_status["invoices"]["held"] == 1
    assert (record.state, record.hold_reasons) == ("on_hold", ["total_mismatch"])


def test_company_rounding_method_is_read_from_odoo_when_the_mapping_is_silent(
    sqlite_url: str, tmp_path: Path
) -> None:
    # The same order as above: with the company's own method read from Odoo the
    # prediction agrees with Odoo, and the invoice posts.
    with SandboxOdoo(17, rounding="round_globally", today=lambda: TODAY) as odoo:
        hub = open_hub(odoo, sqlite_url, tmp_path)
        lines = [LineSpec(sku, 1, "0.33", rates=("0.1",)) for sku in ("MUG-001",) * 3]
        order = numbered(make_order(lines=lines), 8002)
        try:
            assert hub.invoicing().rounding.rounding == "round_globally"
            store(hub.engine, hub.invoicing(), order)
            result = hub.execute()
        finally:
            hub.close()

    assert (result.done, result.mismatched, result.dead) == (2, 0, 0)


def test_stripe_ledger_entries_in_the_outbox_are_posted_once(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    with hub.engine.begin() as conn:
        queue_entries(conn, "stripe:acct:po_123", [fee_entry()], now=NOW)
        queue_entries(conn, "stripe:acct:po_123", [fee_entry()], now=NOW)

    result = hub.execute()

    assert result.done == 1, result.errors
    [row] = command_rows(hub.engine)
    assert row.status == CommandStatus.DONE
    assert len(moves_with_ref(odoo, "o2c_hub.fee.stripe.po_123")) == 1


def test_queue_commands_skips_a_known_idempotency_key(hub: Hub) -> None:
    order = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 9001)
    first = store(hub.engine, hub.invoicing(), order)

    with hub.engine.begin() as conn:
        from o2c.commands import HandOffFulfillment, fulfillment_key

        again = HandOffFulfillment(
            idempotency_key=fulfillment_key(order),
            source=order.source,
            order_external_id=order.external_id,
        )
        queued = queue_commands(conn, "k", [again], now=NOW)

    assert "HandOffFulfillment" in first.commands
    assert queued == 0


def test_captured_payment_is_registered_on_the_invoice_once(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    paid = Transaction(
        external_id="gid://shopify/OrderTransaction/501",
        gateway="manual",
        kind=TransactionKind.SALE,
        status="success",
        amount=Money(amount=D("24.00"), currency="EUR"),
        created_at=NOW,
    )
    order = numbered(
        make_order(lines=[LineSpec("MUG-001", 2, "10.00")], transactions=[paid]), 9101
    )

    stored = store(hub.engine, hub.invoicing(), order)
    first = hub.execute()
    again = store(hub.engine, hub.invoicing(), order)
    second = hub.execute()

    assert "RegisterPayment" in stored.commands
    assert first.dead == 0, first.errors
    assert (again.commands, second.done) == ([], 0)
    [invoice] = moves_with_ref(odoo, "o2c_hub.invoice.acme.9101")
    assert invoice["payment_state"] in ("in_payment", "paid")
    assert len(odoo.records("account.payment")) == 1


def test_payment_of_an_unmapped_gateway_dead_letters_with_the_key(hub: Hub) -> None:
    paid = Transaction(
        external_id="gid://shopify/OrderTransaction/502",
        gateway="paypal",
        kind=TransactionKind.SALE,
        status="success",
        amount=Money(amount=D("12.00"), currency="EUR"),
        created_at=NOW,
    )
    order = numbered(
        make_order(lines=[LineSpec("MUG-001", 1, "10.00")], transactions=[paid]), 9102
    )
    store(hub.engine, hub.invoicing(), order)

    hub.execute()

    [dead] = list_dead_commands(hub.engine)
    assert dead.kind == "RegisterPayment"
    assert "paypal/EUR" in (dead.last_error or "")


def test_held_order_is_invoiced_once_the_mapping_names_its_sku(
    hub: Hub, odoo: SandboxOdoo, tmp_path: Path
) -> None:
    order = numbered(make_order(lines=[LineSpec("LEGACY-7", 2, "10.00")]), 9201)
    store(hub.engine, hub.invoicing(), order)
    path = tmp_path / "mapping.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(f'{text}\n[defaults.products]\n"LEGACY-7" = "MUG-001"\n')

    decided = hub.replay_held()
    result = hub.execute()

    assert decided == 1
    assert result.dead == 0, result.errors
    [invoice] = moves_with_ref(odoo, "o2c_hub.invoice.acme.9201")
    assert invoice["amount_total"] == D("24.00")
    state, detail = order_detail(hub.engine, "acme", order.external_id) or (None, "")
    assert state is not None and state.holds == () and detail is None


def test_existing_customer_is_found_by_email_and_b2b_company_is_created(
    hub: Hub, odoo: SandboxOdoo
) -> None:
    known = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 9301)
    known = known.model_copy(
        update={"customer": Customer(email="ADMIN@example.com", first_name="M")}
    )
    company = Company(name="Acme Trading SA", vat_id="FR40303265045")
    b2b = numbered(make_order(lines=[LineSpec("MUG-001", 1, "10.00")]), 9302)
    b2b = b2b.model_copy(
        update={"customer": Customer(email="buyer@acme.test", company=company)}
    )
    store(hub.engine, hub.invoicing(), known)
    store(hub.engine, hub.invoicing(), b2b)

    result = hub.execute()

    assert result.dead == 0, result.errors
    admin = odoo.ref("base.partner_admin")
    [first] = moves_with_ref(odoo, "o2c_hub.invoice.acme.9301")
    [second] = moves_with_ref(odoo, "o2c_hub.invoice.acme.9302")
    assert first["partner_id"] == admin
    partner = odoo.record("res.partner", second["partner_id"])
    assert (partner["name"], partner["is_company"]) == ("Acme Trading SA", True)
    contacts = [
        p for p in odoo.records("res.partner") if p.get("parent_id") == partner["id"]
    ]
    assert [c["email"] for c in contacts] == ["buyer@acme.test"]
