"""`python -m sync.jobs`: a worker process (and maybe the scheduler) without the CLI.

Used where the full CLI is not wanted: process supervisors, and the crash tests that
kill a worker with SIGKILL and start it again.
"""

from __future__ import annotations

import argparse
import logging

from config.settings import load_settings
from sync.runtime import Hub


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, migrate the store, run the worker until signalled."""
    parser = argparse.ArgumentParser(prog="python -m sync.jobs")
    parser.add_argument("--config", help="the hub.toml file (default: $O2C_HUB_CONFIG)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--scheduler", action="store_true", help="also run the scheduler in-process"
    )
    args = parser.parse_args(argv)

    settings = load_settings(args.config)
    logging.basicConfig(
        level=settings.logging.level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    hub = Hub(settings)
    hub.migrate()
    scheduler = hub.start_scheduler() if args.scheduler else None
    try:
        hub.run_worker(args.threads)
    finally:
        if scheduler:
            scheduler.stop()
        hub.close()


if __name__ == "__main__":
    main()
