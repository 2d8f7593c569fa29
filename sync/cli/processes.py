"""The long-running commands: `run`, `serve`, `worker`, `scheduler`, and `backfill`.

`run` is the embedded default: HTTP, a threaded worker and the scheduler in one
process; SIGINT or SIGTERM stops HTTP first (no new deliveries), then the scheduler,
then the worker after the jobs in hand, and exits 0. Scaled out, `serve`, `worker`
and `scheduler` run the same parts as separate processes.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Protocol

import typer

from sync.cli.context import guarded, settings_of, stdout

if TYPE_CHECKING:
    from config.settings import Settings
    from sync.runtime import Hub

logger = logging.getLogger(__name__)

HOST_OPTION = typer.Option(None, "--host", help="Bind address ([server] host).")
PORT_OPTION = typer.Option(None, "--port", help="Port ([server] port).")


class Stoppable(Protocol):
    def stop(self) -> None: ...


@contextmanager
def stop_signals() -> Iterator[Callable[[], str]]:
    """Catch SIGINT and SIGTERM from here on; yield the wait for one.

    The wait blocks until one arrives and returns its name. Catching starts
    before a command says it is ready, so a signal sent on that word is not
    lost to the default handler; the previous handlers are back on exit.
    """
    received: list[str] = []
    arrived = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        arrived.set()

    def wait() -> str:
        # A short timeout keeps the main thread where Python can run the handler.
        while not arrived.wait(timeout=0.5):
            pass
        return received[0]

    previous = {
        sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield wait
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_hub(settings: Settings) -> Hub:
    from sync.cli.logs import configure_logging
    from sync.runtime import Hub

    configure_logging(settings.logging)
    hub = Hub(settings)
    hub.migrate()
    return hub


def _serve_until_signal(
    hub: Hub, *, host: str | None, port: int | None, also: list[Stoppable]
) -> None:
    from sync.http import ServerThread, app_for_hub

    with stop_signals() as wait:
        server = ServerThread(
            app_for_hub(hub),
            host=host or hub.settings.server.host,
            port=hub.settings.server.port if port is None else port,
        ).start()
        stdout.print(f"o2c-hub listening on {server.url} (stop with Ctrl-C)")
        name = wait()
    logger.info("received %s: stopping", name)
    # No new deliveries first, then what enqueues, then what works the queue.
    server.stop()
    hub.interrupt_waits()
    for part in also:
        part.stop()
    hub.close()
    logger.info("stopped cleanly")


@guarded
def run_command(
    ctx: typer.Context,
    host: str | None = HOST_OPTION,
    port: int | None = PORT_OPTION,
) -> None:
    """Run HTTP, a threaded worker and the scheduler in one process."""
    hub = _start_hub(settings_of(ctx))
    worker = hub.start_worker(hub.settings.queue.workers)
    scheduler = hub.start_scheduler()
    _serve_until_signal(hub, host=host, port=port, also=[scheduler, worker])


@guarded
def serve_command(
    ctx: typer.Context,
    host: str | None = HOST_OPTION,
    port: int | None = PORT_OPTION,
) -> None:
    """Run only the HTTP server (webhooks, health, metrics)."""
    hub = _start_hub(settings_of(ctx))
    _serve_until_signal(hub, host=host, port=port, also=[])


@guarded
def worker_command(
    ctx: typer.Context,
    threads: int | None = typer.Option(None, "--threads", min=1, help="Threads."),
) -> None:
    """Run a worker that processes queued jobs, until SIGTERM or SIGINT."""
    hub = _start_hub(settings_of(ctx))
    try:
        hub.run_worker(threads)
    finally:
        hub.close()


@guarded
def scheduler_command(ctx: typer.Context) -> None:
    """Run the scheduler (polls, sweeps), until SIGTERM or SIGINT."""
    hub = _start_hub(settings_of(ctx))
    try:
        hub.run_scheduler()
    finally:
        hub.close()


@guarded
def backfill_command(
    ctx: typer.Context,
    shop: str = typer.Option(..., "--shop", help="The shop's configured name."),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="Orders updated since (UTC)."
    ),
) -> None:
    """Load a shop's order history through a bulk operation, with progress."""
    hub = _start_hub(settings_of(ctx))
    start = since.replace(tzinfo=UTC) if since else None
    try:
        with backfill_progress() as advance:
            stored = hub.backfill(shop, start, on_progress=advance)
    finally:
        hub.close()
    when = f" since {start.date()}" if start else ""
    stdout.print(f"backfill of {shop}{when}: {stored} order(s) stored")


@contextmanager
def backfill_progress() -> Iterator[Callable[[int], None]]:
    """Show a live progress line; yield the callback taking the count so far."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]backfill[/bold] {task.completed} orders stored"),
        TimeElapsedColumn(),
        console=stdout,
    ) as progress:
        task = progress.add_task("backfill", total=None)
        yield lambda count: progress.update(task, completed=count)
