"""The hub at a glance: orders per state, inbox backlog, dead letters, polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from config.settings import Settings
from sync.inbox import utcnow
from sync.outbox import count_dead_commands, invoicing_status
from sync.store.db import reading
from sync.store.models import InboxEvent, InboxStatus, OrderRecord, PollCursor


def hub_status(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """Return the status as JSON-ready values (counts, ISO 8601 timestamps).

    Keys: `orders` (count per state), `inbox` (count per status, `due` pending rows
    that may run now, `oldest_pending_at`), `dead_letters`, `polls` (one entry per
    configured shop: cursor, last run, last success, last error), `invoices` and
    `credit_notes` (posted, pending, dead; invoices also held and
    total_mismatches) and `dead_commands` (outbox commands given up on).
    """
    now = now or utcnow()
    with reading(engine) as conn:
        orders = _counts(conn, OrderRecord.state)
        inbox = _counts(conn, InboxEvent.status)
        pending = InboxEvent.status == InboxStatus.PENDING
        due = conn.execute(
            select(func.count()).where(
                pending,
                (InboxEvent.next_attempt_at.is_(None))
                | (InboxEvent.next_attempt_at <= now),
            )
        ).scalar_one()
        oldest = conn.execute(
            select(func.min(InboxEvent.received_at)).where(pending)
        ).scalar()
        cursors = {
            row.account: row
            for row in conn.execute(
                select(PollCursor).where(PollCursor.source == "shopify")
            )
        }
    return {
        "orders": {"total": sum(orders.values()), "by_state": orders},
        "inbox": {
            "by_status": {status: inbox.get(status, 0) for status in InboxStatus.ALL},
            "due": due,
            "oldest_pending_at": _iso(oldest),
        },
        "dead_letters": inbox.get(InboxStatus.DEAD, 0)
        + inbox.get(InboxStatus.PARKED, 0),
        "polls": [_poll(shop.name, cursors.get(shop.name)) for shop in settings.shops],
        **invoicing_status(engine),
        "dead_commands": count_dead_commands(engine),
    }


def _counts(conn: Any, column: Any) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column))
    return {str(value): int(count) for value, count in rows}


def _poll(shop: str, row: Any) -> dict[str, Any]:
    return {
        "shop": shop,
        "cursor": row.cursor if row else None,
        "last_run_at": _iso(row.last_run_at) if row else None,
        "last_success_at": _iso(row.last_success_at) if row else None,
        "last_error": row.last_error if row else None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
