"""`python -m tests.sync.slow_worker`: the worker of `python -m sync.jobs`, held still.

The crash tests kill a worker with SIGKILL at a chosen moment. To make that moment
wide enough to hit, this launcher wraps two steps of the real code before the
worker starts, and passes every other argument to `sync.jobs`:

- `--step-delay S`: each inbox row sleeps S seconds after its order is applied and
  before its transaction commits, so a kill lands in the middle of a batch;
- `--commit-delay S`: each ERP write sleeps S seconds after Odoo answered and
  before the hub records the answer, the window where only the ERP knows.

Production code carries no hook for either.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

from connectors.odoo.gateway import OdooGateway
from sync import intake
from sync.jobs.__main__ import main as run_worker

ERP_WRITES = (
    "create_invoices",
    "create_credit_notes",
    "create_journal_entries",
    "register_payments",
)
INTAKE_STEPS = ("_apply_order", "_apply_transaction")


def _then_sleep(function: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    @functools.wraps(function)
    def held(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        time.sleep(seconds)
        return result

    return held


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sync.slow_worker")
    parser.add_argument("--step-delay", type=float, default=0.0)
    parser.add_argument("--commit-delay", type=float, default=0.0)
    args, worker_args = parser.parse_known_args()
    if args.step_delay:
        for name in INTAKE_STEPS:
            setattr(intake, name, _then_sleep(getattr(intake, name), args.step_delay))
    if args.commit_delay:
        for name in ERP_WRITES:
            wrapped = _then_sleep(getattr(OdooGateway, name), args.commit_delay)
            setattr(OdooGateway, name, wrapped)
    run_worker(worker_args)


if __name__ == "__main__":
    main()
