"""A standalone worker (`python -m sync.jobs`) stopped while Shopify is down.

The worker is a real process. Its poll of a shop whose API refuses connections is in
the client's retry backoff (1 + 2 + 4 + 8 + 16 s) when SIGTERM arrives; the stop cuts
that wait short, so the worker ends in seconds rather than at the end of the backoff.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from config.settings import load_settings
from sync.runtime import Hub
from tests.sync.helpers import refused_url

ROOT = Path(__file__).resolve().parents[3]
CONFIG = """
environment = "development"

[store]
url = "sqlite:///{db}"

[logging]
level = "WARNING"

[[shops]]
name = "down"
domain = "down.myshopify.com"
access_token = "shpat_down"
webhook_secret = "whsec_down"
api_base_url = "{api}"
poll_interval = 3600
"""


class _Lines:
    """The lines a process writes to stderr, read as they come."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.lines: list[str] = []
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            with self._arrived:
                self.lines.append(raw.decode(errors="replace"))
                self._arrived.notify_all()

    def wait_for(self, text: str, timeout: float) -> None:
        with self._arrived:
            found = self._arrived.wait_for(
                lambda: any(text in line for line in self.lines), timeout=timeout
            )
        assert found, f"no {text!r} within {timeout}s: {''.join(self.lines)}"


@pytest.mark.slow
def test_sigterm_cuts_the_shopify_backoff_of_a_job_in_hand_short(
    tmp_path: Path,
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(CONFIG.format(db=tmp_path / "hub.db", api=refused_url()))
    hub = Hub(load_settings(config))
    hub.migrate()
    hub.enqueue_poll("down")
    hub.close()

    command = [sys.executable, "-m", "sync.jobs", "--config", str(config)]
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    try:
        stderr = _Lines(proc)
        stderr.wait_for("retry 1/", timeout=60)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=25)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    took = time.monotonic() - stopped_at

    assert proc.returncode == 0
    # Uncut, the backoff still ahead was at least 2 + 4 + 8 + 16 s.
    assert took < 10, "".join(stderr.lines)
