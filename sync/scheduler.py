"""The scheduler: APScheduler 3 interval jobs that only enqueue work for the workers.

Every process may run a scheduler; only the leader fires. Leadership is a lease in the
database (`scheduler:leader`), taken or renewed at each tick and by a heartbeat, so a
scheduler that dies hands over within `LEADER_SECONDS`. Jobs: one poll per configured
shop at its `poll_interval`, the sweep at `[queue] sweep_interval`, Stripe's catch-up
at `[stripe] poll_interval` and the bank folder scan at `[bank] scan_interval`; all but
the polls also fire once as the scheduler starts.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from config.settings import Settings
from sync import leases

logger = logging.getLogger(__name__)

LEADER_KEY = "scheduler:leader"
LEADER_SECONDS = 30.0


class Enqueuer(Protocol):
    """What the scheduler drives: the hub's enqueue methods."""

    settings: Settings
    engine: Engine

    def enqueue_poll(self, shop: str) -> None: ...

    def enqueue_sweep(self) -> None: ...

    def enqueue_stripe_catch_up(self) -> None: ...

    def enqueue_bank_scan(self) -> None: ...


@dataclass(frozen=True)
class ScheduledJob:
    """One interval job: `action` runs every `seconds` on the leader only.

    A job `at_start` also runs as soon as the scheduler starts: after downtime the
    Stripe catch-up, the sweep and the folder scan should not wait a whole interval
    to find what was missed. Shop polls keep to their interval (webhooks are the
    fast path, and a shop's query budget is shared with its other apps).
    """

    name: str
    seconds: float
    action: Callable[[], None]
    at_start: bool = True


class LeaderGate:
    """Tells whether this scheduler is the leader, taking or renewing the lease."""

    def __init__(self, engine: Engine, *, seconds: float = LEADER_SECONDS) -> None:
        self.engine = engine
        self.seconds = seconds
        self.owner = leases.new_owner("scheduler")
        self._was_leader = False

    def is_leader(self) -> bool:
        """Take or renew the leader lease; return True while this process holds it."""
        leader = leases.acquire(
            self.engine, LEADER_KEY, self.owner, seconds=self.seconds
        )
        if leader != self._was_leader:
            logger.info(
                "scheduler %s %s leadership",
                self.owner,
                "took" if leader else "lost",
            )
            self._was_leader = leader
        return leader

    def resign(self) -> None:
        """Give the lease back so that another scheduler takes over at once."""
        if leases.release(self.engine, LEADER_KEY, self.owner):
            logger.info("scheduler %s resigned leadership", self.owner)
        self._was_leader = False


def default_jobs(hub: Enqueuer) -> list[ScheduledJob]:
    """Return the hub's jobs: a poll per shop, the sweep, and the Stripe catch-up
    and bank folder scan when those are configured."""
    jobs = [
        ScheduledJob(
            f"poll:{shop.name}",
            shop.poll_interval,
            _bind(hub.enqueue_poll, shop.name),
            at_start=False,
        )
        for shop in hub.settings.shops
    ]
    settings = hub.settings
    jobs.append(ScheduledJob("sweep", settings.queue.sweep_interval, hub.enqueue_sweep))
    if settings.stripe is not None:
        jobs.append(
            ScheduledJob(
                "stripe-catch-up",
                settings.stripe.poll_interval,
                hub.enqueue_stripe_catch_up,
            )
        )
    if settings.bank.statements_dir is not None:
        jobs.append(
            ScheduledJob(
                "bank-scan", settings.bank.scan_interval, hub.enqueue_bank_scan
            )
        )
    return jobs


def _bind(action: Callable[[str], None], argument: str) -> Callable[[], None]:
    return lambda: action(argument)


def _gated(gate: LeaderGate, job: ScheduledJob) -> Callable[[], None]:
    def fire() -> None:
        if not gate.is_leader():
            return
        try:
            job.action()
        except Exception:  # a failed enqueue must not stop the schedule
            logger.exception("scheduled job %s failed to enqueue", job.name)

    return fire


def configure(
    scheduler: BaseScheduler, gate: LeaderGate, jobs: list[ScheduledJob]
) -> None:
    """Add the jobs, each behind the leader gate, and the leader heartbeat."""
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1}
    now = datetime.now(UTC)
    for job in jobs:
        first = {"next_run_time": now} if job.at_start else {}
        scheduler.add_job(
            _gated(gate, job),
            "interval",
            seconds=job.seconds,
            id=job.name,
            **first,
            **common,
        )
    scheduler.add_job(
        gate.is_leader,
        "interval",
        seconds=max(gate.seconds / 3, 1.0),
        id="leader-heartbeat",
        **common,
    )


class SchedulerHandle:
    """A running background scheduler; `stop()` ends it and resigns leadership."""

    def __init__(self, scheduler: BackgroundScheduler, gate: LeaderGate) -> None:
        self._scheduler = scheduler
        self.gate = gate

    def stop(self) -> None:
        """Stop firing jobs, wait for one in progress, give up the leader lease."""
        self._scheduler.shutdown(wait=True)
        self.gate.resign()
        logger.info("scheduler stopped")


def start_scheduler(
    hub: Enqueuer, *, leader_seconds: float = LEADER_SECONDS
) -> SchedulerHandle:
    """Start the scheduler in a background thread; return the handle to stop it."""
    gate = LeaderGate(hub.engine, seconds=leader_seconds)
    scheduler = BackgroundScheduler(timezone="UTC")
    configure(scheduler, gate, default_jobs(hub))
    scheduler.start()
    # Claim leadership now rather than at the first heartbeat.
    threading.Thread(target=gate.is_leader, daemon=True).start()
    logger.info("scheduler started (%s)", gate.owner)
    return SchedulerHandle(scheduler, gate)


def run_scheduler(hub: Enqueuer, *, leader_seconds: float = LEADER_SECONDS) -> None:
    """Run the scheduler until SIGTERM or SIGINT (blocking; main thread only)."""
    gate = LeaderGate(hub.engine, seconds=leader_seconds)
    scheduler = BlockingScheduler(timezone="UTC")
    configure(scheduler, gate, default_jobs(hub))

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("scheduler received %s", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    gate.is_leader()
    try:
        scheduler.start()
    finally:
        gate.resign()
