"""The hub routes Stripe keys to Stripe intake and schedules its catch-up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from huey import MemoryHuey
from sqlalchemy import Engine, func, select

from config.settings import Settings, settings_from_dict
from connectors.sandbox.stripe.generator import generate_payouts
from connectors.sandbox.stripe.server import API_KEY, SandboxStripe
from sync.runtime import Hub
from sync.store.models import InboxEvent, InboxStatus
from sync.store.models_stripe import StripeObjectRecord
from tests.sync.helpers import FakeSource, refused_url


@pytest.fixture
def sandbox() -> Iterator[SandboxStripe]:
    with SandboxStripe(seed=5) as server:
        yield server


@pytest.fixture
def hub(
    store_url: str, tmp_path: Path, engine: Engine, sandbox: SandboxStripe
) -> Iterator[Hub]:
    hub = Hub(_settings(store_url, tmp_path, sandbox.url), orders=FakeSource())
    yield hub
    hub.close()


def _settings(store_url: str, folder: Path, stripe_url: str) -> Settings:
    """A hub with Stripe at `stripe_url` that does not retry on its own."""
    data = {
        "environment": "development",
        "store": {"url": store_url},
        "stripe": {
            "api_key": API_KEY,
            "webhook_secret": "whsec_runtime",
            "api_base": stripe_url,
            "max_network_retries": 0,
        },
    }
    return settings_from_dict(data, base_dir=folder)


def test_stripe_catch_up_then_stripe_keys_are_processed_by_stripe_intake(
    hub: Hub, sandbox: SandboxStripe
) -> None:
    start = int(time.time()) - 2 * 86400
    generate_payouts(sandbox.account, start=start, payouts=1, charges_per_payout=3)

    assert hub.stripe_catch_up() > 0
    keys = sorted({task.args[0] for task in hub.huey.pending()})
    assert keys and all(key.startswith("stripe:") for key in keys)

    for key in keys:
        hub.process_key(key)

    with hub.engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).where(
                InboxEvent.source == "stripe",
                InboxEvent.status == InboxStatus.PENDING,
            )
        ).scalar_one()
        stored = conn.execute(
            select(func.count()).select_from(StripeObjectRecord)
        ).scalar_one()
    assert pending == 0
    assert stored >= 4  # three payments and the payout, at least


def test_a_stripe_key_that_fails_schedules_its_retry_in_the_queue(
    hub: Hub, sandbox: SandboxStripe
) -> None:
    start = int(time.time()) - 2 * 86400
    generate_payouts(sandbox.account, start=start, payouts=1, charges_per_payout=1)
    assert hub.stripe_catch_up() > 0
    key = sorted({task.args[0] for task in hub.huey.pending()})[0]
    hub.huey.flush()
    sandbox.fail_next(5, status=500)  # the re-read of the object fails

    result = hub.process_key(key)

    assert result.retried >= 1
    assert result.next_attempt_at is not None
    [queued] = hub.huey.pending()
    assert queued.args == (key,)
    # Huey keeps etas as naive UTC.
    eta = queued.eta.replace(tzinfo=UTC)
    assert abs((eta - result.next_attempt_at).total_seconds()) < 1


def test_the_stripe_catch_up_is_queued_as_the_scheduler_starts(hub: Hub) -> None:
    hub.migrate()
    handle = hub.start_scheduler()
    try:
        deadline = time.monotonic() + 10
        names: set[str] = set()
        while "o2c_stripe_catch_up" not in names and time.monotonic() < deadline:
            names = {task.name for task in hub.huey.pending()}
            time.sleep(0.05)
    finally:
        handle.stop()
    # Its interval is minutes: only the firing at start can have queued it.
    assert "o2c_stripe_catch_up" in names


def test_a_catch_up_job_while_stripe_is_down_logs_one_warning(
    store_url: str,
    tmp_path: Path,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _settings(store_url, tmp_path, refused_url())
    hub = Hub(settings, orders=FakeSource(), huey=MemoryHuey("s", immediate=True))

    with caplog.at_level(logging.INFO):
        hub.enqueue_stripe_catch_up()  # runs now: the queue is immediate
    hub.close()

    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (record.name, record.levelname) == ("sync.runtime", "WARNING")
    assert record.exc_info is None
    message = record.getMessage()
    assert message.startswith("stripe_catch_up failed, the next run tries again: ")
    assert "\n" not in message
