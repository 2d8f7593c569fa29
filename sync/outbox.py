"""The command outbox seen from outside: counts, dead commands, retries, summaries.

Dead commands are the outbox's dead letters: a command that failed `max_attempts`
times, or at once for a permanent cause (an unmapped key, an expired API key, a
locked period, a total the ERP got different). Each keeps its payload and its
last error; `retry_commands` sends them back to pending for the executor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from sync.store.db import dialect_insert
from sync.store.models import Command, CommandStatus, OrderRecord

logger = logging.getLogger(__name__)

INVOICE = "CreateInvoice"
CREDIT_NOTE = "CreateCreditNote"


def put_command(
    conn: Connection,
    *,
    key: str,
    kind: str,
    idempotency_key: str,
    payload: str,
    now: datetime,
) -> bool:
    """Add one command to the outbox on an open transaction; True when it is new.

    A command whose idempotency key is already there is skipped by the database
    (a unique index), never by a check-then-insert.
    """
    stmt = dialect_insert(conn, Command).values(
        key=key,
        kind=kind,
        idempotency_key=idempotency_key,
        payload=payload,
        status=CommandStatus.PENDING,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    inserted = conn.execute(
        stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    return bool(inserted.rowcount)


def has_command(conn: Connection, idempotency_key: str) -> bool:
    """True when a command with this idempotency key is in the outbox, whatever
    its status (pending, done or dead), on an open connection."""
    found = conn.execute(
        select(Command.id).where(Command.idempotency_key == idempotency_key)
    ).first()
    return found is not None


@dataclass(frozen=True)
class DeadCommand:
    """One command waiting for an operator."""

    id: int
    kind: str
    key: str
    idempotency_key: str
    attempts: int
    last_error: str | None
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return the command as JSON-ready values (timestamp in ISO 8601)."""
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat()
        return data


def list_dead_commands(engine: Engine, *, limit: int = 500) -> list[DeadCommand]:
    """Return dead commands, oldest first."""
    columns = [getattr(Command, name) for name in DeadCommand.__dataclass_fields__]
    query = (
        select(*columns)
        .where(Command.status == CommandStatus.DEAD)
        .order_by(Command.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [DeadCommand(**row._asdict()) for row in conn.execute(query)]


def count_dead_commands(engine: Engine) -> int:
    """Return how many commands are dead."""
    query = select(func.count()).where(Command.status == CommandStatus.DEAD)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def retry_commands(engine: Engine, command_id: int | None = None) -> int:
    """Send one dead command (or all with None) back to pending; return how many."""
    condition = Command.status == CommandStatus.DEAD
    if command_id is not None:
        condition = condition & (Command.id == command_id)
    with engine.begin() as conn:
        count = conn.execute(
            update(Command)
            .where(condition)
            .values(status=CommandStatus.PENDING, attempts=0, next_attempt_at=None)
        ).rowcount
    if count:
        logger.info("%d dead command(s) sent back to pending", count)
    return int(count)


def command_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Return the number of commands per kind and status."""
    query = select(Command.kind, Command.status, func.count()).group_by(
        Command.kind, Command.status
    )
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for kind, status, count in conn.execute(query):
            counts.setdefault(kind, {})[status] = int(count)
    return counts


def invoicing_status(engine: Engine) -> dict[str, Any]:
    """Return the invoice and credit note counts for `status --json`.

    `invoices` and `credit_notes`: `posted`, `pending`, `dead`; `invoices.held`:
    orders on hold; `invoices.total_mismatches`: documents whose ERP total differed.
    """
    counts = command_counts(engine)
    with engine.connect() as conn:
        held = conn.execute(
            select(func.count()).where(OrderRecord.state == "on_hold")
        ).scalar_one()
        mismatches = conn.execute(
            select(func.count()).where(
                Command.kind.in_((INVOICE, CREDIT_NOTE)),
                Command.status == CommandStatus.DEAD,
                Command.last_error.like("total_mismatch%"),
            )
        ).scalar_one()
    return {
        "invoices": {
            **_document_counts(counts.get(INVOICE, {})),
            "held": int(held),
            "total_mismatches": int(mismatches),
        },
        "credit_notes": _document_counts(counts.get(CREDIT_NOTE, {})),
    }


def demo_summary(engine: Engine, *, erp_calls: int) -> dict[str, int]:
    """Return the `demo --json` keys of invoicing: posted, held, mismatches, calls."""
    status = invoicing_status(engine)
    return {
        "invoices.posted": status["invoices"]["posted"],
        "invoices.held": status["invoices"]["held"],
        "invoices.total_mismatches": status["invoices"]["total_mismatches"],
        "credit_notes.posted": status["credit_notes"]["posted"],
        "erp.calls": erp_calls,
    }


def command_result(engine: Engine, idempotency_key: str) -> dict[str, Any] | None:
    """Return what the ERP answered for a done command (its ids), or None."""
    with engine.connect() as conn:
        text = conn.execute(
            select(Command.result).where(Command.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
    return json.loads(text) if text else None


def _document_counts(by_status: dict[str, int]) -> dict[str, int]:
    return {
        "posted": by_status.get(CommandStatus.DONE, 0),
        "pending": by_status.get(CommandStatus.PENDING, 0),
        "dead": by_status.get(CommandStatus.DEAD, 0),
    }
