"""The pipeline in the running hub: decide on a stored order, keep state and outbox.

After intake stores a new order version, `advance_order` runs `o2c.pipeline.decide`
on it, inside the same transaction: the order's new pipeline state, its stage and
holds on the `orders` row, and the decision's commands in the `commands` outbox
(unique on idempotency key, so a decision taken twice queues nothing twice) all
commit together or not at all. A mapping gap is no failure here: the pipeline
holds the order (`unmapped`) and the detail names the missing key.

The executor (`sync.executor`) carries the commands out later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from config.settings import Settings
from mapping.catalog import CachedCatalog, Catalog
from mapping.resolver import MappingResolver
from mapping.tables import MappingTables, load_tables
from o2c.commands import AnyCommand
from o2c.errors import MappingError
from o2c.orders import Order
from o2c.pipeline import Decision, Facts, PipelinePolicy, PipelineState, decide
from o2c.taxes import RoundingConfig
from sync.inbox import order_key
from sync.outbox import put_command
from sync.store.db import dialect_insert
from sync.store.models import OrderRecord
from sync.store.models_pipeline import PipelineRecord

logger = logging.getLogger(__name__)

ERP_MISMATCH = "total_mismatch"


@dataclass
class Invoicing:
    """What deciding needs: the mapping tables, the ERP catalog, policy, rounding."""

    tables: MappingTables
    catalog: CachedCatalog
    policy: PipelinePolicy = field(default_factory=PipelinePolicy)
    rounding: RoundingConfig = field(default_factory=RoundingConfig)
    _resolvers: dict[str, MappingResolver] = field(default_factory=dict)

    def resolver_for(self, shop: str) -> MappingResolver:
        """Return the shop's resolver (tables merged once, lookups cached)."""
        if shop not in self._resolvers:
            tables = self.tables.for_shop(shop)
            self._resolvers[shop] = MappingResolver(tables, self.catalog, shop)
        return self._resolvers[shop]

    def policy_for(self, shop: str) -> PipelinePolicy:
        """Return the policy, with the shop's invoice currency and timing if set."""
        tables = self.resolver_for(shop).tables
        changes: dict[str, Any] = {}
        if tables.invoice_currency is not None:
            changes["invoice_currency"] = tables.invoice_currency
        if tables.invoice_on is not None:
            changes["invoice_on"] = tables.invoice_on
        return self.policy.model_copy(update=changes) if changes else self.policy

    def payment_journal(self, shop: str, gateway: str, currency: str) -> str:
        """Return the journal id for a shop's payments of a gateway in a currency.

        Raises MappingError("journal", "gateway/currency").
        """
        return self.resolver_for(shop).journal_for(gateway, currency)

    def partner_match(self, shop: str) -> tuple[str, ...]:
        """Return the keys a shop's customers are found by, in order."""
        return self.resolver_for(shop).tables.customers.match

    def entry_journal(self) -> str:
        """Return the journal id of journal entries (`accounts.entry_journal`).

        Raises MappingError("journal", ...) when it is not configured or missing.
        """
        code = self.tables.for_shop("").accounts.entry_journal
        if not code:
            raise MappingError("journal", "entries", "no entry journal is configured")
        found = self.catalog.journals_by_code([code]).get(code)
        if found is None:
            raise MappingError("journal", code, f"no Odoo journal with code {code!r}")
        return str(found)


def policy_from_settings(settings: Settings) -> PipelinePolicy:
    """Return the pipeline policy the configuration's `[policy]` names."""
    policy = settings.policy
    return PipelinePolicy(
        invoice_on=policy.invoice_on,
        invoice_currency=policy.invoice_currency,
        hold_risk_levels=policy.hold_risk_levels,
    )


def open_invoicing(
    settings: Settings,
    catalog: Catalog,
    *,
    erp_version: int | None = None,
    company_rounding: Callable[[], str] | None = None,
) -> Invoicing:
    """Return the invoicing context: the mapping file read, the catalog cached.

    `erp_version` (the Odoo major version) picks the tax engine the invoice
    builder predicts with. The tax rounding method is the mapping's
    `tax_rounding` when set, else what `company_rounding` reads from the ERP
    company, else per line. Raises ConfigurationError when the mapping file is
    invalid or the company cannot be read.
    """
    tables = load_tables(settings.mapping_file)
    method: str | None = tables.for_shop("").tax_rounding
    if method is None:
        method = company_rounding() if company_rounding else "round_per_line"
    rounding = (
        RoundingConfig.for_odoo(erp_version, rounding=method)  # type: ignore[arg-type]
        if erp_version is not None
        else RoundingConfig(rounding=method)
    )
    return Invoicing(
        tables=tables,
        catalog=catalog
        if isinstance(catalog, CachedCatalog)
        else CachedCatalog(catalog),
        policy=policy_from_settings(settings),
        rounding=rounding,
    )


def advance_order(
    conn: Connection,
    order: Order,
    invoicing: Invoicing,
    *,
    now: datetime,
    releases: Sequence[str] = (),
) -> Decision:
    """Decide on an order inside an open transaction; store state and commands.

    Returns the decision. Raises only what the ERP lookups raise (a connector
    error): the caller's transaction then rolls back and the work is retried.
    """
    record = _lock_state(conn, order)
    state = (
        PipelineState.model_validate_json(record.state) if record else PipelineState()
    )
    facts = Facts(
        now=now,
        resolver=invoicing.resolver_for(order.source),
        rounding=invoicing.rounding,
        releases=tuple(releases),
    )
    decision = decide(order, state, invoicing.policy_for(order.source), facts)
    detail = _hold_detail(decision, previous=record.detail if record else None)
    erp_hold = record.erp_hold if record else None
    _save_state(
        conn, order, decision.next_state, detail=detail, erp_hold=erp_hold, now=now
    )
    key = order_key(order.source, order.external_id)
    queued = queue_commands(conn, key, decision.commands, now=now)
    if queued:
        logger.info(
            "order %s: %s, %d command(s) queued",
            order.number,
            decision.next_state.stage,
            queued,
        )
    return decision


def queue_commands(
    conn: Connection, key: str, commands: Iterable[AnyCommand], *, now: datetime
) -> int:
    """Put commands in the outbox on an open transaction; return how many were new.

    A command whose idempotency key is already there is skipped by the database.
    """
    new = 0
    for command in commands:
        new += put_command(
            conn,
            key=key,
            kind=type(command).__name__,
            idempotency_key=command.idempotency_key,
            payload=command.to_json(),
            now=now,
        )
    return new


def reconsider(
    engine: Engine,
    invoicing: Invoicing,
    *,
    now: datetime,
    states: Sequence[str] = ("on_hold",),
    releases: Sequence[str] = (),
    limit: int = 1000,
) -> int:
    """Decide again on stored orders in `states` (after a mapping fix or a release).

    Returns how many orders were decided on. Each order is its own transaction.
    """
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                select(OrderRecord.id)
                .where(OrderRecord.state.in_(states))
                .order_by(OrderRecord.id)
                .limit(limit)
            ).scalars()
        )
    for order_id in ids:
        with engine.begin() as conn:
            data = conn.execute(
                select(OrderRecord.data).where(OrderRecord.id == order_id)
            ).scalar_one()
            order = Order.model_validate_json(data)
            advance_order(conn, order, invoicing, now=now, releases=releases)
    return len(ids)


def order_detail(
    engine: Engine, shop: str, external_id: str
) -> tuple[PipelineState, str | None] | None:
    """Return an order's pipeline state and hold detail, or None before any decision."""
    with engine.connect() as conn:
        row = conn.execute(
            select(PipelineRecord.state, PipelineRecord.detail).where(
                PipelineRecord.shop == shop, PipelineRecord.external_id == external_id
            )
        ).first()
    if row is None:
        return None
    return PipelineState.model_validate_json(row.state), row.detail


def _lock_state(conn: Connection, order: Order) -> Any:
    return conn.execute(
        select(PipelineRecord)
        .where(
            PipelineRecord.shop == order.source,
            PipelineRecord.external_id == order.external_id,
        )
        .with_for_update()
    ).first()


def _hold_detail(decision: Decision, *, previous: str | None) -> str | None:
    """The newest hold's detail while the order is held, else nothing."""
    if not decision.next_state.holds:
        return None
    for command in decision.commands:
        detail = getattr(command, "detail", None)
        if command.kind == "place_hold" and detail:
            return str(detail)
    return previous


def _save_state(
    conn: Connection,
    order: Order,
    state: PipelineState,
    *,
    detail: str | None,
    erp_hold: str | None,
    now: datetime,
) -> None:
    content_hash = conn.execute(
        select(OrderRecord.content_hash).where(
            OrderRecord.shop == order.source,
            OrderRecord.external_id == order.external_id,
        )
    ).scalar_one()
    values = {
        "state": state.model_dump_json(),
        "detail": detail,
        "decided_hash": content_hash,
        "updated_at": now,
    }
    stmt = dialect_insert(conn, PipelineRecord).values(
        shop=order.source, external_id=order.external_id, **values
    )
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["shop", "external_id"], set_=values)
    )
    # A total the ERP got wrong stays held whatever the order does next.
    stage, holds = state.stage.value, list(state.holds)
    if erp_hold is not None:
        stage, holds = "on_hold", sorted({*holds, ERP_MISMATCH})
    conn.execute(
        update(OrderRecord)
        .where(
            OrderRecord.shop == order.source,
            OrderRecord.external_id == order.external_id,
        )
        .values(state=stage, hold_reasons=holds)
    )


def hold_for_mismatch(
    conn: Connection, shop: str, external_id: str, *, detail: str, now: datetime
) -> None:
    """Put an order on hold `total_mismatch` after the ERP's total came back wrong."""
    conn.execute(
        update(PipelineRecord)
        .where(PipelineRecord.shop == shop, PipelineRecord.external_id == external_id)
        .values(erp_hold=detail, updated_at=now)
    )
    holds = conn.execute(
        select(OrderRecord.hold_reasons).where(
            OrderRecord.shop == shop, OrderRecord.external_id == external_id
        )
    ).scalar_one_or_none()
    conn.execute(
        update(OrderRecord)
        .where(OrderRecord.shop == shop, OrderRecord.external_id == external_id)
        .values(state="on_hold", hold_reasons=sorted({*(holds or []), ERP_MISMATCH}))
    )
