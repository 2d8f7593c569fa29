"""`POST /webhooks/stripe`: verify the signature, store in the inbox, answer at once.

The body is read with the size limit, checked on its raw bytes against the signing
secret and the timestamp tolerance, and filed in the inbox unique on the event id.
Unknown event types are stored as ignored, with the reason; a verified body that is
not an event is parked with its bytes. The object's key is queued for the job after
the durable insert; if queueing fails the sweep finds the row later.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from connectors.stripe.webhooks import SIGNATURE_HEADER
from o2c.errors import SignatureError
from sync import metrics
from sync.http.webhooks import BodyTooLargeError, Intake, read_limited
from sync.metrics import Outcome
from sync.store.models import InboxStatus
from sync.stripe_intake import DEFAULT_ACCOUNT, SOURCE, Received, receive_webhook

logger = logging.getLogger(__name__)


def stripe_router(intake: Intake, *, account: str = DEFAULT_ACCOUNT) -> APIRouter:
    """Return the router serving Stripe webhooks for the configured account."""
    router = APIRouter(tags=["webhooks"])

    @router.post("/webhooks/stripe", summary="Receive a Stripe webhook")
    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        outcome, response = await _handle(intake, request, account)
        metrics.WEBHOOK_DELIVERIES.labels(source=SOURCE, outcome=outcome).inc()
        elapsed = time.perf_counter() - started
        metrics.WEBHOOK_SECONDS.labels(source=SOURCE).observe(elapsed)
        return response

    return router


async def _handle(
    intake: Intake, request: Request, account: str
) -> tuple[str, Response]:
    settings = intake.settings.stripe
    if settings is None:
        return Outcome.BAD_REQUEST, _error(404, "Stripe is not configured")
    try:
        body = await read_limited(request, intake.settings.server.max_body_bytes)
    except BodyTooLargeError:
        logger.warning("stripe webhook refused: body too large")
        return Outcome.TOO_LARGE, _error(413, "body too large")

    signature = request.headers.get(SIGNATURE_HEADER)
    try:
        received = await run_in_threadpool(
            receive_webhook,
            intake.engine,
            settings,
            body,
            signature,
            account=account,
            now=intake.now(),
        )
    except SignatureError as exc:
        logger.warning("stripe webhook refused: %s", exc)
        return Outcome.BAD_SIGNATURE, _error(401, str(exc))
    except SQLAlchemyError as exc:
        # Not stored: a non-2xx answer makes Stripe send it again later.
        logger.error("stripe webhook not stored: %s", exc)
        return Outcome.ERROR, _error(503, "store unavailable, retry later")
    outcome = _queue(intake, received)
    event_id = received.delivery.event_id
    return outcome, JSONResponse({"status": outcome, "event_id": event_id})


def _queue(intake: Intake, received: Received) -> str:
    """Queue the object's key when the delivery is new work; return the outcome."""
    delivery = received.delivery
    if not received.new:
        return Outcome.DUPLICATE
    if delivery.status == InboxStatus.PARKED:
        logger.warning("stripe webhook parked: %s", delivery.error)
        return Outcome.PARKED
    if delivery.status == InboxStatus.IGNORED or delivery.key is None:
        return Outcome.IGNORED
    try:
        intake.enqueue(delivery.key)
    except Exception as exc:
        # The row is durable: the sweep queues its key later.
        metrics.ENQUEUE_FAILURES.labels(source=SOURCE).inc()
        logger.warning("key %s stored, not queued: %s", delivery.key, exc)
    return Outcome.ACCEPTED


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
