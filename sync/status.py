"""The hub at a glance: orders per state, inbox backlog, dead letters, polls, and the
money that came in (Stripe objects and its catch-up, bank statement files)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from config.settings import Settings
from sync.inbox import utcnow
from sync.outbox import count_dead_commands, invoicing_status
from sync.store.db import reading
from sync.store.models import InboxEvent, InboxStatus, OrderRecord, PollCursor
from sync.store.models_bank import (
    BankStatementImport,
    BankStatementLineRecord,
    BankStatementRecord,
    ImportStatus,
)
from sync.store.models_stripe import (
    EVENTS_STREAM,
    SOURCE,
    StripeKind,
    StripeObjectRecord,
)


def hub_status(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> dict[str, Any]:
    """Return the status as JSON-ready values (counts, ISO 8601 timestamps).

    Keys: `orders` (count per state), `inbox` (count per status, `due` pending rows
    that may run now, `oldest_pending_at`), `dead_letters`, `polls` (one entry per
    configured shop: cursor, last run, last success, last error), `invoices` and
    `credit_notes` (posted, pending, dead; invoices also held and
    total_mismatches), `dead_commands` (outbox commands given up on), `stripe`
    (None unless configured: its catch-up like a poll, and the payments, refunds,
    disputes and payouts stored, with how many payouts were broken down) and
    `statements` (files imported and failed, statements and lines stored).
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
        stripe = _stripe(conn) if settings.stripe is not None else None
        statements = _statements(conn)
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
        "stripe": stripe,
        "statements": statements,
    }


def _counts(conn: Any, column: Any) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column))
    return {str(value): int(count) for value, count in rows}


def _poll(shop: str, row: Any) -> dict[str, Any]:
    return {"shop": shop, **_run(row)}


def _run(row: Any) -> dict[str, Any]:
    return {
        "cursor": row.cursor if row else None,
        "last_run_at": _iso(row.last_run_at) if row else None,
        "last_success_at": _iso(row.last_success_at) if row else None,
        "last_error": row.last_error if row else None,
    }


def _stripe(conn: Any) -> dict[str, Any]:
    cursor = conn.execute(
        select(PollCursor).where(
            PollCursor.source == SOURCE, PollCursor.stream == EVENTS_STREAM
        )
    ).first()
    kinds = _counts(conn, StripeObjectRecord.kind)
    broken_down = conn.execute(
        select(func.count()).where(
            StripeObjectRecord.kind == StripeKind.PAYOUT,
            StripeObjectRecord.note.is_(None),
        )
    ).scalar_one()
    return {
        "catch_up": _run(cursor),
        **{f"{kind}s": kinds.get(kind, 0) for kind in StripeKind.ALL},
        "payouts_broken_down": int(broken_down),
    }


def _statements(conn: Any) -> dict[str, int]:
    files = _counts(conn, BankStatementImport.status)
    statements = conn.execute(select(func.count(BankStatementRecord.id))).scalar_one()
    lines = conn.execute(select(func.count(BankStatementLineRecord.id))).scalar_one()
    return {
        "files_imported": files.get(ImportStatus.IMPORTED, 0),
        "files_failed": files.get(ImportStatus.FAILED, 0),
        "statements": int(statements),
        "lines": int(lines),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
