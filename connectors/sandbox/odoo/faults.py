"""Fault injection and call counting for tests and benchmarks.

Faults are consumed in order by matching requests. A fault "after commit" lets
the call run and commit, then delays or drops the answer: the caller sees a
timeout or a reset connection although the record exists (the ambiguous write).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass
class Fault:
    """One planned fault for the next `remaining` matching calls."""

    kind: str  # "status", "delay" or "drop"
    remaining: int
    status: int = 503
    seconds: float = 0.0
    model: str | None = None
    method: str | None = None

    def matches(self, model: str | None, method: str | None) -> bool:
        """Return True when this fault applies to a call on model/method."""
        return (self.model is None or self.model == model) and (
            self.method is None or self.method == method
        )


class Faults:
    """The faults planned for the next calls (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: list[Fault] = []

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        model: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` matching calls with an HTTP `status`, unprocessed."""
        self._add(Fault("status", count, status=status, model=model, method=method))

    def delay_after_commit(
        self,
        seconds: float,
        count: int = 1,
        *,
        model: str | None = None,
        method: str | None = None,
    ) -> None:
        """Run and commit the next matching calls, then wait before answering."""
        self._add(Fault("delay", count, seconds=seconds, model=model, method=method))

    def drop_after_commit(
        self, count: int = 1, *, model: str | None = None, method: str | None = None
    ) -> None:
        """Run and commit the next matching calls, then close without answering."""
        self._add(Fault("drop", count, model=model, method=method))

    def clear(self) -> None:
        """Forget every planned fault."""
        with self._lock:
            self._planned.clear()

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._planned.append(fault)

    def take(self, model: str | None, method: str | None) -> Fault | None:
        """Return and consume the first fault matching this call, if any."""
        with self._lock:
            for fault in self._planned:
                if fault.remaining > 0 and fault.matches(model, method):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._planned.remove(fault)
                    return fault
        return None


class CallCounter:
    """How many calls each (model, method) received; services count as models."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, model: str, method: str) -> None:
        """Count one call."""
        with self._lock:
            self._counts[(model, method)] += 1

    def get(self, model: str, method: str | None = None) -> int:
        """Return the calls on `model` (and `method` when given)."""
        with self._lock:
            return sum(
                n
                for (m, meth), n in self._counts.items()
                if m == model and (method is None or meth == method)
            )

    def total(self) -> int:
        """Return every counted call."""
        with self._lock:
            return sum(self._counts.values())

    def snapshot(self) -> dict[tuple[str, str], int]:
        """Return a copy of the counts."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()
