"""Stripe intake: signed webhooks over loopback, the inbox, catch-up and the jobs."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from config.settings import Settings, settings_from_dict
from connectors.sandbox.stripe.generator import (
    DAY,
    Activity,
    Mix,
    generate_manual_payout,
    generate_payouts,
)
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from connectors.sandbox.stripe.webhooks import WebhookSender
from connectors.stripe.client import StripeConnector
from o2c.ledger import JournalEntry, ProcessorAccounts, dispute_entries, payout_entries
from o2c.money import Money
from sync import intake
from sync.cli.payments import payments_app, payouts_app
from sync.http.deliveries import delivery_from_webhook
from sync.http.server import ServerThread
from sync.http.stripe import stripe_router
from sync.http.webhooks import Intake
from sync.inbox import store_delivery
from sync.intake import IntakePolicy
from sync.statements import import_files
from sync.status import hub_status
from sync.store.models import Command, InboxEvent, InboxStatus
from sync.store.models_stripe import StripeKind, StripeObjectRecord
from sync.stripe_intake import (
    KeyResult,
    StripeJobs,
    catch_up,
    delivery_for,
    object_key,
    process_key,
    process_pending,
    read_cursor,
)
from tests.sync.helpers import FakeSource

SECRET = "whsec_test_hub"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bank"
NOW = int(time.time())
START = NOW - 3 * 86400
ACCOUNTS = ProcessorAccounts(
    clearing="1150",
    bank="1010",
    fee_default="6810",
    refunds="1100",
    disputes="6830",
    suspense="4999",
)


@pytest.fixture
def sandbox() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=11) as server:
        yield server


@pytest.fixture
def settings(store_url: str, tmp_path: Path, sandbox: SandboxStripe) -> Settings:
    data = {
        "environment": "development",
        "store": {"url": store_url},
        "stripe": {
            "api_key": API_KEY,
            "webhook_secret": SECRET,
            "api_base": sandbox.url,
            "max_network_retries": 0,
        },
    }
    return settings_from_dict(data, base_dir=tmp_path)


@pytest.fixture
def jobs(engine: Engine, settings: Settings) -> StripeJobs:
    assert settings.stripe is not None
    return StripeJobs(
        engine=engine,
        connector=StripeConnector(settings.stripe),
        accounts=ACCOUNTS,
        policy=IntakePolicy(backoff_base=60),
    )


@dataclass
class Hub:
    sender: WebhookSender
    queued: list[str] = field(default_factory=list)


@pytest.fixture
def hub(engine: Engine, settings: Settings) -> Iterator[Hub]:
    """The Stripe webhook router served by uvicorn on 127.0.0.1, port 0."""
    queued: list[str] = []
    app = FastAPI()
    app.include_router(
        stripe_router(Intake(settings=settings, engine=engine, enqueue=queued.append))
    )
    with ServerThread(app) as server:
        yield Hub(WebhookSender(f"{server.url}/webhooks/stripe", SECRET), queued)


def event(kind: str, obj: dict[str, Any], *, ident: str = "evt_1") -> dict[str, Any]:
    return {
        "id": ident,
        "object": "event",
        "type": kind,
        "created": NOW,
        "data": {"object": obj},
        "livemode": False,
    }


def inbox(engine: Engine) -> list[InboxEvent]:
    with Session(engine) as session:
        query = select(InboxEvent).order_by(InboxEvent.id)
        return list(session.execute(query).scalars())


def count(engine: Engine, model: type[Any]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


# -- the webhook endpoint ---------------------------------------------------------


def test_webhook_with_a_wrong_signature_is_refused_and_not_stored(
    hub: Hub, engine: Engine
) -> None:
    charge = {"id": "ch_1", "object": "charge"}
    response = hub.sender.deliver(
        event("charge.succeeded", charge), secrets=["whsec_x"]
    )
    assert response.status_code == 401
    assert inbox(engine) == []


def test_webhook_signed_outside_the_tolerance_is_refused_as_a_replay(
    hub: Hub, engine: Engine
) -> None:
    charge = {"id": "ch_1", "object": "charge"}
    response = hub.sender.deliver(
        event("charge.succeeded", charge), timestamp=int(time.time()) - 301
    )
    assert response.status_code == 401
    assert "tolerance" in response.json()["error"]
    assert inbox(engine) == []


def test_duplicate_delivery_is_stored_once_and_queued_once(
    hub: Hub, engine: Engine
) -> None:
    body = event("payout.paid", {"id": "po_1", "object": "payout"})
    first = hub.sender.deliver(body)
    again = hub.sender.deliver(body)
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    rows = inbox(engine)
    assert [(r.event_id, r.key, r.status) for r in rows] == [
        ("evt_1", "stripe:default:payout:po_1", InboxStatus.PENDING)
    ]
    assert hub.queued == ["stripe:default:payout:po_1"]


def test_unknown_event_type_is_stored_ignored_with_the_reason(
    hub: Hub, engine: Engine
) -> None:
    response = hub.sender.deliver(event("customer.created", {"id": "cus_1"}))
    assert response.json()["status"] == "ignored"
    (row,) = inbox(engine)
    assert row.status == InboxStatus.IGNORED
    assert row.last_error == "event type 'customer.created' is not acted on by the hub"
    assert hub.queued == []


def test_signed_body_that_is_not_an_event_is_parked_with_its_bytes(
    hub: Hub, engine: Engine
) -> None:
    response = hub.sender.deliver_raw(b'{"id": "evt_9", "surprise": true}')
    assert response.json()["status"] == "parked"
    (row,) = inbox(engine)
    assert (row.status, row.event_id) == (InboxStatus.PARKED, "evt_9")
    assert row.body == b'{"id": "evt_9", "surprise": true}'
    assert "data.object" in (row.last_error or "")


# -- the jobs -----------------------------------------------------------------------


def expected_entry_keys(connector: StripeConnector, sandbox: SandboxStripe) -> set[str]:
    keys: set[str] = set()
    for payout_id in sandbox.store.objects["payouts"]:
        entries = payout_entries(connector.payout(payout_id), ACCOUNTS).entries
        keys |= {e.idempotency_key for e in entries}
    for dispute_id in sandbox.store.objects["disputes"]:
        entries = dispute_entries(connector.dispute(dispute_id), ACCOUNTS)
        keys |= {e.idempotency_key for e in entries}
    return keys


def test_events_out_of_order_and_duplicated_converge_on_stripe_state(
    hub: Hub, engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    mix = Mix(refund_rate=0.3, dispute_rate=0.3)
    generate_payouts(
        sandbox.account, start=START, payouts=2, charges_per_payout=8, mix=mix
    )
    events = list(sandbox.store.objects["events"].values())

    answers = hub.sender.deliver_all(events, rng=random.Random(4), duplicates=0.4)
    assert {a.status_code for a in answers} == {200}
    process_pending(jobs)

    with Session(engine) as session:
        rows = list(session.execute(select(StripeObjectRecord)).scalars())
        commands = list(session.execute(select(Command)).scalars())
    stored = {(r.kind, r.external_id): r for r in rows}
    for charge in sandbox.store.objects["charges"].values():
        payment = json.loads(stored[(StripeKind.PAYMENT, charge["id"])].data)
        assert (
            payment["amount_refunded"]["amount"]
            == f"{charge['amount_refunded'] / 100:.2f}"
        )
    for payout in sandbox.store.objects["payouts"].values():
        assert (
            json.loads(stored[(StripeKind.PAYOUT, payout["id"])].data)["breakdown"]
            == "complete"
        )
    assert {c.idempotency_key for c in commands} == expected_entry_keys(
        jobs.connector, sandbox
    )
    assert {r.status for r in inbox(engine)} == {InboxStatus.DONE, InboxStatus.IGNORED}

    # Every event again, in another order: nothing new is posted.
    hub.sender.deliver_all(events, rng=random.Random(5))
    process_pending(jobs)
    assert count(engine, Command) == len(commands)


def test_transient_stripe_failure_is_retried_after_the_backoff(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    charge = sandbox.account.charge(2500, "eur", created=START)
    body = json.dumps(event("charge.succeeded", charge)).encode()
    store_delivery(engine, delivery_for("default", body, {}))
    key = object_key("default", StripeKind.PAYMENT, charge["id"])
    sandbox.fail_next(1, status=503)

    failed = process_key(jobs, key)
    waiting = process_key(jobs, key)
    later = StripeJobs(
        engine=engine,
        connector=jobs.connector,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=2),
    )
    done = process_key(later, key)

    assert (failed.retried, waiting.done, done.done) == (1, 0, 1)
    (row,) = inbox(engine)
    assert (row.status, row.attempts) == (InboxStatus.DONE, 2)


def test_event_filed_while_its_key_is_busy_is_processed_by_the_holder(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    charge = sandbox.account.charge(2500, "eur", created=START)
    key = object_key("default", StripeKind.PAYMENT, charge["id"])
    first = json.dumps(event("charge.succeeded", charge, ident="evt_a")).encode()
    later = json.dumps(event("charge.updated", charge, ident="evt_b")).encode()
    store_delivery(engine, delivery_for("default", first, {}))
    meanwhile: list[KeyResult] = []

    class EventArrivesDuringTheRead:
        """The connector, with a webhook (and its job) arriving mid-read."""

        def __getattr__(self, name: str) -> Any:
            return getattr(jobs.connector, name)

        def payment(self, object_id: str) -> Any:
            if not meanwhile:
                store_delivery(engine, delivery_for("default", later, {}))
                meanwhile.append(process_key(replace(jobs, owner="other"), key))
            return jobs.connector.payment(object_id)

    result = process_key(replace(jobs, connector=EventArrivesDuringTheRead()), key)

    assert meanwhile[0].busy
    assert result.done == 2
    assert [row.status for row in inbox(engine)] == [InboxStatus.DONE] * 2


def test_payout_whose_lines_do_not_net_is_stored_parked_and_not_posted(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=4
    )
    payout = activity.payouts[0]
    sandbox.store.payout_lines[payout["id"]].pop(0)  # Stripe loses one line
    body = json.dumps(event("payout.paid", payout)).encode()
    store_delivery(engine, delivery_for("default", body, {}))

    result = process_key(jobs, object_key("default", StripeKind.PAYOUT, payout["id"]))

    assert (result.parked, result.entries) == (1, 0)
    (row,) = inbox(engine)
    assert row.status == InboxStatus.PARKED
    assert "lines net to" in (row.last_error or "")
    with Session(engine) as session:
        stored = session.execute(select(StripeObjectRecord)).scalar_one()
    assert stored.note == row.last_error
    assert count(engine, Command) == 0


def test_object_stripe_does_not_know_is_parked_with_the_error(
    engine: Engine, jobs: StripeJobs
) -> None:
    body = json.dumps(event("charge.dispute.created", {"id": "dp_gone"})).encode()
    store_delivery(engine, delivery_for("default", body, {}))

    result = process_key(jobs, object_key("default", StripeKind.DISPUTE, "dp_gone"))

    assert result.parked == 1
    (row,) = inbox(engine)
    assert row.status == InboxStatus.PARKED
    assert "No such dispute: 'dp_gone'" in (row.last_error or "")


def test_old_dispute_event_without_an_object_id_is_parked() -> None:
    fixture = (
        Path(__file__).parents[1] / "fixtures/stripe/events/charge.dispute.closed.json"
    )
    delivery = delivery_for("default", fixture.read_bytes(), {})
    assert delivery.status == InboxStatus.PARKED
    assert (
        delivery.error
        == "charge.dispute.closed event evt_00000000000000 names no object id"
    )


# -- catch-up -------------------------------------------------------------------------


def test_catch_up_files_every_event_once_and_moves_the_cursor(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    generate_payouts(sandbox.account, start=START, payouts=1, charges_per_payout=5)
    events = list(sandbox.store.objects["events"].values())
    handled = [e for e in events if not e["type"].startswith("payment_intent.")]

    first = catch_up(engine, jobs.connector)
    again = catch_up(engine, jobs.connector)
    sandbox.account.charge(999, "eur", created=NOW)
    after_charge = catch_up(engine, jobs.connector)

    assert (first.fetched, first.stored) == (len(events), len(handled))
    assert again.stored == 0
    assert after_charge.stored == 1  # charge.succeeded; the intent's event is ignored
    assert read_cursor(engine) == NOW
    assert count(engine, InboxEvent) == len(events) + 2


def test_catch_up_adds_nothing_the_webhooks_already_brought(
    hub: Hub, engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    generate_payouts(sandbox.account, start=START, payouts=1, charges_per_payout=4)
    events = list(sandbox.store.objects["events"].values())
    hub.sender.deliver_all(events[::2])

    result = catch_up(engine, jobs.connector)

    assert count(engine, InboxEvent) == len(events)
    assert result.fetched == len(events)


# -- the CLI ---------------------------------------------------------------------------


def cli_config(store_url: str, folder: Path) -> Path:
    """A hub.toml naming only the store, for the read-only CLI commands."""
    config = folder / "hub.toml"
    config.write_text(f'environment = "development"\n[store]\nurl = "{store_url}"\n')
    return config


def payouts_through_intake(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe, payouts: int
) -> Activity:
    """Generate automatic payouts at Stripe and bring them in by catch-up."""
    activity = generate_payouts(
        sandbox.account, start=START, payouts=payouts, charges_per_payout=3
    )
    catch_up(engine, jobs.connector)
    process_pending(jobs)
    return activity


def test_cli_lists_payments_and_shows_a_payout_as_json(
    engine: Engine,
    jobs: StripeJobs,
    sandbox: SandboxStripe,
    store_url: str,
    tmp_path: Path,
) -> None:
    activity = payouts_through_intake(engine, jobs, sandbox, payouts=1)
    config = cli_config(store_url, tmp_path)
    runner = CliRunner()

    listed = runner.invoke(payments_app, ["list", "--json", "--config", str(config)])
    payout_id = activity.payouts[0]["id"]
    shown = runner.invoke(
        payouts_app, ["show", payout_id, "--json", "--config", str(config)]
    )
    missing = runner.invoke(payouts_app, ["show", "po_nope", "--config", str(config)])

    assert listed.exit_code == 0, listed.output
    assert {p["id"] for p in json.loads(listed.output)} == {
        c["id"] for c in activity.charges
    }
    assert shown.exit_code == 0, shown.output
    payout = json.loads(shown.output)
    made = activity.payouts[0]
    assert payout["amount"] == {
        "amount": f"{made['amount'] / 100:.2f}",
        "currency": made["currency"].upper(),
    }
    assert len(payout["lines"]) == len(sandbox.store.payout_lines[payout_id])
    # The lines net to zero: what the payout carried, and the payout itself.
    assert sum(Decimal(line["net"]["amount"]) for line in payout["lines"]) == 0
    [itself] = [line for line in payout["lines"] if line["type"] == "payout"]
    assert Decimal(itself["net"]["amount"]) == -Decimal(payout["amount"]["amount"])
    assert missing.exit_code == 1


def test_cli_lists_payouts_newest_first_without_their_lines(
    engine: Engine,
    jobs: StripeJobs,
    sandbox: SandboxStripe,
    store_url: str,
    tmp_path: Path,
) -> None:
    activity = payouts_through_intake(engine, jobs, sandbox, payouts=2)
    config = cli_config(store_url, tmp_path)
    runner = CliRunner()

    listed = runner.invoke(payouts_app, ["list", "--json", "--config", str(config)])
    table = runner.invoke(payouts_app, ["list", "--config", str(config)])

    assert listed.exit_code == 0, listed.output
    payouts = json.loads(listed.output)
    newest_first = sorted(activity.payouts, key=lambda p: p["created"], reverse=True)
    assert [p["id"] for p in payouts] == [p["id"] for p in newest_first]
    for shown, made in zip(payouts, newest_first, strict=True):
        assert shown["amount"] == {
            "amount": f"{made['amount'] / 100:.2f}",
            "currency": made["currency"].upper(),
        }
        assert shown["line_count"] == len(sandbox.store.payout_lines[made["id"]])
        assert shown["breakdown"] == "complete"
        assert "lines" not in shown
    assert table.exit_code == 0, table.output
    assert "breakdown" in table.output


# -- links to storefront orders -------------------------------------------------


ORDER_GID = "gid://shopify/Order/1001"


def storefront_transaction(engine: Engine, **references: str) -> None:
    """An `order_transactions/create` webhook naming a Stripe id, through intake."""
    body = {
        "id": 7001,
        "order_id": 1001,
        "kind": "sale",
        "gateway": "stripe",
        "status": "success",
        "amount": "25.00",
        "currency": "EUR",
        **references,
    }
    headers = {
        "X-Shopify-Topic": "order_transactions/create",
        "X-Shopify-Webhook-Id": "wh-t",
    }
    delivery = delivery_from_webhook("acme", headers, json.dumps(body).encode())
    store_delivery(engine, delivery)
    assert delivery.key is not None
    outcome = intake.process_key(
        engine,
        delivery.key,
        parse=intake.order_parser(FakeSource()),
        owner="w",
        policy=IntakePolicy(),
    )
    assert outcome.done == 1


def stripe_payment(engine: Engine, jobs: StripeJobs, charge: dict[str, Any]) -> None:
    body = json.dumps(event("charge.succeeded", charge, ident=charge["id"])).encode()
    store_delivery(engine, delivery_for("default", body, {}))
    result = process_key(jobs, object_key("default", StripeKind.PAYMENT, charge["id"]))
    assert result.done == 1


def stored_links(engine: Engine, charge_id: str) -> list[dict[str, str]]:
    with Session(engine) as session:
        row = session.execute(
            select(StripeObjectRecord).where(
                StripeObjectRecord.external_id == charge_id
            )
        ).scalar_one()
    return [dict(link) for link in json.loads(row.data)["links"]]


@pytest.mark.parametrize("first", ["payment", "transaction"])
@pytest.mark.parametrize("recorded", ["authorization", "payment_id"])
def test_payment_is_linked_to_the_order_whose_transaction_names_it(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe, first: str, recorded: str
) -> None:
    charge = sandbox.account.charge(
        2500, "eur", created=START, metadata={"order_number": "#1001"}
    )
    # Shopify records the charge as the authorization, or the intent as payment id.
    named = charge["id"] if recorded == "authorization" else charge["payment_intent"]
    steps = [
        lambda: stripe_payment(engine, jobs, charge),
        lambda: storefront_transaction(engine, **{recorded: named}),
    ]
    for step in steps if first == "payment" else steps[::-1]:
        step()

    assert stored_links(engine, charge["id"]) == [
        {"kind": "order", "value": "#1001", "via": "metadata"},
        {"kind": "order", "value": ORDER_GID, "via": "storefront_transaction"},
    ]


def test_cli_shows_each_link_with_where_it_came_from(
    engine: Engine,
    jobs: StripeJobs,
    sandbox: SandboxStripe,
    store_url: str,
    tmp_path: Path,
) -> None:
    charge = sandbox.account.charge(
        2500, "eur", created=START, description="Order #1001"
    )
    storefront_transaction(engine, authorization=charge["id"])
    stripe_payment(engine, jobs, charge)
    config = cli_config(store_url, tmp_path)
    runner = CliRunner(env={"COLUMNS": "200"})  # wide enough for whole cells

    listed = runner.invoke(payments_app, ["list", "--config", str(config)])
    shown = runner.invoke(
        payments_app, ["show", charge["id"], "--json", "--config", str(config)]
    )
    table = runner.invoke(payments_app, ["show", charge["id"], "--config", str(config)])
    missing = runner.invoke(payments_app, ["show", "ch_nope", "--config", str(config)])

    assert listed.exit_code == 0, listed.output
    assert "storefront_transaction" in listed.output
    assert shown.exit_code == 0, shown.output
    payment = json.loads(shown.output)
    assert payment["amount"] == {"amount": "25.00", "currency": "EUR"}
    assert payment["amount_refunded"] == {"amount": "0.00", "currency": "EUR"}
    assert payment["links"] == [
        {"kind": "order", "value": "#1001", "via": "description"},
        {"kind": "order", "value": ORDER_GID, "via": "storefront_transaction"},
    ]
    assert table.exit_code == 0, table.output
    assert ORDER_GID in table.output and "storefront_transaction" in table.output
    assert missing.exit_code == 1


# -- a payout the bank sends back -----------------------------------------------


def journal_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(Command.idempotency_key)).scalars())


def test_payout_failed_after_its_transfer_was_queued_queues_one_reversal(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=4
    )
    payout = activity.payouts[0]
    catch_up(engine, jobs.connector)
    process_pending(jobs)
    posted = journal_keys(engine)
    assert f"o2c_hub.payout.stripe.{payout['id']}" in posted

    sandbox.account.fail_payout(payout["id"], created=NOW)
    catch_up(engine, jobs.connector)
    results = process_pending(jobs)
    again = catch_up(engine, jobs.connector)
    process_pending(jobs)

    reversal_key = f"o2c_hub.payout_failed.stripe.{payout['id']}"
    assert journal_keys(engine) - posted == {reversal_key}
    assert sum(r.entries for r in results) == 1
    assert again.stored == 0
    with engine.connect() as conn:
        payload = conn.execute(
            select(Command.payload).where(Command.idempotency_key == reversal_key)
        ).scalar_one()
    entry = JournalEntry.model_validate_json(payload)
    amount = Money.from_minor(payout["amount"], payout["currency"].upper())
    assert entry.balance_of(ACCOUNTS.clearing) == amount
    assert entry.balance_of(ACCOUNTS.bank) == -amount
    assert entry.date == datetime.fromtimestamp(NOW, UTC).date()


def test_payout_failed_before_it_was_posted_posts_its_lines_only(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=4
    )
    payout_id = activity.payouts[0]["id"]
    sandbox.account.fail_payout(payout_id, created=NOW)

    catch_up(engine, jobs.connector)
    process_pending(jobs)

    keys = journal_keys(engine)
    assert f"o2c_hub.payout_fees.stripe.{payout_id}" in keys  # Stripe kept them
    assert f"o2c_hub.payout.stripe.{payout_id}" not in keys
    assert f"o2c_hub.payout_failed.stripe.{payout_id}" not in keys
    with Session(engine) as session:
        stored = session.execute(
            select(StripeObjectRecord).where(
                StripeObjectRecord.external_id == payout_id
            )
        ).scalar_one()
    assert stored.status == "failed"


def test_next_payout_carrying_the_returned_money_adds_up_and_is_posted(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=3
    )
    failed = sandbox.account.fail_payout(
        activity.payouts[0]["id"], created=START + 86400
    )
    generate_payouts(
        sandbox.account,
        start=START + 86400,
        payouts=1,
        charges_per_payout=2,
        mix=Mix(refund_rate=0, dispute_rate=0, radar_fees=0),
        activity=activity,
    )
    second = activity.payouts[1]
    assert second["amount"] > failed["amount"]

    catch_up(engine, jobs.connector)
    results = process_pending(jobs)

    assert sum(r.parked for r in results) == 0
    keys = journal_keys(engine)
    assert f"o2c_hub.payout.stripe.{second['id']}" in keys
    assert f"o2c_hub.payout_failed.stripe.{failed['id']}" not in keys


# -- status ------------------------------------------------------------------------


def test_status_counts_the_money_that_came_in(
    engine: Engine, jobs: StripeJobs, sandbox: SandboxStripe, settings: Settings
) -> None:
    activity = generate_payouts(
        sandbox.account, start=START, payouts=1, charges_per_payout=6
    )
    generate_manual_payout(sandbox.account, start=START + 2 * DAY, charges=2)
    catch_up(engine, jobs.connector)
    process_pending(jobs)
    good = FIXTURES / "mt940_nl_rabobank_structured86.sta"
    broken = settings.base_dir / "broken.xml"
    broken.write_text("<Document><BkToCstmrStmt>")
    import_files(engine, [good, broken])

    status = hub_status(engine, settings)

    stripe = status["stripe"]
    assert stripe["payments"] == len(sandbox.store.objects["charges"])
    assert stripe["refunds"] == len(activity.refunds)
    assert (stripe["payouts"], stripe["payouts_broken_down"]) == (2, 1)
    assert stripe["catch_up"]["last_error"] is None
    assert stripe["catch_up"]["cursor"] is not None
    statements = status["statements"]
    assert (statements["files_imported"], statements["files_failed"]) == (1, 1)
    assert statements["lines"] > 0
    assert (
        hub_status(engine, settings.model_copy(update={"stripe": None}))["stripe"]
        is None
    )
