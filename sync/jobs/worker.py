"""The Huey consumer, embedded (threads in the hub's process) or standalone (blocking).

The embedded worker leaves signal handling to its host (`o2c-hub run` stops HTTP, the
scheduler and the worker together). The standalone worker lets Huey handle signals:
SIGTERM finishes the jobs in hand, SIGINT stops at once, and either first tells the
hub to cut its connectors' waits short. Either way a job cut short loses nothing: its
transaction rolls back and the sweep brings the key back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import FrameType

from huey import Huey
from huey.consumer import Consumer

logger = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 30.0  # seconds a graceful stop waits for jobs in hand
POLL_DELAY = 0.05  # first wait on an empty queue, doubling up to MAX_POLL_DELAY
MAX_POLL_DELAY = 1.0


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        """The host process owns the signals; install nothing."""


class _StandaloneConsumer(Consumer):  # type: ignore[misc]
    """Huey's own signal handling, and `on_stop` as a stop (not a restart) begins."""

    def __init__(self, huey: Huey, *, on_stop: Callable[[], None], **options: object):
        super().__init__(huey, **options)
        self._on_stop = on_stop

    def _handle_signal(self, signum: int, frame: FrameType | None) -> None:
        super()._handle_signal(signum, frame)
        if not self._restart:
            self._on_stop()


class WorkerHandle:
    """A running embedded worker; `stop()` ends it after the jobs in hand."""

    def __init__(self, consumer: Consumer) -> None:
        self._consumer = consumer

    def stop(self) -> None:
        """Stop taking jobs and wait (up to SHUTDOWN_TIMEOUT) for those running."""
        self._consumer.stop(graceful=True)
        logger.info("worker stopped")


def _options(threads: int) -> dict[str, object]:
    return {
        "workers": threads,
        "worker_type": "thread",
        "periodic": False,
        "initial_delay": POLL_DELAY,
        "max_delay": MAX_POLL_DELAY,
        "shutdown_timeout": SHUTDOWN_TIMEOUT,
    }


def start_worker(huey: Huey, threads: int) -> WorkerHandle:
    """Start `threads` worker threads in this process; return their stop handle."""
    consumer = _EmbeddedConsumer(huey, check_worker_health=False, **_options(threads))
    consumer.start()
    logger.info("worker started with %d thread(s)", threads)
    return WorkerHandle(consumer)


def run_worker(
    huey: Huey, threads: int, *, on_stop: Callable[[], None] = lambda: None
) -> None:
    """Run the worker until SIGTERM or SIGINT (blocking; main thread only).

    `on_stop` runs in the signal handler as the stop begins; it must not block.
    """
    consumer = _StandaloneConsumer(
        huey, on_stop=on_stop, graceful_signal="TERM", **_options(threads)
    )
    consumer.run()
