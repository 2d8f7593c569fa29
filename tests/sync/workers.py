"""A real worker process for the crash tests: start it, wait on it, kill it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    config: Path, *, delay_env: str, delay: float | None
) -> subprocess.Popen[bytes]:
    """Start `python -m sync.jobs --scheduler` on `config`.

    With `delay`, the test hook named by `delay_env` slows the worker down so the
    test can kill it in the middle of its work.
    """
    env = {k: v for k, v in os.environ.items() if k != delay_env}
    if delay:
        env[delay_env] = str(delay)
    command = [sys.executable, "-m", "sync.jobs", "--config", str(config)]
    return subprocess.Popen(
        [*command, "--scheduler"], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )


def wait_for(
    condition: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float
) -> None:
    """Poll `condition` until it holds; fail if the worker exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            stderr = proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"worker exited: {stderr!r}")
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.05)
