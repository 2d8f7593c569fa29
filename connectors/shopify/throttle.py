"""Shopify's GraphQL cost bucket, modelled on the client side to pace requests.

Every Admin GraphQL response reports `extensions.cost`: the query's
`requestedQueryCost` and a `throttleStatus` (`maximumAvailable`,
`currentlyAvailable`, `restoreRate` points per second). The bucket remembers the
last status and the requested cost of each operation, estimates how far the bucket
has refilled since, and says how long to wait so the next query fits instead of
coming back `THROTTLED`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ThrottleStatus:
    """One response's view of the bucket."""

    maximum: float
    available: float
    restore_rate: float

    @classmethod
    def from_extensions(
        cls, extensions: Mapping[str, Any] | None
    ) -> ThrottleStatus | None:
        """Read `extensions.cost.throttleStatus`; None when absent or malformed."""
        cost = (extensions or {}).get("cost")
        status = cost.get("throttleStatus") if isinstance(cost, dict) else None
        if not isinstance(status, dict):
            return None
        try:
            return cls(
                maximum=_number(status["maximumAvailable"]),
                available=_number(status["currentlyAvailable"]),
                restore_rate=_number(status["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def requested_cost(extensions: Mapping[str, Any] | None) -> float | None:
    """Read `extensions.cost.requestedQueryCost`; None when absent."""
    cost = (extensions or {}).get("cost")
    value = cost.get("requestedQueryCost") if isinstance(cost, dict) else None
    try:
        return _number(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"not a number: {value!r}")
    return float(value)  # points of a rate limit, not money


class CostBucket:
    """The client's estimate of one shop's bucket; safe to share between threads."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._status: ThrottleStatus | None = None
        self._seen_at = 0.0
        self._costs: dict[str, float] = {}

    def wait_before(self, operation: str) -> float:
        """Seconds to wait so `operation`'s last requested cost fits in the bucket.

        Zero until a response has shown the bucket and the operation's cost.
        """
        with self._lock:
            cost = self._costs.get(operation)
            if cost is None or self._status is None:
                return 0.0
            return self._wait_for(cost)

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` points are available (zero when they are now)."""
        with self._lock:
            return self._wait_for(cost) if self._status is not None else 0.0

    def observe(
        self,
        operation: str,
        status: ThrottleStatus | None,
        cost: float | None,
    ) -> None:
        """Record a response's throttle status and the operation's requested cost."""
        with self._lock:
            if cost is not None:
                self._costs[operation] = cost
            if status is not None:
                self._status = status
                self._seen_at = self._clock()

    def available(self) -> float | None:
        """The estimated points available now, or None before any response."""
        with self._lock:
            return self._estimate() if self._status is not None else None

    def _estimate(self) -> float:
        status = self._status
        assert status is not None
        refilled = status.available + status.restore_rate * (
            self._clock() - self._seen_at
        )
        return min(status.maximum, refilled)

    def _wait_for(self, cost: float) -> float:
        status = self._status
        assert status is not None
        # A query dearer than the whole bucket can never fit: wait for a full one.
        needed = min(cost, status.maximum) - self._estimate()
        if needed <= 0 or status.restore_rate <= 0:
            return 0.0
        return needed / status.restore_rate
