"""The hub's HTTP side: the FastAPI application and the uvicorn server around it.

The names below load on first use: the CLI reads `sync.http.views` (what the admin API
and `orders list --json` show) without paying for FastAPI and uvicorn.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.http.app import app_for_hub, create_app
    from sync.http.server import ServerThread

__all__ = ["ServerThread", "app_for_hub", "create_app"]

_HOMES = {
    "ServerThread": "sync.http.server",
    "app_for_hub": "sync.http.app",
    "create_app": "sync.http.app",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
