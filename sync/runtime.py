"""The running hub: one object that owns the store, the queue and the jobs.

`Hub(settings)` builds the engine and the Huey queue and registers the jobs on it
(`process_key`, `poll_shop`, `sweep`), each bound to this hub. Every process of a
deployment (`run`, `serve`, `worker`, `scheduler`) builds its own hub from the same
settings, so a job enqueued by one is understood by the others.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from huey import Huey

from config.settings import Settings, ShopSettings
from o2c.errors import ConfigurationError, ConnectorError, RetryableError
from sync import intake, scheduler
from sync.inbox import SHOPIFY, utcnow
from sync.intake import Clock, IntakePolicy, KeyOutcome, OrderHook, OrderSource
from sync.jobs.backfill import backfill_orders
from sync.jobs.polling import poll_orders
from sync.jobs.queue import make_huey
from sync.jobs.shopify_source import ShopifyOrderSource
from sync.jobs.sweep import due_commands, due_keys
from sync.jobs.worker import WorkerHandle, run_worker, start_worker
from sync.leases import new_owner
from sync.store.db import make_engine, migrate

logger = logging.getLogger(__name__)


def _fetch_job(fetch: Callable[..., int]) -> Callable[..., int]:
    """`fetch` (a poll or a catch-up) as a queue job that logs a connector failure
    on one line instead of raising it.

    The failure is already recorded for `status`, and the schedule runs the fetch
    again; raised, Huey would log a full traceback at every run for as long as the
    other system is down or refuses the credentials.
    """

    @functools.wraps(fetch)
    def job(*args: Any) -> int:
        try:
            return fetch(*args)
        except ConnectorError as exc:
            what = " ".join([fetch.__name__, *map(str, args)])
            message = " ".join(str(exc).split())
            level = (
                logging.WARNING if isinstance(exc, RetryableError) else logging.ERROR
            )
            logger.log(level, "%s failed, the next run tries again: %s", what, message)
            return 0

    return job


class Hub:
    """The hub's runtime: store, queue, jobs, worker and scheduler."""

    def __init__(
        self,
        settings: Settings,
        *,
        orders: OrderSource | None = None,
        clock: Clock = utcnow,
        huey: Huey | None = None,
        on_order: OrderHook | None = None,
        gateway: Any = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings.store_url)
        self.huey = huey if huey is not None else make_huey(settings)
        # Set as the hub stops: connector waits in jobs in hand end at once.
        self.stopping = threading.Event()
        self.orders: OrderSource = orders or ShopifyOrderSource(stopping=self.stopping)
        # Leases serialize work per key between threads too, so each thread of this
        # process takes them under its own name.
        self._owner_base = new_owner("worker")
        self.policy = IntakePolicy(
            lease_seconds=settings.queue.lease_seconds,
            max_attempts=settings.queue.max_attempts,
        )
        self._parse = intake.order_parser(self.orders)
        # Runs in each new order version's transaction (the pipeline's decision).
        self.on_order = on_order
        self._stripe: Any = None
        # The ERP side (gateway, mappings, executor) opens on first use.
        self._gateway: Any = gateway
        self._invoicing: Any = None
        self._mapping_stamp: int | None = None
        self._tasks = self._register_tasks()

    def _register_tasks(self) -> dict[str, Any]:
        task = self.huey.task
        return {
            "process_key": task(name="o2c_process_key")(self.process_key),
            "poll_shop": task(name="o2c_poll_shop")(_fetch_job(self.poll_shop)),
            "sweep": task(name="o2c_sweep")(self.sweep),
            "stripe_catch_up": task(name="o2c_stripe_catch_up")(
                _fetch_job(self.stripe_catch_up)
            ),
            "bank_scan": task(name="o2c_bank_scan")(self.bank_scan),
            "execute": task(name="o2c_execute")(self.execute),
        }

    # -- the store ---------------------------------------------------------

    @property
    def owner(self) -> str:
        """The lease owner name of the calling thread in this process."""
        return f"{self._owner_base}/{threading.get_ident()}"

    def migrate(self) -> None:
        """Bring the database schema to the code's revision heads."""
        migrate(self.engine)

    def interrupt_waits(self) -> None:
        """Cut short the waits of the jobs in hand (Shopify retry backoff and
        pacing): called as the hub stops, so that stopping does not wait for them.
        A job cut short fails its attempt and is retried later, losing nothing."""
        self.stopping.set()

    def close(self) -> None:
        """Release the database pool and the queue's connection."""
        self.engine.dispose()
        self.huey.storage.close()

    # -- enqueueing --------------------------------------------------------

    def enqueue(self, key: str, *, eta: datetime | None = None) -> None:
        """Queue the processing of one key (now, or at `eta`)."""
        if eta is None:
            self._tasks["process_key"](key)
        else:
            self._tasks["process_key"].schedule((key,), eta=eta)

    def enqueue_poll(self, shop: str) -> None:
        """Queue a poll of one shop."""
        self._tasks["poll_shop"](shop)

    def enqueue_sweep(self) -> None:
        """Queue a sweep."""
        self._tasks["sweep"]()

    def enqueue_stripe_catch_up(self) -> None:
        """Queue a catch-up of Stripe's events."""
        self._tasks["stripe_catch_up"]()

    def enqueue_bank_scan(self) -> None:
        """Queue a scan of the bank statements folder."""
        self._tasks["bank_scan"]()

    def enqueue_execute(self) -> None:
        """Queue a run of the outbox executor."""
        self._tasks["execute"]()

    # -- the jobs ----------------------------------------------------------

    def process_key(self, key: str) -> Any:
        """Process the due inbox rows of one key; return what was done.

        Shopify order keys go to order intake (a `KeyOutcome`; when rows wait for
        a retry, a job is scheduled for the earliest of them), Stripe object keys
        to Stripe intake (likewise). A key of another source is left alone (None).
        """
        if key.startswith(f"{SHOPIFY}:"):
            return self._process_order_key(key)
        from sync.stripe_intake import is_stripe_key, process_key

        if is_stripe_key(key) and self.settings.stripe is not None:
            result = process_key(replace(self._stripe_jobs(), owner=self.owner), key)
            if result.next_attempt_at is not None and not result.busy:
                self.enqueue(key, eta=result.next_attempt_at)
            # The payout's journal entries wait in the outbox for the executor.
            if result.entries and self.invoicing_enabled:
                self.enqueue_execute()
            return result
        logger.warning("no intake for key %s; its rows stay pending", key)
        return None

    def _process_order_key(self, key: str) -> KeyOutcome:
        on_order = self.on_order
        if on_order is None and self.invoicing_enabled:
            on_order = self._decide
        outcome = intake.process_key(
            self.engine,
            key,
            parse=self._parse,
            owner=self.owner,
            policy=self.policy,
            clock=self.clock,
            on_order=on_order,
        )
        if outcome.next_attempt_at is not None and not outcome.busy:
            self.enqueue(key, eta=outcome.next_attempt_at)
        if on_order is not None and outcome.done and self.invoicing_enabled:
            self.enqueue_execute()
        return outcome

    # -- invoicing -----------------------------------------------------------

    @property
    def invoicing_enabled(self) -> bool:
        """True when an ERP is configured (or given): orders then get invoiced."""
        return self._gateway is not None or self.settings.odoo is not None

    def gateway(self) -> Any:
        """Return the ERP gateway, opened on first use.

        Raises ConfigurationError when no ERP is configured.
        """
        if self._gateway is None:
            if self.settings.odoo is None:
                raise ConfigurationError("odoo is not configured")
            from connectors.odoo.gateway import open_gateway

            self._gateway = open_gateway(self.settings.odoo)
        return self._gateway

    def invoicing(self) -> Any:
        """Return the invoicing context (mappings over the ERP's catalog)."""
        if self._invoicing is None:
            from sync.erp_catalog import GatewayCatalog

            path = self.settings.mapping_file
            self._mapping_stamp = path.stat().st_mtime_ns if path.exists() else None
            from sync.invoicing import open_invoicing

            gateway = self.gateway()
            self._invoicing = open_invoicing(
                self.settings,
                GatewayCatalog(gateway),
                erp_version=gateway.profile.major,
                company_rounding=gateway.tax_rounding_method,
            )
        return self._invoicing

    def _decide(self, conn: Any, order: Any, now: datetime) -> None:
        from sync.invoicing import advance_order

        advance_order(conn, order, self.invoicing(), now=now)

    def execute(self) -> Any:
        """Run the pending commands of the outbox; return the `ExecutorResult`."""
        from sync.executor import Executor, ExecutorPolicy

        invoicing = self.invoicing()
        policy = ExecutorPolicy(
            max_attempts=self.settings.queue.max_attempts,
            lease_seconds=self.settings.queue.lease_seconds,
        )
        executor = Executor(
            engine=self.engine,
            gateway=self.gateway(),
            owner=self.owner,
            policy=policy,
            clock=self.clock,
            entry_journal=invoicing.entry_journal,
            payment_journal=invoicing.payment_journal,
            partner_match=invoicing.partner_match,
        )
        return executor.run_pending()

    def sweep(self) -> int:
        """Enqueue every key with undone work and no live lease; return how many."""
        grace = timedelta(seconds=self.settings.queue.sweep_interval)
        keys = due_keys(self.engine, now=self.clock(), grace=grace)
        for key in keys:
            self.enqueue(key)
        if self.invoicing_enabled:
            if self._mapping_changed():
                self.replay_held()
            if due_commands(self.engine, now=self.clock()):
                self.enqueue_execute()
        return len(keys)

    def replay_held(self) -> int:
        """Decide again on held orders with the mapping file and ERP read afresh.

        Returns how many orders were decided on; their new commands are queued.
        """
        from sync.invoicing import reconsider

        self._invoicing = None
        count = reconsider(self.engine, self.invoicing(), now=self.clock())
        if count:
            logger.info("%d held order(s) decided again", count)
            self.enqueue_execute()
        return count

    def _mapping_changed(self) -> bool:
        """True once after the mapping file changed since the mappings were read."""
        path = self.settings.mapping_file
        stamp = path.stat().st_mtime_ns if path.exists() else None
        if self._invoicing is None or stamp == self._mapping_stamp:
            self._mapping_stamp = stamp
            return False
        self._mapping_stamp = stamp
        return True

    def poll_shop(self, name: str) -> int:
        """Poll one shop's updated orders into the inbox; return the new rows.

        Raises ConfigurationError for an unknown shop and the connector's error
        when the poll fails (recorded for `status` first).
        """
        result = poll_orders(
            self.engine, self._shop(name), self.orders, now=self.clock()
        )
        for key in sorted(result.keys):
            self.enqueue(key)
        return result.stored

    def backfill(
        self,
        name: str,
        since: datetime | None,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Load a shop's order history (bulk operation); return the orders stored.

        Raises ConfigurationError for an unknown shop and the connector's error
        when the bulk operation fails.
        """
        result = backfill_orders(
            self.engine,
            self._shop(name),
            self.orders,
            since=since,
            clock=self.clock,
            on_progress=on_progress,
        )
        return result.stored

    def stripe_catch_up(self) -> int:
        """File Stripe's events since the cursor in the inbox; return the new ones.

        Raises ConfigurationError when Stripe is not configured, and the
        connector's error when the catch-up fails (recorded first).
        """
        from sync.stripe_intake import catch_up

        jobs = self._stripe_jobs()
        result = catch_up(self.engine, jobs.connector, now=self.clock())
        for key in sorted(result.keys):
            self.enqueue(key)
        return result.stored

    def bank_scan(self) -> int:
        """Import the statement files waiting in `bank.statements_dir`; return how
        many files were read. Raises ConfigurationError without a folder."""
        from sync.statements import scan_folder

        return len(scan_folder(self.engine, self.settings).files)

    def _stripe_jobs(self) -> Any:
        if self.settings.stripe is None:
            raise ConfigurationError("stripe is not configured")
        if self._stripe is None:
            from connectors.stripe.client import StripeConnector
            from sync.stripe_intake import StripeJobs

            self._stripe = StripeJobs(
                engine=self.engine,
                connector=StripeConnector(self.settings.stripe),
                accounts=self._processor_accounts(),
                owner=self.owner,
                policy=self.policy,
                clock=self.clock,
            )
        return self._stripe

    def _processor_accounts(self) -> Any:
        """The `[defaults.stripe]` ledger accounts, as ERP record ids, or None.

        Without an ERP nothing could post the entries, so none are built. Raises
        ConfigurationError naming every problem of the mapping file, or every
        account code the ERP does not have.
        """
        if not self.invoicing_enabled:
            return None
        from mapping.tables import load_tables, processor_accounts
        from sync.stripe_intake import resolve_accounts

        accounts = processor_accounts(load_tables(self.settings.mapping_file))
        if accounts is None:
            logger.warning(
                "the mapping file has no [defaults.stripe] accounts: Stripe "
                "payouts are stored, no journal entries are posted"
            )
            return None
        return resolve_accounts(accounts, self.gateway().find_accounts)

    def _shop(self, name: str) -> ShopSettings:
        try:
            return self.settings.shop(name)
        except KeyError as exc:
            raise ConfigurationError(str(exc.args[0])) from None

    # -- running -----------------------------------------------------------

    def start_worker(self, threads: int | None = None) -> WorkerHandle:
        """Start a threaded worker in this process; return the handle to stop it."""
        return start_worker(self.huey, threads or self.settings.queue.workers)

    def start_scheduler(self) -> scheduler.SchedulerHandle:
        """Start the scheduler in this process; return the handle to stop it."""
        return scheduler.start_scheduler(self)

    def run_worker(self, threads: int | None = None) -> None:
        """Run a worker until SIGTERM or SIGINT (blocking, main thread); the
        signal cuts the connectors' waits short, as `interrupt_waits` does."""
        threads = threads or self.settings.queue.workers
        run_worker(self.huey, threads, on_stop=self.interrupt_waits)

    def run_scheduler(self) -> None:
        """Run the scheduler until SIGTERM or SIGINT (blocking, main thread)."""
        scheduler.run_scheduler(self)
