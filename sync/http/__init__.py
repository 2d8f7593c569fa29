"""The hub's HTTP side: the FastAPI application and the uvicorn server around it."""

from __future__ import annotations

from sync.http.app import app_for_hub, create_app
from sync.http.server import ServerThread

__all__ = ["ServerThread", "app_for_hub", "create_app"]
