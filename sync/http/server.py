"""Run the HTTP application on uvicorn in a background thread.

uvicorn installs no signal handlers outside the main thread, so the process that
owns the thread (the CLI's `run` and `serve`, the demo, tests) decides how to stop:
`stop()` lets the requests in flight finish. Port 0 picks a free port; `port` says
which one was bound.
"""

from __future__ import annotations

import logging
import threading
import time

import uvicorn
from fastapi import FastAPI

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0


def server_config(app: FastAPI, *, host: str, port: int) -> uvicorn.Config:
    """Return uvicorn's configuration for the hub: quiet access log, lifespan on."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=10,
        server_header=False,
    )


class ServerThread:
    """uvicorn serving an app in a daemon thread; `start()` waits until it listens."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0):
        self._server = uvicorn.Server(server_config(app, host=host, port=port))
        self._thread = threading.Thread(
            target=self._server.run, name="o2c-http", daemon=True
        )
        self.host = host

    @property
    def port(self) -> int:
        """The port actually bound (the one chosen by the system for port 0)."""
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        """Start serving; raises RuntimeError if the server does not come up."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"HTTP server did not start on {self.host}")
            time.sleep(0.01)
        logger.info("HTTP server listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Ask the server to finish its requests and stop; waits for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT_SECONDS + 5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
