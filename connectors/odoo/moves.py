"""Batched, exactly-once writes of account.move documents: create, post, read back.

For a batch of N documents the calls are: one `search_read` on ir.model.data
(keys, external-id references and reversed invoices together), one on
account.move for markers of keys without an external id, one `create`, one
`create` of external ids, one `action_post` and one `read` of the totals; the
currency ids are read once per gateway. A document refused by Odoo (validation,
lock date, unknown reference) gets its error in the result and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.odoo import keys as keyspace
from connectors.odoo.documents import MOVE, RefNeed, Refs, collect, to_money_amount
from connectors.odoo.idempotency import (
    REFUSED,
    KeyedWriter,
    KeyIndex,
    Outcome,
    batch_label,
)
from connectors.odoo.profile import OdooProfile
from connectors.odoo.records import CreatedDocument, DocumentTotals, TotalFinding
from connectors.odoo.wire import Transport, many2one_id, many2one_name
from o2c.errors import AmbiguousWriteError, HubError, MappingError
from o2c.money import Money

logger = logging.getLogger(__name__)

TOTAL_FIELDS = [
    "name",
    "state",
    "move_type",
    "ref",
    "currency_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "payment_state",
]
Builder = Callable[[Refs, Mapping[str, int]], dict[str, Any]]


@dataclass
class MoveItem:
    """One document to write: its key, what it needs, and how to build its values.

    `build(refs, keyed)` gets the resolved references and the record ids of
    `extra_keys` found (e.g. the invoice a credit note reverses).
    """

    key: str
    currency: str
    needs: list[RefNeed]
    build: Builder
    expected_total: Money | None = None
    extra_keys: list[str] = field(default_factory=list)


class Moves:
    """Writes and reads account.move records for the gateway."""

    def __init__(
        self,
        transport: Transport,
        index: KeyIndex,
        currency_ids: Callable[[Sequence[str]], dict[str, int]],
    ) -> None:
        self._rpc = transport
        self._index = index
        self._currency_ids = currency_ids
        self._writer = KeyedWriter(transport, index, model=MOVE, marker="ref")

    def write(self, items: Sequence[MoveItem], *, post: bool) -> list[CreatedDocument]:
        """Create (once per key), optionally post, and read back a batch.

        Returns one result per item, in order. Raises AccessError or
        AuthenticationError (nothing can be written), RetryableError when Odoo
        cannot be reached, AmbiguousWriteError when a write stays unconfirmed
        after one lookup and retry.
        """
        refs, keyed = self._resolve(items)
        existing = {i.key: keyed[i.key] for i in items if i.key in keyed}
        missing = [i.key for i in items if i.key not in keyed]
        existing.update(self._writer.adopt_orphans(missing) if missing else {})
        outcomes = self._create(
            [i for i in items if i.key not in existing], refs, keyed
        )
        for key, rid in existing.items():
            outcomes[key] = Outcome(key, rid, created=False)
        ids = [o.id for o in outcomes.values() if o.id is not None]
        keys = {o.id: o.key for o in outcomes.values() if o.id is not None}
        errors: dict[int, HubError] = {}
        if post:
            new_ids = [o.id for o in outcomes.values() if o.created and o.id]
            errors = self.post_each(new_ids, keys)
        totals = self.read_totals(ids)
        if post:
            drafts = [rid for rid in existing.values() if _is_draft(totals.get(rid))]
            if drafts:
                errors.update(self.post_each(drafts, keys))
                totals.update(self.read_totals(drafts))
        return [_result(i, outcomes[i.key], totals, errors) for i in items]

    def post(self, ids: Sequence[int], keys: Mapping[int, str] | None = None) -> None:
        """Post the moves in one `action_post` (`keys` name them in errors).

        Raises RejectedError or LockedPeriodError when Odoo refuses (none are
        posted then: one call is one transaction), AmbiguousWriteError when the
        answer is lost.
        """
        if ids:
            label = batch_label([(keys or {}).get(i, str(i)) for i in ids])
            self._rpc.call(
                MOVE, "action_post", {}, ids=list(ids), write=True, external_id=label
            )
            logger.info("odoo: posted %d moves", len(ids))

    def post_each(
        self, ids: Sequence[int], keys: Mapping[int, str] | None = None
    ) -> dict[int, HubError]:
        """Post moves, all at once and, when refused, one by one.

        Returns the refusals by move id. After a lost answer the states are read
        and the moves still in draft are posted again.
        """
        if not ids:
            return {}
        try:
            self.post(ids, keys)
            return {}
        except REFUSED as exc:
            if len(ids) == 1:
                # Another worker may have posted it meanwhile: that is no error.
                done = self.read_totals(ids).get(ids[0])
                return {} if done and done.state == "posted" else {ids[0]: exc}
        except AmbiguousWriteError:
            totals = self.read_totals(ids)
            drafts = [rid for rid in ids if _is_draft(totals.get(rid))]
            return self.post_each(drafts, keys) if drafts else {}
        errors: dict[int, HubError] = {}
        for rid in ids:
            errors.update(self.post_each([rid], keys))
        return errors

    def read_totals(self, ids: Sequence[int]) -> dict[int, DocumentTotals]:
        """Return the state and amounts of moves, in one `read` naming its fields."""
        if not ids:
            return {}
        rows = self._rpc.call(
            MOVE, "read", {"fields": TOTAL_FIELDS}, ids=sorted(set(ids))
        )
        codes = self._currency_codes(rows)
        return {int(row["id"]): _totals(row, codes) for row in rows}

    def _currency_codes(self, rows: Sequence[Mapping[str, Any]]) -> dict[int, str]:
        """Return currency codes of many2ones read as bare ids (one read, if any).

        `read` answers a many2one as [id, name]; should a server answer the bare
        id, the codes are read rather than guessed.
        """
        bare = {
            int(row["currency_id"])
            for row in rows
            if many2one_name(row.get("currency_id")) is None
            and many2one_id(row.get("currency_id")) is not None
        }
        if not bare:
            return {}
        found = self._rpc.call(
            "res.currency", "read", {"fields": ["name"]}, ids=sorted(bare)
        )
        return {int(r["id"]): str(r["name"]) for r in found}

    def _resolve(self, items: Sequence[MoveItem]) -> tuple[Refs, dict[str, int]]:
        """Resolve keys, extra keys and external-id references in one read."""
        refs = collect(need for item in items for need in item.needs)
        all_keys = {k for item in items for k in (item.key, *item.extra_keys)}
        key_pairs = {k: (keyspace.MODULE, keyspace.xmlid_name(k)) for k in all_keys}
        found = self._index.resolve({*refs.xmlids(), *key_pairs.values()})
        refs.targets = found
        keyed = {
            key: found[pair].res_id
            for key, pair in key_pairs.items()
            if pair in found and found[pair].model == MOVE
        }
        return refs, keyed

    def _create(
        self, items: Sequence[MoveItem], refs: Refs, keyed: Mapping[str, int]
    ) -> dict[str, Outcome]:
        """Build the values of new documents and create them in one batch."""
        if not items:
            return {}
        currencies = self._currency_ids(sorted({i.currency for i in items}))
        values: dict[str, dict[str, Any]] = {}
        outcomes: dict[str, Outcome] = {}
        for item in items:
            try:
                if item.currency not in currencies:
                    raise MappingError("currency", item.currency)
                built = item.build(refs, keyed)
                values[item.key] = {**built, "currency_id": currencies[item.currency]}
            except MappingError as exc:
                logger.warning("odoo: %s not written: %s", item.key, exc)
                outcomes[item.key] = Outcome(item.key, None, created=False, error=exc)
        outcomes.update(self._writer.create(values))
        return outcomes


def open_receivables(
    transport: Transport, profile: OdooProfile, partner_ids: Sequence[int] = ()
) -> dict[int, Decimal]:
    """Return the open receivable per partner in company currency (one grouped read).

    Sums `amount_residual_signed` of posted customer invoices and credit notes
    (credit notes count negative) with `read_group` up to 18 and
    `formatted_read_group` on 19, whose answer names aggregates `field:sum`.
    """
    domain: list[Any] = [
        ["state", "=", "posted"],
        ["move_type", "in", ["out_invoice", "out_refund"]],
    ]
    if partner_ids:
        domain.append(["partner_id", "in", list(partner_ids)])
    aggregate = "amount_residual_signed:sum"
    if profile.group_method == "formatted_read_group":
        params: dict[str, Any] = {
            "domain": domain,
            "groupby": ["partner_id"],
            "aggregates": [aggregate],
        }
        value_key = aggregate
    else:
        params = {
            "domain": domain,
            "fields": [aggregate],
            "groupby": ["partner_id"],
            "lazy": False,
        }
        value_key = "amount_residual_signed"
    groups = transport.call(MOVE, profile.group_method, params)
    result: dict[int, Decimal] = {}
    for group in groups:
        partner = many2one_id(group.get("partner_id"))
        if partner is not None:
            result[partner] = to_money_amount(group.get(value_key))
    return result


def _is_draft(totals: DocumentTotals | None) -> bool:
    return totals is not None and totals.state == "draft"


def _totals(row: Mapping[str, Any], codes: Mapping[int, str]) -> DocumentTotals:
    """Return the read-back of one move with exact Money amounts."""
    value = row.get("currency_id")
    currency = many2one_name(value) or codes.get(many2one_id(value) or 0) or "XXX"

    def money(name: str) -> Money:
        return Money(amount=to_money_amount(row.get(name)), currency=currency).rounded()

    return DocumentTotals(
        id=int(row["id"]),
        name=str(row.get("name") or ""),
        state=str(row.get("state") or ""),
        move_type=str(row.get("move_type") or ""),
        amount_untaxed=money("amount_untaxed"),
        amount_tax=money("amount_tax"),
        amount_total=money("amount_total"),
        amount_residual=money("amount_residual"),
        payment_state=row.get("payment_state") or None,
        ref=row.get("ref") or None,
    )


def _result(
    item: MoveItem,
    outcome: Outcome,
    totals: Mapping[int, DocumentTotals],
    errors: Mapping[int, HubError],
) -> CreatedDocument:
    """Return the result of one item: read-back, error and total finding."""
    if outcome.id is None:
        return CreatedDocument(key=item.key, id=None, error=outcome.error)
    read = totals.get(outcome.id)
    finding = None
    expected = item.expected_total
    if read is not None and expected is not None and read.state == "posted":
        actual = read.amount_total
        if actual.currency != expected.currency or actual != expected:
            finding = TotalFinding(item.key, outcome.id, expected, actual)
            logger.warning("odoo: total differs: %s", finding)
    return CreatedDocument(
        key=item.key,
        id=outcome.id,
        name=read.name if read else None,
        state=read.state if read else None,
        amount_total=read.amount_total if read else None,
        created=outcome.created,
        finding=finding,
        error=errors.get(outcome.id),
    )
