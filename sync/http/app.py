"""The hub's HTTP application: webhooks, admin API, health, readiness and metrics.

`create_app` builds it from explicit parts (settings, engine, a queueing function and
readiness probes) so tests and the benchmark run the same code as production;
`app_for_hub` wires those parts from a running `Hub`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from config.settings import Settings
from sync import metrics
from sync.http.admin import admin_router
from sync.http.stripe import stripe_router
from sync.http.webhooks import (
    Intake,
    ShopifyEndpoint,
    shopify_router,
    webhook_path_shop,
)
from sync.store.db import ping

if TYPE_CHECKING:
    from sync.runtime import Hub

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0
Probe = Callable[[], object]
RouterSource = APIRouter | Callable[[Intake], APIRouter]


def create_app(
    settings: Settings,
    *,
    engine: Engine,
    enqueue: Callable[[str], object],
    probes: Mapping[str, Probe] | None = None,
    routers: Sequence[RouterSource] = (),
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FastAPI:
    """Return the FastAPI application serving the hub's HTTP endpoints.

    `probes` are the readiness checks (name -> callable that raises when the
    system is unusable); the store is always checked. `routers` are mounted:
    a router as given, a factory (`stripe_router`) called with the shared `Intake`.
    """
    intake = Intake(settings=settings, engine=engine, enqueue=enqueue, now=now)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Requests in flight are answered by now; store and queue what they left.
        await run_in_threadpool(intake.writer.close)

    shopify = ShopifyEndpoint(intake)
    app = HubApp(
        shopify,
        title="o2c-hub",
        summary="Order-to-cash hub: webhooks, health and metrics.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.intake = intake
    app.include_router(shopify_router(shopify))
    app.include_router(admin_router(intake))
    for router in routers:
        app.include_router(router if isinstance(router, APIRouter) else router(intake))
    checks: dict[str, Probe] = {"store": lambda: ping(engine), **(probes or {})}
    app.include_router(_health_router(engine, checks))
    return app


class HubApp(FastAPI):
    """The hub's FastAPI application, Shopify webhooks answered before its stack.

    A webhook POST is the one request that comes in bulk: it goes straight to the
    bare ASGI endpoint, skipping middleware, routing and dependency resolution
    (a few hundred microseconds each time). Every other request, and the
    documentation of the webhook routes, is FastAPI's as usual.
    """

    def __init__(self, shopify: ShopifyEndpoint, **options: Any) -> None:
        super().__init__(**options)
        self.shopify = shopify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            shop = webhook_path_shop(scope["path"])
            if shop is not None:
                await self.shopify.serve(scope, receive, send, shop or None)
                return
        await super().__call__(scope, receive, send)


def app_for_hub(hub: Hub, *, routers: Sequence[RouterSource] = ()) -> FastAPI:
    """Return the application for a running hub: its store, queue and settings.

    The Stripe webhook route is served when `[stripe]` is configured.
    """
    if hub.settings.stripe is not None:
        routers = (*routers, stripe_router)
    return create_app(
        hub.settings,
        engine=hub.engine,
        enqueue=hub.enqueue,
        probes={"queue": hub.huey.pending_count},
        routers=routers,
    )


def _health_router(engine: Engine, checks: Mapping[str, Probe]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="The store and the queue are reachable")
    async def readyz() -> Response:
        results = {name: await _probe(name, check) for name, check in checks.items()}
        ready = all(result == "ok" for result in results.values())
        body = {"status": "ready" if ready else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def prometheus() -> Response:
        await run_in_threadpool(metrics.refresh_store_gauges, engine)
        payload, content_type = metrics.exposition()
        return Response(payload, media_type=content_type)

    return router


async def _probe(name: str, check: Probe) -> str:
    """Run one readiness check off the event loop; return "ok" or what failed."""
    try:
        with anyio.fail_after(PROBE_TIMEOUT_SECONDS):
            # Abandoned, not awaited, when it hangs (a Redis behind a dead network).
            await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
    except TimeoutError:
        logger.warning("readiness: %s did not answer in time", name)
        return f"timeout after {PROBE_TIMEOUT_SECONDS:g} s"
    except Exception as exc:
        # A probe may fail in any library (driver, Redis, Huey): report, not raise.
        logger.warning("readiness: %s failed: %s", name, exc.__class__.__name__)
        return f"failed: {exc.__class__.__name__}"
    return "ok"
