"""Leases: who works on a key, until when. A crashed holder blocks a key only briefly.

A lease is taken, renewed and released with single atomic statements on the `leases`
table: an upsert that succeeds only when the key is free, expired, or already ours.
The same table holds the scheduler's leader lease, so any number of processes can share
one database without a second coordination service.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from sync.inbox import utcnow
from sync.store.db import dialect_insert, reading
from sync.store.models import Lease

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """The current holder of a key's lease."""

    owner: str
    expires_at: datetime


def new_owner(role: str) -> str:
    """Return a lease owner name unique to this process: role, host, pid, random."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(
    engine: Engine,
    key: str,
    owner: str,
    *,
    seconds: float,
    now: datetime | None = None,
) -> bool:
    """Take or renew the lease on `key` for `seconds`; return True if `owner` holds it.

    Succeeds when no one holds the key, the holder's lease has expired, or `owner`
    already holds it (a renewal).
    """
    now = now or utcnow()
    with engine.begin() as conn:
        stmt = dialect_insert(conn, Lease).values(
            key=key, owner=owner, expires_at=now + timedelta(seconds=seconds)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at},
            where=(Lease.expires_at <= now) | (Lease.owner == owner),
        )
        taken = conn.execute(stmt).rowcount == 1
    if not taken:
        logger.debug("lease on %s is held by someone else", key)
    return taken


def release(engine: Engine, key: str, owner: str) -> bool:
    """Give the lease back; return False when `owner` no longer held it."""
    with engine.begin() as conn:
        result = conn.execute(
            delete(Lease).where(Lease.key == key, Lease.owner == owner)
        )
    return result.rowcount == 1


def holder(engine: Engine, key: str, *, now: datetime | None = None) -> Holder | None:
    """Return who holds a live lease on `key`, or None when it is free or expired."""
    now = now or utcnow()
    with reading(engine) as conn:
        row = conn.execute(
            select(Lease.owner, Lease.expires_at).where(
                Lease.key == key, Lease.expires_at > now
            )
        ).first()
    return Holder(row.owner, row.expires_at) if row else None
