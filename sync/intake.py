"""Order intake: turn one key's pending inbox rows into stored orders, exactly once.

`process_key` holds the key's lease while it works and handles each due row in its own
transaction: lock the row (it must still be pending), parse it, upsert the order by
version, write the audit row, mark the row done. A crash anywhere rolls the whole step
back, so the row stays pending for the next worker. What cannot be parsed is parked with
the error and its raw body; what fails otherwise is retried with exponential backoff and
ends in the dead-letter state after `max_attempts`.

A storefront transaction (`order_transactions/create`) is filed under its order's key
too: it is stored in the same kind of step, and so are the transactions of every new
order version, so that the payments they name can be linked to the order
(`sync.payment_links`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, insert, or_, select, update

from config.settings import ShopSettings
from connectors.shopify.transactions import transaction_from_webhook
from o2c.errors import PayloadError, RetryableError
from o2c.orders import Order, with_transactions
from o2c.payments import StorefrontTransaction
from sync import leases
from sync.inbox import BULK_TOPIC, POLL_TOPIC, SHOPIFY, next_retry, utcnow
from sync.orders_repo import STALE, replace_order_data, stored_order, upsert_order
from sync.payment_links import (
    order_transactions,
    record_transactions,
    transactions_of_order,
)
from sync.store.db import reading
from sync.store.models import InboxEvent, InboxStatus, OrderEvent

logger = logging.getLogger(__name__)

# Webhook topics whose body is a whole order.
ORDER_BODY_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
# Webhook topics whose body is one transaction of an order (it names the order).
TRANSACTION_TOPICS = frozenset({"order_transactions/create"})
# Every webhook topic intake acts on, filed under its order's key; any other topic
# is kept and ignored.
ORDER_TOPICS = ORDER_BODY_TOPICS | TRANSACTION_TOPICS

OrderParser = Callable[[str, bytes, str], Order | StorefrontTransaction | None]
Clock = Callable[[], datetime]
# Runs on the row's open transaction after a new order version is stored (the
# pipeline's decision), so the order, its state and its commands commit together.
OrderHook = Callable[[Connection, Order, datetime], None]


class OrderSource(Protocol):
    """What intake needs from a storefront connector (Shopify's, or a test's)."""

    def parse_webhook(self, body: bytes, *, shop: str) -> Order:
        """Return the order in a webhook body; raises PayloadError."""
        ...

    def parse_node(self, node: dict[str, Any], *, shop: str) -> Order:
        """Return the order in a GraphQL node; raises PayloadError."""
        ...

    def updated_since(
        self, shop: ShopSettings, since: datetime, *, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """Yield the GraphQL nodes of orders updated at or after `since`."""
        ...

    def bulk(
        self,
        shop: ShopSettings,
        *,
        since: datetime | None,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every order node of the shop through a bulk operation."""
        ...


def order_parser(source: OrderSource) -> OrderParser:
    """Return the parser that reads inbox rows of any order topic through `source`.

    Transaction bodies are read by the Shopify connector whatever the source: they
    are Shopify's REST shape. The parser returns None for topics intake does not
    act on, and raises PayloadError for a body it cannot read.
    """

    def parse(
        topic: str, body: bytes, shop: str
    ) -> Order | StorefrontTransaction | None:
        if topic in (POLL_TOPIC, BULK_TOPIC):
            return source.parse_node(read_json(body), shop=shop)
        if topic in ORDER_BODY_TOPICS:
            return source.parse_webhook(body, shop=shop)
        if topic in TRANSACTION_TOPICS:
            return transaction_from_webhook(body, shop=shop)
        return None

    return parse


def read_json(body: bytes) -> dict[str, Any]:
    """Return a JSON object body with exact decimals; raises PayloadError."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise PayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PayloadError(f"body is JSON {type(data).__name__}, not an object")
    return data


@dataclass(frozen=True)
class IntakePolicy:
    """How intake retries and how long it may hold a key."""

    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds before the second attempt
    backoff_cap: float = 3600.0
    batch_size: int = 200  # rows read per round; the lease is renewed per row


@dataclass
class KeyOutcome:
    """What one `process_key` call did."""

    key: str
    done: int = 0
    parked: int = 0
    ignored: int = 0
    retried: int = 0
    dead: int = 0
    busy: bool = False  # another worker holds the key
    next_attempt_at: datetime | None = None  # the earliest retry still waiting


def retry_delay(
    attempts: int, policy: IntakePolicy, hint: float | None = None
) -> float:
    """Return the seconds to wait after the `attempts`-th failure.

    Doubles from `backoff_base` up to `backoff_cap`; a server's own hint
    (`Retry-After`) wins when it asks for longer.
    """
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** max(attempts - 1, 0))
    return float(max(delay, hint or 0.0))


def process_key(
    engine: Engine,
    key: str,
    *,
    parse: OrderParser,
    owner: str,
    policy: IntakePolicy,
    clock: Clock = utcnow,
    on_order: OrderHook | None = None,
) -> KeyOutcome:
    """Process every due inbox row of `key` under its lease; return what happened.

    Returns with `busy` set, doing nothing, when another live worker holds the key.
    """
    outcome = KeyOutcome(key)
    # A row stored while we release the lease would wait for the sweep: look again.
    for round_ in range(3):
        if not _hold(engine, key, owner, policy=policy, clock=clock):
            # Busy only if we did nothing: later, the new holder has the rest.
            outcome.busy = round_ == 0
            break
        try:
            _drain(
                engine,
                outcome,
                parse=parse,
                owner=owner,
                policy=policy,
                clock=clock,
                on_order=on_order,
            )
        finally:
            leases.release(engine, key, owner)
        if not _due_ids(engine, key, now=clock(), limit=1):
            break
    outcome.next_attempt_at = next_retry(engine, key)
    return outcome


def _hold(
    engine: Engine, key: str, owner: str, *, policy: IntakePolicy, clock: Clock
) -> bool:
    """Take or renew the key's lease for another `lease_seconds`."""
    return leases.acquire(engine, key, owner, seconds=policy.lease_seconds, now=clock())


def _drain(
    engine: Engine,
    outcome: KeyOutcome,
    *,
    parse: OrderParser,
    owner: str,
    policy: IntakePolicy,
    clock: Clock,
    on_order: OrderHook | None = None,
) -> None:
    seen: set[int] = set()
    while True:
        due = _due_ids(engine, outcome.key, now=clock(), limit=policy.batch_size)
        # A row still due after our attempt is locked by another worker: leave it.
        ids = [row_id for row_id in due if row_id not in seen]
        if not ids:
            return
        for row_id in ids:
            if not _hold(engine, outcome.key, owner, policy=policy, clock=clock):
                logger.warning("lost the lease on %s; leaving it", outcome.key)
                return
            seen.add(row_id)
            _process_row(
                engine,
                row_id,
                outcome,
                parse=parse,
                policy=policy,
                clock=clock,
                on_order=on_order,
            )


def _due_ids(engine: Engine, key: str, *, now: datetime, limit: int) -> list[int]:
    """Return the ids of the key's pending rows that may be tried now, oldest first."""
    query = (
        select(InboxEvent.id)
        .where(
            InboxEvent.key == key,
            InboxEvent.source == SHOPIFY,
            InboxEvent.status == InboxStatus.PENDING,
            or_(
                InboxEvent.next_attempt_at.is_(None), InboxEvent.next_attempt_at <= now
            ),
        )
        .order_by(InboxEvent.version, InboxEvent.id)
        .limit(limit)
    )
    with reading(engine) as conn:
        return list(conn.execute(query).scalars())


def _process_row(
    engine: Engine,
    row_id: int,
    outcome: KeyOutcome,
    *,
    parse: OrderParser,
    policy: IntakePolicy,
    clock: Clock,
    on_order: OrderHook | None = None,
) -> None:
    try:
        with engine.begin() as conn:
            _apply_row(
                conn,
                row_id,
                outcome,
                parse=parse,
                policy=policy,
                clock=clock,
                on_order=on_order,
            )
    except Exception as exc:  # the job runner's duty: record, never die
        _record_failure(engine, row_id, exc, outcome, policy=policy, now=clock())


def _apply_row(
    conn: Connection,
    row_id: int,
    outcome: KeyOutcome,
    *,
    parse: OrderParser,
    policy: IntakePolicy,
    clock: Clock,
    on_order: OrderHook | None = None,
) -> None:
    # Lock the row; if another worker finished it meanwhile, there is nothing to do.
    row = conn.execute(
        select(InboxEvent)
        .where(InboxEvent.id == row_id, InboxEvent.status == InboxStatus.PENDING)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return
    now = clock()
    try:
        parsed = parse(row.topic, row.body, row.account)
    except PayloadError as exc:
        logger.warning("inbox row %d parked: %s", row_id, exc)
        _finish(conn, row, InboxStatus.PARKED, now=now, error=str(exc))
        outcome.parked += 1
        return
    if parsed is None:
        reason = f"topic {row.topic!r} is not acted on by order intake"
        _finish(conn, row, InboxStatus.IGNORED, now=now, error=reason)
        outcome.ignored += 1
        return

    if isinstance(parsed, StorefrontTransaction):
        _apply_transaction(conn, row.id, parsed, now=now, on_order=on_order)
    else:
        _apply_order(conn, row.id, parsed, now=now, on_order=on_order)
    _finish(conn, row, InboxStatus.DONE, now=now, error=None)
    outcome.done += 1


def _apply_order(
    conn: Connection,
    row_id: int,
    order: Order,
    *,
    now: datetime,
    on_order: OrderHook | None,
) -> None:
    """Store an order version, index its transactions, write the audit row.

    The version is stored with the transactions already known for the order: an
    order webhook carries none, and without them it would differ from the same
    version read over GraphQL.
    """
    known = transactions_of_order(conn, order.source, order.external_id)
    order = with_transactions(order, known)
    result = upsert_order(conn, order, now=now)
    if result != STALE:
        # A newer version may carry new transactions naming stored payments.
        record_transactions(conn, order_transactions(order), now=now)
        if on_order is not None:
            on_order(conn, order, now)
    conn.execute(
        insert(OrderEvent).values(
            inbox_event_id=row_id,
            shop=order.source,
            external_id=order.external_id,
            version=order.version,
            outcome=result,
            applied_at=now,
        )
    )
    logger.debug("inbox row %d: order %s %s", row_id, order.external_id, result)


def _apply_transaction(
    conn: Connection,
    row_id: int,
    item: StorefrontTransaction,
    *,
    now: datetime,
    on_order: OrderHook | None,
) -> None:
    """Store a storefront transaction, link the payments it names, and add it to
    its stored order, which is then decided again (a capture may make it paid)."""
    linked = record_transactions(conn, [item], now=now)
    logger.debug(
        "inbox row %d: transaction %s stored, %d payment(s) linked",
        row_id,
        item.transaction.external_id,
        linked,
    )
    stored = stored_order(conn, item.source, item.order_external_id)
    if stored is None:
        return  # the order's first version will take it from the table
    record_id, order = stored
    completed = with_transactions(order, [item.transaction])
    if completed is order:
        return
    replace_order_data(conn, record_id, completed, now=now)
    if on_order is not None:
        on_order(conn, completed, now)


def _finish(
    conn: Connection,
    row: Any,
    status: str,
    *,
    now: datetime,
    error: str | None,
) -> None:
    conn.execute(
        update(InboxEvent)
        .where(InboxEvent.id == row.id)
        .values(
            status=status,
            attempts=row.attempts + 1,
            processed_at=now,
            last_error=error,
            next_attempt_at=None,
        )
    )


def _record_failure(
    engine: Engine,
    row_id: int,
    exc: Exception,
    outcome: KeyOutcome,
    *,
    policy: IntakePolicy,
    now: datetime,
) -> None:
    """Count a failed attempt: retry later with backoff, or give up as dead."""
    error = f"{type(exc).__name__}: {exc}"
    with engine.begin() as conn:
        attempts = conn.execute(
            select(InboxEvent.attempts).where(
                InboxEvent.id == row_id, InboxEvent.status == InboxStatus.PENDING
            )
        ).scalar()
        if attempts is None:
            return
        attempts += 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if attempts >= policy.max_attempts:
            values["status"] = InboxStatus.DEAD
            values["next_attempt_at"] = None
            outcome.dead += 1
            logger.error(
                "inbox row %d dead after %d attempts: %s", row_id, attempts, error
            )
        else:
            hint = exc.retry_after if isinstance(exc, RetryableError) else None
            delay = retry_delay(attempts, policy, hint)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            outcome.retried += 1
            logger.warning(
                "inbox row %d failed (attempt %d), retry in %.0f s: %s",
                row_id,
                attempts,
                delay,
                error,
            )
        conn.execute(update(InboxEvent).where(InboxEvent.id == row_id).values(**values))
