"""Backfill indexes the storefront transactions of the orders it stores, so that a
Stripe payment stored later links to its order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from config.settings import ShopSettings
from o2c.money import Money
from o2c.payments import LinkKind, LinkSource, Payment, PaymentLink
from sync.jobs.backfill import backfill_orders
from sync.payment_links import with_storefront_links
from sync.store.db import make_engine, migrate
from sync.store.models import StorefrontTransactionRecord
from sync.store.models_stripe import StripeKind, StripeObjectRecord
from sync.stripe_intake import upsert_object
from tests.sync.helpers import SHOP, T0, Clock, hub_settings
from tests.sync.jobs.backfill_sources import BulkResultSource, sandbox_nodes


@pytest.fixture
def shop(tmp_path: Path) -> ShopSettings:
    return hub_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path).shop(SHOP)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _stripe_payment(charge: str, intent: str | None) -> Payment:
    return Payment(
        external_id=charge,
        payment_intent_id=intent,
        amount=Money.of("25.00", "EUR"),
        amount_refunded=Money.of("0", "EUR"),
        status="succeeded",
        created=T0,
    )


def _store_payment(engine: Engine, payment: Payment) -> Payment:
    """What Stripe intake does: link in the transaction that writes the row."""
    with engine.begin() as conn:
        upsert_object(conn, "default", with_storefront_links(conn, payment), now=T0)
    with engine.connect() as conn:
        data = conn.execute(
            select(StripeObjectRecord.data).where(
                StripeObjectRecord.kind == StripeKind.PAYMENT,
                StripeObjectRecord.external_id == payment.external_id,
            )
        ).scalar_one()
    return Payment.model_validate_json(data)


@pytest.mark.parametrize("workers", [0, 1])
def test_backfilled_order_with_a_stripe_sale_links_a_later_stripe_payment(
    engine: Engine, shop: ShopSettings, workers: int
) -> None:
    nodes = sandbox_nodes(16, seed=41)
    source = BulkResultSource(nodes)

    backfill_orders(
        engine,
        shop,
        source,
        since=None,
        clock=Clock(T0),
        batch_size=5,
        parse_workers=workers,
    )

    # Every transaction of every order (its refunds' included) is indexed.
    carried = {
        t["id"]
        for node in nodes
        for t in [
            *node["transactions"],
            *(
                rt
                for refund in node["refunds"] or ()
                for rt in refund["transactions"]["nodes"]
            ),
        ]
    }
    with engine.connect() as conn:
        stored = set(
            conn.execute(select(StorefrontTransactionRecord.external_id)).scalars()
        )
    assert stored == carried
    # A Stripe payment naming an order's charge, stored afterwards, links to it.
    node = next(
        n
        for n in nodes
        if any((t["paymentId"] or "").startswith("pi_") for t in n["transactions"])
    )
    sale = next(t for t in node["transactions"] if t["authorizationCode"])
    payment = _store_payment(
        engine, _stripe_payment(sale["authorizationCode"], sale["paymentId"])
    )
    assert payment.links == (
        PaymentLink(
            kind=LinkKind.ORDER,
            value=node["id"],
            via=LinkSource.STOREFRONT_TRANSACTION,
        ),
    )


def test_payment_stored_before_the_backfill_gains_its_link(
    engine: Engine, shop: ShopSettings
) -> None:
    nodes = sandbox_nodes(8, seed=43)
    node = next(
        n for n in nodes if any(t["authorizationCode"] for t in n["transactions"])
    )
    sale = next(t for t in node["transactions"] if t["authorizationCode"])
    _store_payment(engine, _stripe_payment(sale["authorizationCode"], None))

    backfill_orders(
        engine,
        shop,
        BulkResultSource(nodes),
        since=None,
        clock=Clock(T0),
        parse_workers=0,
    )

    with engine.connect() as conn:
        data = conn.execute(
            select(StripeObjectRecord.data).where(
                StripeObjectRecord.external_id == sale["authorizationCode"]
            )
        ).scalar_one()
    assert Payment.model_validate_json(data).links[-1].value == node["id"]
