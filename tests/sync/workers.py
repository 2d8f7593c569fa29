"""A real worker process for the crash tests: start it, wait on it, kill it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    config: Path, *, step_delay: float = 0.0, commit_delay: float = 0.0
) -> subprocess.Popen[bytes]:
    """Start a worker with its scheduler on `config`, as `python -m sync.jobs` does.

    With a delay, `tests.sync.slow_worker` holds the worker still at that step so
    the test can kill it there (see that module).
    """
    command = [sys.executable, "-m", "tests.sync.slow_worker", "--config", str(config)]
    if step_delay:
        command += ["--step-delay", str(step_delay)]
    if commit_delay:
        command += ["--commit-delay", str(commit_delay)]
    return subprocess.Popen([*command, "--scheduler"], cwd=ROOT, stderr=subprocess.PIPE)


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
