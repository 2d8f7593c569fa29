"""The hub's Shopify source: clients built from the shops, waits a stop cuts short."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from config.settings import ShopSettings, settings_from_dict
from o2c.errors import RetryableError
from sync.jobs.shopify_source import ShopifyOrderSource
from tests.sync.helpers import refused_url


def _shop(tmp_path: Path) -> ShopSettings:
    settings = settings_from_dict(
        {
            "environment": "development",
            "shops": [
                {
                    "name": "down",
                    "domain": "down.myshopify.com",
                    "access_token": "shpat_down",
                    "webhook_secret": "whsec_down",
                    "api_base_url": refused_url(),
                }
            ],
        },
        base_dir=tmp_path,
    )
    return settings.shops[0]


def test_a_stop_cuts_the_retry_backoff_of_a_query_in_hand_short(
    tmp_path: Path,
) -> None:
    source = ShopifyOrderSource()
    client = source.client(_shop(tmp_path))
    failures: list[BaseException] = []

    def query() -> None:
        try:
            client.execute("{ shop { name } }", operation="probe")
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=query)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)  # the first attempt failed; the client is in its backoff
    assert thread.is_alive()
    source.stopping.set()
    thread.join(timeout=10)

    assert not thread.is_alive()
    # Five retries back off 1 + 2 + 4 + 8 + 16 s when nothing cuts them short.
    assert time.monotonic() - started < 10
    [failure] = failures
    assert isinstance(failure, RetryableError)


def test_clients_wait_normally_until_the_stop(tmp_path: Path) -> None:
    source = ShopifyOrderSource()
    client = source.client(_shop(tmp_path))
    started = time.monotonic()
    client.sleep(0.2)
    assert time.monotonic() - started == pytest.approx(0.2, abs=0.15)
    source.stopping.set()
    started = time.monotonic()
    client.sleep(30)
    assert time.monotonic() - started < 1
