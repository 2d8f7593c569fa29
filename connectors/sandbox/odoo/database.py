"""The sandbox's in-memory tables, with one transaction per call like Odoo's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connectors.sandbox.odoo.errors import MissingError

Row = dict[str, Any]


class Database:
    """Tables of rows keyed by id, guarded by one lock, with an undo journal.

    Every RPC call runs inside `transaction()`: the lock serializes calls (Odoo's
    serializable isolation, without its retries) and an error rolls back every
    row the call touched, so a failed call leaves nothing behind, as in Odoo.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = threading.RLock()
        self._tables: dict[str, dict[int, Row]] = {}
        self._next_id: dict[str, int] = {}
        self._undo: list[tuple[str, int, Row | None]] | None = None
        self._seen: set[tuple[str, int]] = set()
        self._indexes: dict[tuple[str, str], dict[Any, set[int]]] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block atomically: commit on success, undo every change on error."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = []
            self._seen = set()
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            finally:
                self._undo = None
                self._seen = set()

    def _rollback(self) -> None:
        """Restore every touched row to its state before the transaction."""
        assert self._undo is not None
        for model, rid, before in reversed(self._undo):
            table = self._tables[model]
            self._unindex(model, table.get(rid))
            if before is None:
                table.pop(rid, None)
            else:
                table[rid] = before
                self._index(model, before)

    def add_index(self, model: str, fname: str) -> None:
        """Keep an index of `model` rows by the value of `fname` (see `lookup`)."""
        index: dict[Any, set[int]] = {}
        for rid, row in self.table(model).items():
            index.setdefault(row.get(fname), set()).add(rid)
        self._indexes[(model, fname)] = index

    def has_index(self, model: str, fname: str) -> bool:
        """Return True when `model` rows are indexed by `fname`."""
        return (model, fname) in self._indexes

    def lookup(self, model: str, fname: str, value: Any) -> list[Row]:
        """Return the rows whose indexed `fname` equals `value`, by id."""
        ids = self._indexes[(model, fname)].get(value, set())
        table = self.table(model)
        return [table[i] for i in sorted(ids)]

    def _index(self, model: str, row: Row | None) -> None:
        """Add a row to the indexes of its model."""
        if row is None:
            return
        for (indexed, fname), index in self._indexes.items():
            if indexed == model:
                index.setdefault(row.get(fname), set()).add(row["id"])

    def _unindex(self, model: str, row: Row | None) -> None:
        """Remove a row from the indexes of its model."""
        if row is None:
            return
        for (indexed, fname), index in self._indexes.items():
            if indexed == model:
                index.get(row.get(fname), set()).discard(row["id"])

    def _remember(self, model: str, rid: int) -> None:
        """Journal the row's current state once per transaction."""
        if self._undo is None or (model, rid) in self._seen:
            return
        self._seen.add((model, rid))
        before = self._tables[model].get(rid)
        self._undo.append((model, rid, _copy_row(before)))

    def table(self, model: str) -> dict[int, Row]:
        """Return the rows of `model` (created empty on first use)."""
        return self._tables.setdefault(model, {})

    def insert(self, model: str, row: Row) -> int:
        """Store a new row and return its id (ids count up per model from 1)."""
        table = self.table(model)
        rid = int(row.get("id") or self._next_id.get(model, 1))
        self._next_id[model] = max(self._next_id.get(model, 1), rid + 1)
        self._remember(model, rid)
        self._unindex(model, table.get(rid))
        table[rid] = {**row, "id": rid}
        self._index(model, table[rid])
        return rid

    def update(self, model: str, rid: int, values: Row) -> None:
        """Change some columns of an existing row."""
        self._remember(model, rid)
        row = self.row(model, rid)
        self._unindex(model, row)
        row.update(values)
        self._index(model, row)

    def delete(self, model: str, rid: int) -> None:
        """Remove a row."""
        self._remember(model, rid)
        self._unindex(model, self.table(model).pop(rid, None))

    def exists(self, model: str, rid: Any) -> bool:
        """Return True when `rid` is the id of a row of `model`."""
        return isinstance(rid, int) and rid in self.table(model)

    def row(self, model: str, rid: int) -> Row:
        """Return the stored row (live, not a copy).

        Raises MissingError when the row does not exist.
        """
        try:
            return self.table(model)[rid]
        except KeyError:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({rid},), User: 2)"
            ) from None

    def ids(self, model: str) -> list[int]:
        """Return every id of `model`, ascending."""
        return sorted(self.table(model))


def _copy_row(row: Row | None) -> Row | None:
    """Return a copy of a row deep enough for its values (lists are the mutables)."""
    if row is None:
        return None
    return {k: list(v) if isinstance(v, list) else v for k, v in row.items()}
