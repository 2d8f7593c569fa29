"""The sweep: find keys whose inbox rows still wait, so they can be enqueued again.

Webhook and poll jobs enqueue their keys at once; the sweep is for what fell between
the chairs: a worker killed mid-batch (its lease expires), a job lost with its queue,
a retry whose delayed job went missing, a dead letter sent back to pending. A key whose
lease is live is left alone: its holder is still at work on it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from sync.store.db import reading
from sync.store.models import Command, CommandStatus, InboxEvent, InboxStatus, Lease

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 10_000  # keys per sweep; the next sweep takes the rest


def due_keys(
    engine: Engine, *, now: datetime, grace: timedelta, limit: int = SWEEP_LIMIT
) -> list[str]:
    """Return keys with pending rows due for `grace` already and no live lease.

    The grace period leaves fresh rows to the job enqueued with them.
    """
    due_since = func.coalesce(InboxEvent.next_attempt_at, InboxEvent.received_at)
    leased = select(Lease.key).where(Lease.expires_at > now)
    query = (
        select(InboxEvent.key)
        .where(
            InboxEvent.status == InboxStatus.PENDING,
            InboxEvent.key.is_not(None),
            due_since <= now - grace,
            InboxEvent.key.not_in(leased),
        )
        .group_by(InboxEvent.key)
        .order_by(func.min(InboxEvent.id))
        .limit(limit)
    )
    with reading(engine) as conn:
        keys = [key for key in conn.execute(query).scalars() if key]
    if keys:
        logger.info("sweep found %d key(s) with undone work", len(keys))
    return keys


def due_commands(engine: Engine, *, now: datetime) -> int:
    """Return how many outbox commands wait to be run now (pending and due)."""
    query = select(func.count()).where(
        Command.status == CommandStatus.PENDING,
        func.coalesce(Command.next_attempt_at, Command.created_at) <= now,
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
