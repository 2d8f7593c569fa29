"""Benchmark: how long `o2c-hub` takes to start, per command, in fresh processes.

Runs `o2c-hub --help`, `init --sandbox`, `status` and `orders list` (on an empty
sandbox store) O2C_BENCH_CLI_RUNS times each (default 5) and prints the fastest
and the median wall time. The target (`--help` well under 1 s) is reported
against, never asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from config.templates import SandboxEndpoints, render_hub_toml

TARGET_HELP_SECONDS = 1.0


def _seconds(args: list[str], cwd: Path) -> float:
    """Run `o2c-hub ARGS` once; return its wall time. Raises on a failed run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_HUB")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        check=True,
        capture_output=True,
        cwd=cwd,
        env=env,
    )
    return time.perf_counter() - started


def main() -> None:
    runs = int(os.environ.get("O2C_BENCH_CLI_RUNS", "5"))
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        where = Path(folder)
        endpoints = SandboxEndpoints(
            shopify_url="http://127.0.0.1:9", odoo_url=None, stripe_url=None
        )
        config = where / "hub.toml"
        config.write_text(render_hub_toml(sandbox=True, endpoints=endpoints), "utf-8")
        _seconds(["--config", str(config), "status"], where)  # creates the store
        cases = {
            "--help": ["--help"],
            "init --sandbox": ["init", "--sandbox", "--dir", "init", "--force"],
            "status": ["--config", str(config), "status"],
            "orders list": ["--config", str(config), "orders", "list"],
        }
        print(f"{'command':<16}{'fastest':>10}{'median':>10}   ({runs} runs each)")
        for name, args in cases.items():
            times = [_seconds(args, where) for _ in range(runs)]
            fastest, median = min(times), statistics.median(times)
            print(f"{name:<16}{fastest:>9.2f}s{median:>9.2f}s")
            if name == "--help":
                verdict = "met" if median < TARGET_HELP_SECONDS else "NOT met"
                print(f"  target --help < {TARGET_HELP_SECONDS:g} s: {verdict}")


if __name__ == "__main__":
    main()
