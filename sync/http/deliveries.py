"""Turn one verified Shopify webhook into an inbox delivery: event id, key, version.

Only what the inbox needs is read from the body here (the order's GID and
`updated_at`); the worker parses the whole order later. A body that is signed but
cannot be read is still stored, parked with the reason, so the operator can replay it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from connectors.shopify.parse import loads
from o2c.errors import PayloadError
from sync.inbox import Delivery, order_key
from sync.intake import ORDER_TOPICS
from sync.store.models import InboxStatus

SOURCE = "shopify"
ORDER_GID_PREFIX = "gid://shopify/Order/"
# Request headers kept with the raw body (what Shopify support asks for).
KEPT_HEADER_PREFIX = "x-shopify-"


def delivery_from_webhook(
    shop: str, headers: Mapping[str, str], body: bytes
) -> Delivery:
    """Return the inbox delivery for a verified webhook of shop `shop` (its name).

    Never raises for a bad body: the delivery is then parked with the parse error,
    or marked ignored for a topic the hub does not act on.
    """
    kept = {
        name.lower(): value
        for name, value in headers.items()
        if name.lower().startswith(KEPT_HEADER_PREFIX)
    }
    # Column widths: a hostile header must not make the insert fail.
    topic = kept.get("x-shopify-topic", "").strip()[:128] or "unknown"
    key: str | None = None
    version: datetime | None = None
    status, error = InboxStatus.PENDING, None
    try:
        gid, version = _order_reference(topic, body)
    except PayloadError as exc:
        status, error = InboxStatus.PARKED, f"{topic}: {exc}"
    else:
        if gid is None:
            status, error = InboxStatus.IGNORED, f"topic {topic!r} is not acted on"
        else:
            key = order_key(shop, gid)
    return Delivery(
        source=SOURCE,
        account=shop,
        topic=topic,
        event_id=event_id(kept, topic, body),
        key=key,
        body=body,
        headers=kept,
        version=version,
        status=status,
        error=error,
    )


def event_id(headers: Mapping[str, str], topic: str, body: bytes) -> str:
    """Return the sender's id of this delivery, the inbox's duplicate key.

    `headers` has lower-case names.

    Shopify repeats `X-Shopify-Webhook-Id` on every retry of one delivery;
    `X-Shopify-Event-Id` is the fallback. Without either, the topic and a digest of
    the body stand in, so an identical resend is still absorbed.
    """
    for name in ("x-shopify-webhook-id", "x-shopify-event-id"):
        value = headers.get(name, "").strip()
        if value:
            return value[:255]
    digest = hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()
    return f"sha256:{digest}"


def _order_reference(topic: str, body: bytes) -> tuple[str | None, datetime | None]:
    """Return the GID of the order the body concerns and its version, if any.

    Topics that order intake does not act on give None: they are kept, ignored.
    Raises PayloadError when the body cannot be read or lacks the order's id.
    """
    if topic not in ORDER_TOPICS:
        return None, None
    payload = _load(body)
    if topic.startswith("orders/"):
        return _order_gid(payload), _version(payload)
    # A topic about a part of an order (a refund, a transaction) names it.
    return _gid_from_id(payload.get("order_id"), "order_id"), None


def _load(body: bytes) -> dict[str, Any]:
    try:
        # orjson reads a body ten times faster; what it refuses (lone surrogates,
        # ...) the project's exact decoder decides on.
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = _load_exactly(body)
    else:
        # orjson turns integers past 64 bits into floats: ids must stay exact.
        if isinstance(payload, dict) and any(
            isinstance(payload.get(name), float) for name in ("id", "order_id")
        ):
            payload = _load_exactly(body)
    if not isinstance(payload, dict):
        raise PayloadError(f"body is a JSON {type(payload).__name__}, not an object")
    return payload


def _load_exactly(body: bytes) -> Any:
    try:
        return loads(body)
    except (ValueError, RecursionError) as exc:
        # `loads` promises PayloadError; a decoder corner case must still park.
        raise PayloadError(f"body is not JSON: {exc.__class__.__name__}") from exc


def _order_gid(payload: dict[str, Any]) -> str:
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid.startswith(ORDER_GID_PREFIX):
        return gid
    if gid is not None:
        raise PayloadError("not an order GID", where="admin_graphql_api_id")
    return _gid_from_id(payload.get("id"), "id")


def _gid_from_id(value: Any, where: str) -> str:
    # Ids are integers above 2**53; both decoders keep them exact as int.
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{ORDER_GID_PREFIX}{value}"
    if isinstance(value, str) and value.isdigit():
        return f"{ORDER_GID_PREFIX}{value}"
    raise PayloadError("missing or not a positive integer id", where=where)


def _version(payload: dict[str, Any]) -> datetime | None:
    value = payload.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None
