"""Keys as external ids: look up before writing, write once, recover from ambiguity.

The guarantee. Each document carries its idempotency key twice: as an external
id (`ir.model.data`, module `o2c_hub`) and as a marker in one of its own fields
(`ref` for account.move, the memo for a payment, `ref` for a partner). Creating
the record and creating its external id are two calls, so two transactions; a
crash or lost answer between them leaves a record without an external id. The
lookup therefore reads both: first the external ids of all keys (one
`search_read`), then, for keys without one, the marker field (one `search_read`).
A record found by its marker is adopted (its external id is created) instead of
being written again. So a retry after any failure finds what the earlier attempt
wrote, and never creates a second document.

What the guarantee relies on: the marker field is not edited in the short window
before the external id exists (afterwards the external id alone suffices), and
keys are unique per document. Odoo's public API has one call that creates a record
and its external id in a single transaction: `load(fields, rows)`, the import
method. It is not used: it takes rows of strings (lines as "invoice_line_ids/..."
columns), updates a record whose external id exists instead of failing, and
reports errors as messages, which makes batched writes of invoices with lines
fragile. The two-call scheme with a marker gives the same outcome.

Creating `ir.model.data` rows needs the Settings group (base.group_system) in
Odoo; an integration user without it gets AccessError on the first write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.odoo import keys as keyspace
from connectors.odoo.wire import Transport
from o2c.errors import AmbiguousWriteError, HubError, LockedPeriodError, RejectedError

REFUSED = (RejectedError, LockedPeriodError)

logger = logging.getLogger(__name__)

MODEL_DATA = "ir.model.data"
XmlId = tuple[str, str]  # (module, name)


def batch_label(keys: Sequence[str]) -> str | None:
    """Return the external id an error names for a batch: the key, or the first."""
    if not keys:
        return None
    return keys[0] if len(keys) == 1 else f"{keys[0]} (+{len(keys) - 1} more)"


@dataclass(frozen=True, slots=True)
class Target:
    """Where an external id points: the model and record id."""

    model: str
    res_id: int


class KeyIndex:
    """Looks keys and external ids up, and binds keys to new records."""

    def __init__(self, transport: Transport) -> None:
        self._rpc = transport

    def resolve(self, xmlids: Iterable[XmlId]) -> dict[XmlId, Target]:
        """Return the targets of external ids, in one `search_read` for all.

        External ids that do not exist are absent from the result.
        """
        wanted = set(xmlids)
        if not wanted:
            return {}
        modules = sorted({module for module, _ in wanted})
        names = sorted({name for _, name in wanted})
        rows = self._rpc.call(
            MODEL_DATA,
            "search_read",
            {
                "domain": [["module", "in", modules], ["name", "in", names]],
                "fields": ["module", "name", "model", "res_id"],
            },
        )
        found: dict[XmlId, Target] = {}
        for row in rows:
            pair = (str(row["module"]), str(row["name"]))
            if pair in wanted and row.get("res_id"):
                found[pair] = Target(str(row["model"]), int(row["res_id"]))
        return found

    def lookup(self, keys: Sequence[str], model: str | None = None) -> dict[str, int]:
        """Return the record id of every key that has an external id.

        With `model`, keys pointing at another model are left out.
        """
        pairs = {key: (keyspace.MODULE, keyspace.xmlid_name(key)) for key in keys}
        found = self.resolve(pairs.values())
        return {
            key: found[pair].res_id
            for key, pair in pairs.items()
            if pair in found and (model is None or found[pair].model == model)
        }

    def find_markers(
        self,
        model: str,
        marker: str,
        keys: Sequence[str],
        extra_domain: Sequence[Any] = (),
    ) -> dict[str, int]:
        """Return records of `model` whose `marker` field holds one of `keys`.

        Where two records hold the same key (which the hub never writes), the
        oldest wins, so every retry adopts the same one.
        """
        if not keys:
            return {}
        rows = self._rpc.call(
            model,
            "search_read",
            {
                "domain": [[marker, "in", list(keys)], *extra_domain],
                "fields": [marker],
                "order": "id asc",
                "context": {"active_test": False},
            },
        )
        found: dict[str, int] = {}
        for row in rows:
            found.setdefault(str(row[marker]), int(row["id"]))
        return found

    def bind(self, model: str, records: Mapping[str, int]) -> dict[str, int]:
        """Create the external ids of new records; return key -> record id.

        A key bound meanwhile by another writer keeps that writer's record (the
        returned id is theirs). After a lost answer the keys are looked up again
        and only the missing ones are created.
        Raises AmbiguousWriteError when the retry is lost too.
        """
        if not records:
            return {}
        try:
            self._create_xmlids(model, records)
            return dict(records)
        except AmbiguousWriteError:
            logger.warning("odoo: external ids of %d records unconfirmed", len(records))
        except RejectedError as exc:
            if "ir_model_data" not in str(exc) and "duplicate" not in str(exc):
                raise
            logger.warning("odoo: external ids taken meanwhile, re-reading them")
        bound = self.lookup(list(records))
        missing = {k: v for k, v in records.items() if k not in bound}
        self._create_xmlids(model, missing)
        return {key: bound.get(key, rid) for key, rid in records.items()}

    def _create_xmlids(self, model: str, records: Mapping[str, int]) -> None:
        if not records:
            return
        rows = [
            {
                "module": keyspace.MODULE,
                "name": keyspace.xmlid_name(key),
                "model": model,
                "res_id": rid,
                "noupdate": True,
            }
            for key, rid in records.items()
        ]
        self._rpc.call(
            MODEL_DATA,
            "create",
            {"vals_list": rows},
            write=True,
            external_id=batch_label(list(records)),
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one keyed record in a batched write."""

    key: str
    id: int | None
    created: bool
    error: HubError | None = None


class KeyedWriter:
    """Creates records of one model exactly once per key, in batches."""

    def __init__(
        self,
        transport: Transport,
        index: KeyIndex,
        *,
        model: str,
        marker: str,
        marker_domain: Sequence[Any] = (),
    ) -> None:
        self._rpc = transport
        self._index = index
        self.model = model
        self.marker = marker
        self._marker_domain = list(marker_domain)

    def adopt_orphans(self, keys: Sequence[str]) -> dict[str, int]:
        """Find records carrying a key as marker but no external id; bind them."""
        orphans = self._index.find_markers(
            self.model, self.marker, keys, self._marker_domain
        )
        if orphans:
            logger.warning(
                "odoo: adopting %d %s records written without their external id",
                len(orphans),
                self.model,
            )
        return self._index.bind(self.model, orphans)

    def create(self, values: Mapping[str, Mapping[str, Any]]) -> dict[str, Outcome]:
        """Create one record per key (values keyed by idempotency key), bound to it.

        The values must already hold the key in the marker field. One `create`
        for all; when Odoo refuses the batch for one record's data, the records
        are created one by one so the others still go in. After a lost answer
        the marker shows which records exist; only the others are sent again.
        Raises AmbiguousWriteError when the second attempt is lost too, and
        AccessError/AuthenticationError as they come.
        """
        if not values:
            return {}
        created, errors = self._create_batch(values)
        bound = self._index.bind(self.model, created)
        result = {
            k: Outcome(k, rid, created=rid == created[k]) for k, rid in bound.items()
        }
        for key, error in errors.items():
            result[key] = Outcome(key, None, created=False, error=error)
        self._drop_duplicates(created, bound)
        return result

    def _create_batch(
        self, values: Mapping[str, Mapping[str, Any]]
    ) -> tuple[dict[str, int], dict[str, HubError]]:
        keys = list(values)
        try:
            ids = self._send(keys, values)
            return dict(zip(keys, ids, strict=True)), {}
        except AmbiguousWriteError:
            logger.warning(
                "odoo: %s.create of %d records unconfirmed, looking them up",
                self.model,
                len(keys),
            )
        except REFUSED:
            return self._create_singly(keys, values)
        found = self._index.find_markers(
            self.model, self.marker, keys, self._marker_domain
        )
        rest = [k for k in keys if k not in found]
        if rest:
            found.update(zip(rest, self._send(rest, values), strict=True))
        return found, {}

    def _create_singly(
        self, keys: Sequence[str], values: Mapping[str, Mapping[str, Any]]
    ) -> tuple[dict[str, int], dict[str, HubError]]:
        created: dict[str, int] = {}
        errors: dict[str, HubError] = {}
        for key in keys:
            try:
                created[key] = self._send([key], values)[0]
            except REFUSED as exc:
                logger.warning("odoo: %s refused for %s: %s", self.model, key, exc)
                errors[key] = exc
        return created, errors

    def _send(
        self, keys: Sequence[str], values: Mapping[str, Mapping[str, Any]]
    ) -> list[int]:
        ids = self._rpc.call(
            self.model,
            "create",
            {"vals_list": [dict(values[k]) for k in keys]},
            write=True,
            external_id=batch_label(keys),
        )
        logger.info("odoo: created %d %s records", len(keys), self.model)
        return [int(i) for i in ids]

    def _drop_duplicates(
        self, created: Mapping[str, int], bound: Mapping[str, int]
    ) -> None:
        """Delete records of ours whose key another writer bound first."""
        losers = [rid for key, rid in created.items() if bound.get(key) != rid]
        if losers:
            logger.warning(
                "odoo: deleting %d duplicate %s drafts", len(losers), self.model
            )
            self._rpc.call(self.model, "unlink", {}, ids=losers, write=True)
