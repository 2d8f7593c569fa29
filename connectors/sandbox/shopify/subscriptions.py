"""Sandbox Shopify webhook subscriptions: `webhookSubscriptions` and
`webhookSubscriptionCreate` for one shop.

Like Shopify, a shop holds one subscription per topic and address: creating the same
pair again is refused with a user error ("Address for this topic has already been
taken"), and an address must be a URL. Unlike Shopify, which wants HTTPS (or a
Pub/Sub or EventBridge address), plain HTTP is accepted so that a hub on loopback can
subscribe. Subscriptions are kept only; the sandbox's webhook sender is told where to
deliver by its caller, not by them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

FIRST_ID = 1_340_000_000_001
TAKEN = "Address for this topic has already been taken"
INVALID = "Address is invalid"


@dataclass
class WebhookRegistry:
    """One shop's webhook subscriptions, oldest first; safe to share between threads."""

    clock: Any = lambda: datetime.now(UTC)
    _subscriptions: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = FIRST_ID
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def list(self, *, topics: list[str] | None = None) -> list[dict[str, Any]]:
        """Return the subscriptions (of `topics` when given), as GraphQL sources."""
        with self._lock:
            return [
                dict(s)
                for s in self._subscriptions
                if not topics or s["topic"] in topics
            ]

    def create(self, topic: str, given: dict[str, Any]) -> dict[str, Any]:
        """Return `webhookSubscriptionCreate`'s payload for `topic` and the input."""
        uri = given.get("uri") or ""
        if not _is_address(uri):
            return _refused(["webhookSubscription", "uri"], INVALID)
        with self._lock:
            if any(
                s["topic"] == topic and s["uri"] == uri for s in self._subscriptions
            ):
                return _refused(["webhookSubscription", "uri"], TAKEN)
            now = self.clock().isoformat()
            subscription = {
                "id": f"gid://shopify/WebhookSubscription/{self._next_id}",
                "topic": topic,
                "uri": uri,
                "format": given.get("format") or "JSON",
                "filter": given.get("filter"),
                "includeFields": list(given.get("includeFields") or []),
                "createdAt": now,
                "updatedAt": now,
            }
            self._next_id += 1
            self._subscriptions.append(subscription)
        return {"webhookSubscription": dict(subscription), "userErrors": []}


def _is_address(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def _refused(where: list[str], message: str) -> dict[str, Any]:
    return {
        "webhookSubscription": None,
        "userErrors": [{"field": where, "message": message}],
    }
