"""The demo's run: sandboxes, an embedded hub, deliveries, and what came of them.

`run_demo` starts the sandbox Shopify, Odoo and Stripe, sets Odoo up as an
operator would and writes `hub.toml` and `mapping.toml`, runs an embedded hub
(HTTP on loopback and a threaded worker), delivers the orders' webhooks as
Shopify does (duplicates, out of order), waits for the invoices, sends Stripe's
webhooks, imports the bank statements, then reads the invoices back and counts.

With `simulators` and the other `demo_*` modules, the only production modules
allowed to import the simulators.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from rich.markup import escape
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from config.settings import Settings, load_settings
from config.templates import SANDBOX_SHOP_NAME, SandboxEndpoints, render_hub_toml
from connectors.sandbox.shopify import SandboxOrder, SendStats, render_rest
from connectors.shopify.parse import order_from_webhook
from o2c.money import Money
from o2c.orders import Order
from o2c.payments import LinkSource, Payment
from sync.cli.context import stderr, stdout
from sync.cli.demo_bank import import_twice, write_statements
from sync.cli.demo_erp import (
    DemoError,
    OdooAdmin,
    check_invoices,
    prepare_odoo,
    write_mapping,
)
from sync.cli.demo_report import DemoRun
from sync.cli.demo_stripe import (
    charge_storefront_orders,
    deliver_events,
    generate_activity,
    payout_summaries,
    stripe_figures,
)
from sync.cli.simulators import (
    ANY_FREE_PORTS,
    Simulators,
    add_orders,
    start_simulators,
    webhook_sender,
)
from sync.http import ServerThread, app_for_hub
from sync.outbox import demo_summary
from sync.runtime import Hub
from sync.status import hub_status
from sync.store.models import (
    Command,
    CommandStatus,
    InboxEvent,
    OrderRecord,
    StorefrontTransactionRecord,
)
from sync.store.models_stripe import StripeKind, StripeObjectRecord

DUPLICATE_RATE = 0.15
REORDER_WINDOW = 6
SETTLE_TIMEOUT_SECONDS = 180.0
POLL_SECONDS = 0.2
EXECUTE_NUDGE_SECONDS = 1.0


@dataclass(frozen=True)
class _Sandboxes:
    """The three simulators of one run, started, and the operator's Odoo access."""

    simulators: Simulators
    admin: OdooAdmin


def run_demo(
    folder: Path, *, orders: int, seed: int, odoo_version: int = 19, quiet: bool
) -> DemoRun:
    """Run the demo in `folder`; return what happened. Raises DemoError."""
    started = time.monotonic()
    with ExitStack() as stack:
        boxes = _start_sandboxes(stack, odoo_version=odoo_version, seed=seed)
        generated = add_orders(boxes.simulators, orders, seed=seed)
        parsed = [
            order_from_webhook(render_rest(order), shop=SANDBOX_SHOP_NAME)
            for order in generated
        ]
        # What an operator does before go-live: Odoo gets the products and taxes
        # the shop sells with, the mapping names them.
        prepared = prepare_odoo(boxes.admin, parsed)
        _say(quiet, f"sandbox Odoo {odoo_version}: {_created(prepared)}")
        write_mapping(folder / "mapping.toml", parsed)
        settings = _write_config(folder, boxes.simulators)
        activity = generate_activity(boxes.simulators.stripe, orders=orders)
        storefront_charges = charge_storefront_orders(
            boxes.simulators.stripe, generated, activity
        )
        hub, url = _start_hub(stack, settings)

        stats = _deliver(url, generated, seed=seed, quiet=quiet)
        _settle(hub, quiet=quiet, what="orders and invoices")
        _say(quiet, "sending Stripe's webhooks (charges, refunds, dispute, payouts)")
        sent = deliver_events(boxes.simulators.stripe, activity, url, seed=seed)
        _settle(hub, quiet=quiet, what="Stripe payments and payouts")
        numbers = [order.number for order in parsed]
        paths = write_statements(folder, payout_summaries(activity), numbers)
        _say(quiet, "importing a CAMT.053 and an MT940 statement, twice")
        statements = import_twice(hub.engine, paths)

        run = DemoRun(
            folder, len(generated), stats, 0.0, hub_status(hub.engine, settings)
        )
        run.odoo_version, run.prepared = odoo_version, prepared
        run.shopify_inbox = _inbox_counts(hub.engine, "shopify")
        run.stripe_inbox = _inbox_counts(hub.engine, "stripe")
        run.invoicing = demo_summary(hub.engine, erp_calls=hub.gateway().calls)
        run.invoices = check_invoices(boxes.admin, parsed)
        run.stripe, run.stripe_figures = sent, stripe_figures(hub.engine)
        run.storefront_payments = storefront_payment_figures(hub.engine)
        run.storefront_charges = storefront_charges
        run.statements = statements
        _compare(hub.engine, settings, parsed, run)
    run.seconds = time.monotonic() - started
    return run


def _start_sandboxes(stack: ExitStack, *, odoo_version: int, seed: int) -> _Sandboxes:
    """Start Shopify (with the demo shop), Odoo and Stripe on free ports; stopped
    with `stack`."""
    simulators = start_simulators(
        stack, ports=ANY_FREE_PORTS, odoo_version=odoo_version, seed=seed
    )
    admin = OdooAdmin(simulators.odoo)
    stack.callback(admin.close)
    return _Sandboxes(simulators, admin)


def _start_hub(stack: ExitStack, settings: Settings) -> tuple[Hub, str]:
    """Start the embedded hub (worker and HTTP); return it and its base URL."""
    hub = Hub(settings)
    hub.migrate()
    stack.callback(hub.close)
    worker = hub.start_worker(settings.queue.workers)
    stack.callback(worker.stop)
    server = ServerThread(app_for_hub(hub), port=0).start()
    stack.callback(server.stop)
    return hub, server.url


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        stdout.print(escape(text))


def _created(prepared: dict[str, int]) -> str:
    return (
        f"{prepared['products']} product(s) and {prepared['taxes']} tax(es) "
        "created for the shop's SKUs and rates"
    )


def _write_config(folder: Path, simulators: Simulators) -> Settings:
    """Write the sandbox `hub.toml` (the simulators' free ports) and return its
    settings; the credentials are the sandbox's fixed ones."""
    endpoints = SandboxEndpoints(
        shopify_url=simulators.shop_url,
        odoo_url=simulators.odoo.url,
        stripe_url=simulators.stripe.url,
        hub_port=0,
    )
    path = folder / "hub.toml"
    path.write_text(render_hub_toml(sandbox=True, endpoints=endpoints), "utf-8")
    return load_settings(path, environ={})


def _deliver(
    hub_url: str, generated: list[SandboxOrder], *, seed: int, quiet: bool
) -> SendStats:
    sender = webhook_sender(hub_url)
    deliveries = sender.deliveries_for(generated)
    if not quiet:
        stdout.print(
            f"delivering {len(deliveries)} webhooks for {len(generated)} orders "
            "(with duplicates and out of order)"
        )
    return sender.send(
        deliveries,
        duplicate_rate=DUPLICATE_RATE,
        reorder_window=REORDER_WINDOW,
        seed=seed,
    )


def _settle(hub: Hub, *, quiet: bool, what: str) -> None:
    """Wait until no inbox row and no outbox command is left to work on.

    The executor is queued again now and then: a run that found another one
    busy leaves later commands to the next. Raises DemoError on timeout.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    nudged = time.monotonic()
    with _progress(quiet, what) as show:
        while time.monotonic() < deadline:
            due, pending = _backlog(hub)
            show(due, pending)
            if due == 0 and pending == 0:
                return
            if pending and time.monotonic() - nudged > EXECUTE_NUDGE_SECONDS:
                hub.enqueue_execute()
                nudged = time.monotonic()
            time.sleep(POLL_SECONDS)
    due, pending = _backlog(hub)
    if not quiet:
        stderr.print(f"the hub still has {due} inbox row(s), {pending} command(s)")
    raise DemoError(f"the hub did not settle within {SETTLE_TIMEOUT_SECONDS:g} s")


def _backlog(hub: Hub) -> tuple[int, int]:
    """Return the inbox rows due now and the outbox commands still pending."""
    due = int(hub_status(hub.engine, hub.settings)["inbox"]["due"])
    with hub.engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).where(Command.status == CommandStatus.PENDING)
        ).scalar_one()
    return due, int(pending)


@contextmanager
def _progress(quiet: bool, what: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a function showing the backlog on a spinner (nothing when quiet)."""
    if quiet:
        yield lambda due, pending: None
        return
    with stderr.status(f"waiting for the hub: {what}") as status:

        def show(due: int, pending: int) -> None:
            status.update(
                f"waiting for the hub: {what} - {due} inbox row(s), "
                f"{pending} ERP command(s) to go"
            )

        yield show


def _inbox_counts(engine: Engine, source: str) -> dict[str, int]:
    """Return the inbox rows of one source per status."""
    query = (
        select(InboxEvent.status, func.count())
        .where(InboxEvent.source == source)
        .group_by(InboxEvent.status)
    )
    counts = {status: 0 for status in ("pending", "done", "ignored", "parked", "dead")}
    with engine.connect() as conn:
        counts.update({status: int(n) for status, n in conn.execute(query)})
    return counts


def storefront_payment_figures(engine: Engine) -> dict[str, int]:
    """Count what the hub made of the storefront's transactions: transactions
    stored, payments registered in the ERP (done `RegisterPayment` commands) and
    Stripe payments linked to an order through a storefront transaction."""
    with engine.connect() as conn:
        transactions = conn.execute(
            select(func.count()).select_from(StorefrontTransactionRecord)
        ).scalar_one()
        registered = conn.execute(
            select(func.count()).where(
                Command.kind == "RegisterPayment", Command.status == CommandStatus.DONE
            )
        ).scalar_one()
        payments = conn.execute(
            select(StripeObjectRecord.data).where(
                StripeObjectRecord.kind == StripeKind.PAYMENT
            )
        ).scalars()
        linked = sum(1 for data in payments if _linked_by_storefront(data))
    return {
        "storefront_transactions": int(transactions),
        "registered": int(registered),
        "linked_storefront": linked,
    }


def _linked_by_storefront(data: str) -> bool:
    payment = Payment.model_validate_json(data)
    return any(link.via == LinkSource.STOREFRONT_TRANSACTION for link in payment.links)


def _compare(
    engine: Engine, settings: Settings, parsed: list[Order], run: DemoRun
) -> None:
    """Count stored orders equal to the latest version Shopify would report."""
    shop = settings.shops[0].name
    with Session(engine) as session:
        stored = {
            record.external_id: record
            for record in session.scalars(
                select(OrderRecord).where(OrderRecord.shop == shop)
            )
        }
    for latest in parsed:
        record = stored.get(latest.external_id)
        if record is not None and _same(record, latest.version, latest.total.shop):
            run.converged += 1
        else:
            run.mismatched.append(latest.number)


def _same(record: OrderRecord, version: datetime, total: Money) -> bool:
    same_version: bool = record.version == version
    return (
        same_version
        and Decimal(record.total_amount) == total.amount
        and record.currency == total.currency
    )
