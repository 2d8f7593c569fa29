"""`POST /webhooks/shopify[/{shop}]`: verify, store in the inbox, answer at once.

The order of checks matters: the shop first (its secret is needed), then the body
size (read with a limit, never all of it), then the signature on the raw bytes;
only a verified body is stored. The answer waits for the durable insert (group
committed by `InboxWriter`), not for processing: the key is queued after the commit,
and if queueing fails the periodic sweep finds the row.

This is the one request that comes in bulk, so it is served by a bare ASGI
callable (`ShopifyEndpoint`) that `HubApp` calls before FastAPI's middleware,
routing and dependency work; the FastAPI routes document it and forward to it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, Request, Response
from prometheus_client import Counter
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from config.settings import Settings, ShopSettings
from connectors.shopify.webhooks import verify_hmac
from sync import metrics
from sync.http.deliveries import KEPT_HEADER_PREFIX, SOURCE, delivery_from_webhook
from sync.http.writer import InboxWriter
from sync.inbox import Delivery
from sync.metrics import Outcome
from sync.store.models import InboxStatus

logger = logging.getLogger(__name__)

SHOP_HEADER = "x-shopify-shop-domain"
HMAC_HEADER = "x-shopify-hmac-sha256"
SHOPIFY_PATH = "/webhooks/shopify"
_BAD_SIGNATURE = "invalid or missing signature"


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


class ShopifyEndpoint:
    """`POST /webhooks/shopify[/{shop}]` as a bare ASGI callable.

    The hot path of the hub: it reads the scope's headers and the body messages
    itself and answers with two messages, with no framework work per request.
    `HubApp` calls `serve` before FastAPI's stack; the documented FastAPI routes
    of `shopify_router` forward to the same code.
    """

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        # Children resolved once: `labels()` takes a lock and builds a key per call.
        self._seconds = metrics.WEBHOOK_SECONDS.labels(source=SOURCE)
        self._counts: dict[str, Counter] = {}

    async def serve(
        self, scope: Scope, receive: Receive, send: Send, path_shop: str | None
    ) -> None:
        """Answer one webhook request; `path_shop` is the path's shop, if any."""
        started = time.perf_counter()
        try:
            outcome, status, answer = await self._handle(scope, receive, path_shop)
        except ClientDisconnect:
            # Nothing stored and nobody to answer: Shopify sends it again.
            logger.warning("webhook abandoned by the client before its body arrived")
            return
        self._seconds.observe(time.perf_counter() - started)
        self._count(outcome)
        await send_json(send, status, answer)

    def _count(self, outcome: str) -> None:
        counter = self._counts.get(outcome)
        if counter is None:
            counter = metrics.WEBHOOK_DELIVERIES.labels(source=SOURCE, outcome=outcome)
            self._counts[outcome] = counter
        counter.inc()

    async def _handle(
        self, scope: Scope, receive: Receive, path_shop: str | None
    ) -> tuple[str, int, dict[str, str]]:
        intake = self.intake
        headers = RequestHeaders(scope)
        # The shop decides which secret signs the body, so it comes first.
        shop = _identify(intake.settings, headers, path_shop)
        if isinstance(shop, tuple):
            return shop

        limit = intake.settings.server.max_body_bytes
        try:
            body = await read_body(receive, headers.get("content-length"), limit)
        except BodyTooLargeError:
            logger.warning("webhook for shop %s refused: body too large", shop.name)
            return Outcome.TOO_LARGE, 413, {"error": "body too large"}

        # Verified on the raw bytes, before anything is parsed or stored.
        secrets = shop.webhook_secrets(intake.now())
        if not verify_hmac(body, headers.get(HMAC_HEADER), secrets):
            logger.warning("webhook for shop %s refused: bad signature", shop.name)
            return Outcome.BAD_SIGNATURE, 401, {"error": _BAD_SIGNATURE}

        delivery = delivery_from_webhook(shop.name, headers.shopify, body)
        try:
            new = await intake.writer.store(delivery)
        except (SQLAlchemyError, ValueError) as exc:
            # Not stored: a non-2xx answer makes Shopify deliver it again later.
            logger.error("webhook for shop %s not stored: %s", shop.name, exc)
            return Outcome.ERROR, 503, {"error": "store unavailable, retry later"}
        outcome = _outcome(delivery, new=new)
        return outcome, 200, {"status": outcome, "event_id": delivery.event_id}


class RequestHeaders:
    """The request headers the endpoint reads, decoded once from the ASGI scope.

    Lookups give the first value of a repeated header (as Starlette does);
    `shopify` holds every `X-Shopify-*` header, the last value of a repeated one.
    """

    def __init__(self, scope: Scope) -> None:
        self._first: dict[str, str] = {}
        self.shopify: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            # ASGI servers give lower-case names; latin-1 is HTTP's byte mapping.
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            self._first.setdefault(name, value)
            if name.startswith(KEPT_HEADER_PREFIX):
                self.shopify[name] = value

    def get(self, name: str, default: str = "") -> str:
        """Return the first value of header `name` (lower case), or `default`."""
        return self._first.get(name, default)


def shopify_router(endpoint: ShopifyEndpoint) -> APIRouter:
    """Return the documented routes of the Shopify webhooks, served by `endpoint`.

    In the hub's application `HubApp` answers these paths before routing; an
    application built otherwise is served through these routes, by the same code.
    """
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/shopify", summary="Receive a Shopify webhook")
    async def by_header() -> Response:
        return _Forwarded(endpoint, None)

    @router.post("/webhooks/shopify/{shop}", summary="Receive a Shopify webhook")
    async def by_path(shop: str) -> Response:
        return _Forwarded(endpoint, shop)

    return router


class _Forwarded(Response):
    """A response that lets the endpoint read the request and answer it itself."""

    def __init__(self, endpoint: ShopifyEndpoint, path_shop: str | None) -> None:
        super().__init__()
        self._endpoint = endpoint
        self._path_shop = path_shop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._endpoint.serve(scope, receive, send, self._path_shop)


def webhook_path_shop(path: str) -> str | None:
    """Return the shop named by a webhook path: "" for `/webhooks/shopify` (the
    header names it), the shop for `/webhooks/shopify/{shop}`, None for a path
    that is not a Shopify webhook's."""
    if not path.startswith(SHOPIFY_PATH):
        return None
    rest = path[len(SHOPIFY_PATH) :]
    if not rest:
        return ""
    shop = rest[1:]
    if rest[0] != "/" or not shop or "/" in shop:
        return None
    return shop


def _identify(
    settings: Settings, headers: RequestHeaders, path_shop: str | None
) -> ShopSettings | tuple[str, int, dict[str, str]]:
    """Return the shop the request is for, or the outcome and answer to give."""
    header = headers.get(SHOP_HEADER).strip().lower()
    shop = _shop_named(settings, path_shop) if path_shop else None
    if path_shop is None and not header:
        return Outcome.BAD_REQUEST, 400, {"error": f"missing {SHOP_HEADER} header"}
    if path_shop is None:
        shop = settings.shop_by_domain(header)
    if shop is None:
        return Outcome.UNKNOWN_SHOP, 404, {"error": "unknown shop"}
    # Both forms name one shop: a path that disagrees with the header is refused.
    if header and header != shop.domain:
        message = f"{SHOP_HEADER} does not match the shop in the path"
        return Outcome.BAD_REQUEST, 400, {"error": message}
    return shop


def _shop_named(settings: Settings, ident: str) -> ShopSettings | None:
    """The path names a shop by its configured name or by its domain."""
    for shop in settings.shops:
        if ident == shop.name:
            return shop
    return settings.shop_by_domain(ident)


async def read_limited(request: Request, limit: int) -> bytes:
    """Return the request body; raises BodyTooLargeError past `limit` bytes.

    Raises starlette's ClientDisconnect when the client goes away first.
    """
    declared = request.headers.get("content-length", "")
    return await read_body(request.receive, declared, limit)


async def read_body(receive: Receive, declared: str, limit: int) -> bytes:
    """Return the body of the request whose messages `receive` gives.

    A declared Content-Length over `limit` is refused before reading
    (BodyTooLargeError); otherwise the messages are read one by one and abandoned
    as soon as they exceed the limit. Raises ClientDisconnect when the client
    goes away first.
    """
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def send_json(send: Send, status: int, answer: dict[str, str]) -> None:
    """Send a complete JSON response: the start message, then the body."""
    body = orjson.dumps(answer)
    headers = [
        (b"content-length", str(len(body)).encode("ascii")),
        (b"content-type", b"application/json"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
