"""Stored payments and storefront transactions find each other, in either order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import Engine, select, text

from o2c.money import Money
from o2c.orders import Transaction, TransactionKind
from o2c.payments import (
    LinkKind,
    LinkSource,
    Payment,
    PaymentLink,
    StorefrontTransaction,
)
from sync.payment_links import (
    record_transactions,
    transactions_naming,
    with_storefront_links,
)
from sync.store.models import StorefrontTransactionRecord
from sync.store.models_stripe import StripeKind, StripeObjectRecord
from sync.stripe_intake import upsert_object

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDER = "gid://shopify/Order/1001"


def payment(charge: str = "ch_1", intent: str | None = "pi_1") -> Payment:
    return Payment(
        external_id=charge,
        payment_intent_id=intent,
        amount=Money.of("25.00", "EUR"),
        amount_refunded=Money.of("0", "EUR"),
        status="succeeded",
        created=NOW,
        description="Order #1001",
        links=(
            PaymentLink(kind=LinkKind.ORDER, value="#1001", via=LinkSource.DESCRIPTION),
        ),
    )


def storefront(
    number: int = 1,
    *,
    order: str = ORDER,
    status: str = "success",
    authorization: str | None = "ch_1",
    payment_reference: str | None = None,
) -> StorefrontTransaction:
    return StorefrontTransaction(
        source="acme",
        order_external_id=order,
        transaction=Transaction(
            external_id=f"gid://shopify/OrderTransaction/{number}",
            gateway="stripe",
            kind=TransactionKind.SALE,
            status=status,
            amount=Money.of("25.00", "EUR"),
            created_at=NOW,
            authorization=authorization,
            payment_reference=payment_reference,
        ),
    )


def store_payment(engine: Engine, record: Payment) -> None:
    """What Stripe intake does in its transaction: link, then write the row."""
    with engine.begin() as conn:
        upsert_object(conn, "default", with_storefront_links(conn, record), now=NOW)


def store_transactions(engine: Engine, *items: StorefrontTransaction) -> int:
    with engine.begin() as conn:
        return record_transactions(conn, list(items), now=NOW)


def stored_payment(engine: Engine, charge: str = "ch_1") -> Payment:
    with engine.connect() as conn:
        data = conn.execute(
            select(StripeObjectRecord.data).where(
                StripeObjectRecord.kind == StripeKind.PAYMENT,
                StripeObjectRecord.external_id == charge,
            )
        ).scalar_one()
    return Payment.model_validate_json(data)


def storefront_link(order: str = ORDER) -> PaymentLink:
    return PaymentLink(
        kind=LinkKind.ORDER, value=order, via=LinkSource.STOREFRONT_TRANSACTION
    )


def test_transaction_after_its_payment_adds_the_link_to_the_stored_payment(
    engine: Engine,
) -> None:
    store_payment(engine, payment())

    linked = store_transactions(engine, storefront())

    assert linked == 1
    assert stored_payment(engine).links == (*payment().links, storefront_link())


def test_payment_after_its_transaction_is_stored_with_the_link(engine: Engine) -> None:
    assert store_transactions(engine, storefront()) == 0

    store_payment(engine, payment())

    assert stored_payment(engine).links == (*payment().links, storefront_link())


def test_either_order_of_arrival_stores_the_same_payment(
    engine: Engine,
) -> None:
    first = [storefront(1, order=ORDER), storefront(2, order="gid://shopify/Order/7")]
    store_payment(engine, payment("ch_a", "pi_a"))
    for item in first:
        store_transactions(engine, _naming(item, "ch_a"))
    store_transactions(engine, _naming(storefront(3), "ch_b"))
    store_payment(engine, payment("ch_b", "pi_b"))
    store_transactions(
        engine, _naming(storefront(4, order="gid://shopify/Order/7"), "ch_b")
    )

    a, b = stored_payment(engine, "ch_a"), stored_payment(engine, "ch_b")
    assert (
        a.links[1:]
        == b.links[1:]
        == (
            storefront_link(ORDER),
            storefront_link("gid://shopify/Order/7"),
        )
    )


def test_transaction_recording_the_intent_links_the_payment(engine: Engine) -> None:
    store_payment(engine, payment())
    store_transactions(
        engine, storefront(authorization="1001", payment_reference="pi_1")
    )
    assert storefront_link() in stored_payment(engine).links


def test_payment_stored_again_from_stripe_keeps_its_storefront_link(
    engine: Engine,
) -> None:
    store_payment(engine, payment())
    store_transactions(engine, storefront())

    store_payment(engine, payment())  # a later event: Stripe's read has no link

    assert stored_payment(engine).links == (*payment().links, storefront_link())


def test_transaction_naming_no_stored_payment_links_nothing(engine: Engine) -> None:
    store_payment(engine, payment())
    assert store_transactions(engine, storefront(authorization="ch_other")) == 0
    assert stored_payment(engine).links == payment().links


def test_the_same_transaction_twice_is_one_row_and_pending_never_replaces_final(
    engine: Engine,
) -> None:
    store_transactions(engine, storefront(status="success"))
    store_transactions(engine, storefront(status="pending"))
    store_transactions(
        engine, storefront(status="success"), storefront(status="success")
    )

    with engine.connect() as conn:
        rows = conn.execute(select(StorefrontTransactionRecord.status)).scalars().all()
    assert rows == ["success"]


def test_pending_transaction_becomes_final(engine: Engine) -> None:
    store_transactions(engine, storefront(status="pending"))
    store_transactions(engine, storefront(status="failure"))
    with engine.connect() as conn:
        found = transactions_naming(conn, ["ch_1"])
    assert [t.transaction.status for t in found] == ["failure"]


def test_overlong_reference_is_kept_in_the_record_but_not_indexed(
    engine: Engine,
) -> None:
    huge = "x" * 300
    store_transactions(engine, storefront(authorization=huge))
    with engine.connect() as conn:
        column = conn.execute(
            select(StorefrontTransactionRecord.authorization)
        ).scalar()
        data = conn.execute(select(StorefrontTransactionRecord.data)).scalar_one()
        assert transactions_naming(conn, [huge]) == []
    assert column is None
    assert huge in data


def test_lookup_by_reference_uses_the_indexes(engine: Engine) -> None:
    store_transactions(engine, storefront())
    query = (
        "select data from storefront_transactions "
        "where authorization in ('ch_1') or payment_reference in ('ch_1')"
    )
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in conn.execute(text(f"explain query plan {query}"))
            )
        else:
            conn.execute(text("set local enable_seqscan = off"))
            plan = " ".join(
                row[0] for row in conn.execute(text(f"explain {_quoted(query)}"))
            )
    assert "ix_storefront_transactions_authorization" in plan
    assert "ix_storefront_transactions_payment_reference" in plan


def test_payment_and_transaction_written_at_the_same_moment_are_linked(
    engine: Engine,
) -> None:
    # Without a lock per processor id, PostgreSQL loses the link in the first rounds.
    for n in range(25):
        charge = f"ch_race{n}"
        item = _naming(storefront(100 + n), charge)
        _at_once(
            partial(store_transactions, engine, item),
            partial(store_payment, engine, payment(charge, None)),
        )
        assert storefront_link() in stored_payment(engine, charge).links, n


def _at_once(*works: Callable[[], object]) -> None:
    """Run each work in its own thread, all released at the same moment."""
    start = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            start.wait(timeout=10)
            work()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def _naming(item: StorefrontTransaction, charge: str) -> StorefrontTransaction:
    transaction = item.transaction.model_copy(update={"authorization": charge})
    return item.model_copy(update={"transaction": transaction})


def _quoted(query: str) -> str:
    # "authorization" is a reserved word in PostgreSQL.
    return query.replace("authorization in", '"authorization" in')
