"""Sandbox Stripe's webhook sender: signed deliveries, duplicates, any order.

The signature is built as Stripe documents it, independently of the hub's verifier:
`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, one v1 per
signing secret (several while a secret is rolled).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests


def stripe_signature(payload: bytes, secrets: Iterable[str], *, timestamp: int) -> str:
    """The `Stripe-Signature` header value for a body, one v1 per secret."""
    signed = f"{timestamp}.".encode() + payload
    parts = [f"t={timestamp}"]
    for secret in secrets:
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        parts.append(f"v1={digest}")
    return ",".join(parts)


class WebhookSender:
    """Posts events to a webhook URL the way Stripe does."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        max_attempts: int = 1,
        retry_delay: float = 0.0,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock
        self.session = session or requests.Session()
        # What `deliver_until_taken` does with an event the endpoint does not take.
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.sleep = sleep

    def deliver(
        self,
        event: dict[str, Any],
        *,
        timestamp: int | None = None,
        secrets: Iterable[str] | None = None,
    ) -> requests.Response:
        """Send one event; `timestamp` and `secrets` override the honest ones."""
        payload = json.dumps(event, separators=(",", ": "), indent=2).encode()
        return self.deliver_raw(payload, timestamp=timestamp, secrets=secrets)

    def deliver_until_taken(self, event: dict[str, Any]) -> bool:
        """Send one event until a 2xx answer or the attempts are spent, as Stripe
        retries (`retry_delay` apart, not Stripe's days-long schedule); a delivery
        that got no answer counts as a failed attempt. Return whether it was taken."""
        for attempt in range(self.max_attempts):
            if attempt and self.retry_delay:
                self.sleep(self.retry_delay)
            try:
                if self.deliver(event).ok:
                    return True
            except requests.RequestException:
                continue
        return False

    def deliver_raw(
        self,
        payload: bytes,
        *,
        timestamp: int | None = None,
        secrets: Iterable[str] | None = None,
    ) -> requests.Response:
        """Send a body as is, signed."""
        at = int(self.clock()) if timestamp is None else timestamp
        header = stripe_signature(
            payload, [self.secret] if secrets is None else secrets, timestamp=at
        )
        return self.session.post(
            self.url,
            data=payload,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
            timeout=10,
        )

    def deliver_all(
        self,
        events: list[dict[str, Any]],
        *,
        rng: random.Random | None = None,
        duplicates: float = 0.0,
    ) -> list[requests.Response]:
        """Send events shuffled (Stripe does not keep order), some more than once."""
        rng = rng or random.Random(0)
        queue = list(events)
        queue += [e for e in events if rng.random() < duplicates]
        rng.shuffle(queue)
        return [self.deliver(event) for event in queue]
