"""The inbox writer's SQL: a batch of deliveries stored in as few statements as can be.

On SQLite a batch is one lookup of the keys already stored and one multi-row
`INSERT ... ON CONFLICT DO NOTHING`, written once per batch size and run with the
driver's parameters (`exec_driver_sql`, which still translates the driver's errors
into SQLAlchemy's). SQLAlchemy never caches the compiled form of an ON CONFLICT
insert, and compiling it cost more than storing the rows; and each statement hands
the GIL to the event loop and waits to get it back. On PostgreSQL a batch is one
`INSERT ... ON CONFLICT DO NOTHING RETURNING` built by SQLAlchemy: its round trip,
not its compilation, is what counts there.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import InvalidRequestError

from sync.inbox import Delivery, utcnow
from sync.store.db import dialect_insert
from sync.store.models import InboxEvent

SenderKey = tuple[str, str, str]
SENDER_KEY_COLUMNS = ("source", "account", "event_id")
# Well under SQLite's 32,766 bound parameters per statement (12 a row).
SQLITE_ROWS_PER_STATEMENT = 500


def prepare_connection(conn: Connection) -> None:
    """Make the commits of the writer's own connection durable on disk.

    The store runs SQLite with `synchronous=NORMAL`: in WAL mode a commit then
    survives the process dying but not the machine losing power. An inbox commit
    is what the 200 promises Shopify, so the writer's connection runs `FULL` (the
    WAL is synced at each commit): with group commit, one fsync per batch.
    PostgreSQL commits durably as configured (`synchronous_commit` on).
    """
    if conn.dialect.name != "sqlite":
        return
    # Set on the driver's connection: SQLite refuses it inside a transaction.
    cursor = conn.connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def insert_batch(conn: Connection, deliveries: list[Delivery]) -> list[bool]:
    """Insert deliveries in the connection's transaction; return, for each, whether
    it was new.

    The database absorbs a duplicate of a stored row (`ON CONFLICT DO NOTHING` on
    the sender's event id); a delivery repeated inside the batch is new only at
    its first place. Raises the store's error (SQLAlchemy's), or ValueError for a
    delivery that cannot be a row.
    """
    now = utcnow()
    rows: dict[SenderKey, dict[str, Any]] = {}
    for delivery in deliveries:
        key = (delivery.source, delivery.account, delivery.event_id)
        if key not in rows:
            rows[key] = delivery.row(now)
    if conn.dialect.name == "sqlite":
        stored = _insert_under_write_lock(conn, rows)
    else:
        stored = _insert_returning(conn, rows)
    seen: set[SenderKey] = set()
    news = []
    for delivery in deliveries:
        key = (delivery.source, delivery.account, delivery.event_id)
        news.append(key in stored and key not in seen)
        seen.add(key)
    return news


def _insert_returning(
    conn: Connection, rows: dict[SenderKey, dict[str, Any]]
) -> set[SenderKey]:
    """Insert every row in one statement; `RETURNING` names the rows that went in."""
    columns = [getattr(InboxEvent, name) for name in SENDER_KEY_COLUMNS]
    statement = (
        dialect_insert(conn, InboxEvent)
        .on_conflict_do_nothing(index_elements=list(SENDER_KEY_COLUMNS))
        .returning(*columns)
    )
    return {tuple(row) for row in conn.execute(statement, list(rows.values()))}


def _insert_under_write_lock(
    conn: Connection, rows: dict[SenderKey, dict[str, Any]]
) -> set[SenderKey]:
    """Look up the keys already stored, then insert the others in one statement.

    SQLite's write transaction (`BEGIN IMMEDIATE`) keeps every other writer out
    between the two, so the count inserted must be the count looked for; a
    mismatch raises instead of guessing which rows went in.
    """
    existing = _stored_keys(conn, list(rows))
    fresh = [row for key, row in rows.items() if key not in existing]
    for start in range(0, len(fresh), SQLITE_ROWS_PER_STATEMENT):
        chunk = fresh[start : start + SQLITE_ROWS_PER_STATEMENT]
        statement = _sqlite_insert(conn, tuple(chunk[0]))
        sql, parameters = statement.sql(len(chunk)), statement.parameters(chunk)
        inserted = conn.exec_driver_sql(sql, parameters).rowcount
        if inserted != len(chunk):
            raise InvalidRequestError(
                f"inbox insert stored {inserted} of {len(chunk)} new rows"
            )
    return {key for key in rows if key not in existing}


def _stored_keys(conn: Connection, keys: list[SenderKey]) -> set[SenderKey]:
    # ORed equalities: SQLite searches the unique index once per key (a row-value
    # `IN (VALUES ...)` would scan all of it).
    one = " AND ".join(f"{column} = ?" for column in SENDER_KEY_COLUMNS)
    found: set[SenderKey] = set()
    for start in range(0, len(keys), SQLITE_ROWS_PER_STATEMENT):
        chunk = keys[start : start + SQLITE_ROWS_PER_STATEMENT]
        sql = (
            f"SELECT {', '.join(SENDER_KEY_COLUMNS)} FROM {InboxEvent.__tablename__}"
            f" WHERE {' OR '.join([f'({one})'] * len(chunk))}"
        )
        parameters = tuple(value for key in chunk for value in key)
        found.update(tuple(row) for row in conn.exec_driver_sql(sql, parameters))
    return found


@dataclass(frozen=True)
class _SqliteInsert:
    """The SQLite inbox insert of rows with these columns, and how to bind them."""

    head: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def sql(self, rows: int) -> str:
        """Return the insert of `rows` rows (one `(?, ...)` group each)."""
        group = f"({', '.join(['?'] * len(self.names))})"
        conflict = f"ON CONFLICT ({', '.join(SENDER_KEY_COLUMNS)}) DO NOTHING"
        return f"{self.head} VALUES {', '.join([group] * rows)} {conflict}"

    def parameters(self, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
        """Return the driver's parameters of the rows, each value converted as
        SQLAlchemy converts it for its column's type."""
        return tuple(
            row[name] if process is None else process(row[name])
            for row in rows
            for name, process in zip(self.names, self.processors, strict=True)
        )


# Per dialect instance (engines may differ in their JSON serializer) and columns.
_CACHE: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _SqliteInsert]]
_CACHE = weakref.WeakKeyDictionary()


def _sqlite_insert(conn: Connection, columns: tuple[str, ...]) -> _SqliteInsert:
    known = _CACHE.setdefault(conn.dialect, {})
    if columns not in known:
        dialect, table = conn.dialect, InboxEvent.__table__
        quote = dialect.identifier_preparer.quote
        known[columns] = _SqliteInsert(
            head=(
                f"INSERT INTO {quote(InboxEvent.__tablename__)}"
                f" ({', '.join(quote(name) for name in columns)})"
            ),
            names=columns,
            processors=tuple(
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in columns
            ),
        )
    return known[columns]
