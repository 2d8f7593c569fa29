"""`POST /webhooks/shopify[/{shop}]`: verify, store in the inbox, answer at once.

The order of checks matters: the shop first (its secret is needed), then the body
size (read with a limit, never all of it), then the signature on the raw bytes;
only a verified body is stored. The answer waits for the durable insert (group
committed by `InboxWriter`), not for processing: the key is queued after the commit,
and if queueing fails the periodic sweep finds the row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings, ShopSettings
from connectors.shopify.webhooks import verify_hmac
from sync import metrics
from sync.http.deliveries import SOURCE, delivery_from_webhook
from sync.http.writer import InboxWriter
from sync.inbox import Delivery
from sync.metrics import Outcome
from sync.store.models import InboxStatus

logger = logging.getLogger(__name__)

SHOP_HEADER = "x-shopify-shop-domain"
HMAC_HEADER = "x-shopify-hmac-sha256"


class BodyTooLargeError(Exception):
    """The request body is larger than `[server] max_body_bytes`."""


@dataclass(frozen=True)
class Intake:
    """What webhook endpoints need from the running hub (Shopify's, Stripe's).

    `writer` group-commits Shopify deliveries on the store and queues their keys.
    """

    settings: Settings
    engine: Engine
    enqueue: Callable[[str], object]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    writer: InboxWriter = field(init=False)

    def __post_init__(self) -> None:
        writer = InboxWriter(self.engine, self.enqueue, source=SOURCE)
        object.__setattr__(self, "writer", writer)


def shopify_router(intake: Intake) -> APIRouter:
    """Return the router serving Shopify webhooks for the shops in the settings."""
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/shopify", summary="Receive a Shopify webhook")
    async def by_header(request: Request) -> Response:
        return await _receive(intake, request, None)

    @router.post("/webhooks/shopify/{shop}", summary="Receive a Shopify webhook")
    async def by_path(request: Request, shop: str) -> Response:
        return await _receive(intake, request, shop)

    return router


async def _receive(intake: Intake, request: Request, path_shop: str | None) -> Response:
    started = time.perf_counter()
    outcome, response = await _handle(intake, request, path_shop)
    metrics.WEBHOOK_DELIVERIES.labels(source=SOURCE, outcome=outcome).inc()
    metrics.WEBHOOK_SECONDS.labels(source=SOURCE).observe(time.perf_counter() - started)
    return response


async def _handle(
    intake: Intake, request: Request, path_shop: str | None
) -> tuple[str, Response]:
    # The shop decides which secret signs the body, so it comes first.
    shop = _identify(intake.settings, request, path_shop)
    if isinstance(shop, tuple):
        return shop

    try:
        body = await read_limited(request, intake.settings.server.max_body_bytes)
    except BodyTooLargeError:
        logger.warning("webhook for shop %s refused: body too large", shop.name)
        return Outcome.TOO_LARGE, _error(413, "body too large")

    # Verified on the raw bytes, before anything is parsed or stored.
    secrets = shop.webhook_secrets(intake.now())
    if not verify_hmac(body, request.headers.get(HMAC_HEADER), secrets):
        logger.warning("webhook for shop %s refused: bad signature", shop.name)
        return Outcome.BAD_SIGNATURE, _error(401, "invalid or missing signature")

    delivery = delivery_from_webhook(shop.name, request.headers, body)
    try:
        new = await asyncio.wrap_future(intake.writer.submit(delivery))
    except (SQLAlchemyError, ValueError) as exc:
        # Not stored: a non-2xx answer makes Shopify deliver it again later.
        logger.error("webhook for shop %s not stored: %s", shop.name, exc)
        return Outcome.ERROR, _error(503, "store unavailable, retry later")
    outcome = _outcome(delivery, new=new)
    return outcome, JSONResponse({"status": outcome, "event_id": delivery.event_id})


def _identify(
    settings: Settings, request: Request, path_shop: str | None
) -> ShopSettings | tuple[str, Response]:
    """Return the shop the request is for, or the outcome and answer to give."""
    header = request.headers.get(SHOP_HEADER, "").strip().lower()
    shop = _shop_named(settings, path_shop) if path_shop else None
    if path_shop is None and not header:
        message = f"missing {SHOP_HEADER} header"
        return Outcome.BAD_REQUEST, _error(400, message)
    if path_shop is None:
        shop = settings.shop_by_domain(header)
    if shop is None:
        return Outcome.UNKNOWN_SHOP, _error(404, "unknown shop")
    # Both forms name one shop: a path that disagrees with the header is refused.
    if header and header != shop.domain:
        message = f"{SHOP_HEADER} does not match the shop in the path"
        return Outcome.BAD_REQUEST, _error(400, message)
    return shop


def _shop_named(settings: Settings, ident: str) -> ShopSettings | None:
    """The path names a shop by its configured name or by its domain."""
    for shop in settings.shops:
        if ident == shop.name:
            return shop
    return settings.shop_by_domain(ident)


async def read_limited(request: Request, limit: int) -> bytes:
    """Return the request body; raises BodyTooLargeError past `limit` bytes.

    A declared Content-Length over the limit is refused before reading; otherwise
    the stream is read chunk by chunk and abandoned as soon as it exceeds the limit.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _outcome(delivery: Delivery, *, new: bool) -> str:
    if not new:
        return Outcome.DUPLICATE
    if delivery.status == InboxStatus.PARKED:
        logger.warning(
            "webhook %s parked: %s",
            delivery.event_id,
            delivery.error,
            extra={"shop": delivery.account, "topic": delivery.topic},
        )
        return Outcome.PARKED
    if delivery.status == InboxStatus.IGNORED:
        return Outcome.IGNORED
    return Outcome.ACCEPTED


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
