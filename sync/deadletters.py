"""Dead letters: inbox rows the hub gave up on or parked, listed and sent back.

A row is `dead` after `max_attempts` failures and `parked` when its body could not be
read; both keep the raw body and the last error. Retrying puts a row back to pending
with its attempts reset; the caller enqueues its key (or the next sweep does).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from sync.store.db import reading
from sync.store.models import InboxEvent, InboxStatus

logger = logging.getLogger(__name__)

RETRYABLE = (InboxStatus.DEAD, InboxStatus.PARKED)


@dataclass(frozen=True)
class DeadLetter:
    """One inbox row waiting for an operator."""

    id: int
    source: str
    account: str
    topic: str
    event_id: str
    key: str | None
    status: str
    attempts: int
    last_error: str | None
    received_at: datetime
    processed_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """Return the letter as JSON-ready values (timestamps in ISO 8601)."""
        data = asdict(self)
        for name in ("received_at", "processed_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


def list_dead_letters(
    engine: Engine,
    *,
    statuses: Sequence[str] = RETRYABLE,
    limit: int = 500,
) -> list[DeadLetter]:
    """Return dead and parked inbox rows, oldest first."""
    columns = [getattr(InboxEvent, name) for name in DeadLetter.__dataclass_fields__]
    query = (
        select(*columns)
        .where(InboxEvent.status.in_(statuses))
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    with reading(engine) as conn:
        return [DeadLetter(**row._asdict()) for row in conn.execute(query)]


def retry(engine: Engine, letter_id: int) -> bool:
    """Send one dead or parked row back to pending; return False if there was none."""
    return _reset(engine, InboxEvent.id == letter_id) == 1


def retry_all(engine: Engine) -> int:
    """Send every dead and parked row back to pending; return how many."""
    return _reset(engine, InboxEvent.id.is_not(None))


def _reset(engine: Engine, condition: Any) -> int:
    with engine.begin() as conn:
        count = conn.execute(
            update(InboxEvent)
            .where(condition, InboxEvent.status.in_(RETRYABLE))
            .values(status=InboxStatus.PENDING, attempts=0, next_attempt_at=None)
        ).rowcount
    if count:
        logger.info("%d dead letter(s) sent back to pending", count)
    return count
