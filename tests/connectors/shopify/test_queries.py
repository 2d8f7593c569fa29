"""Every GraphQL document the connector sends validates against the 2026-01 schema."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, validate

from connectors.shopify import queries

DOCUMENTS = {
    "ORDER_BY_ID": queries.ORDER_BY_ID,
    "ORDER_LINE_ITEMS_PAGE": queries.ORDER_LINE_ITEMS_PAGE,
    "ORDERS_UPDATED": queries.ORDERS_UPDATED,
    "BULK_RUN_QUERY": queries.BULK_RUN_QUERY,
    "BULK_OPERATION": queries.BULK_OPERATION,
    "CURRENT_BULK_OPERATION": queries.CURRENT_BULK_OPERATION,
    "WEBHOOK_SUBSCRIPTIONS": queries.WEBHOOK_SUBSCRIPTIONS,
    "WEBHOOK_SUBSCRIPTION_CREATE": queries.WEBHOOK_SUBSCRIPTION_CREATE,
    "bulk_orders_query(all)": queries.bulk_orders_query(None),
    "bulk_orders_query(since)": queries.bulk_orders_query(
        "updated_at:>='2026-01-01T00:00:00+00:00'"
    ),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_admin_2026_01(admin_schema: Any, name: str) -> None:
    errors = validate(admin_schema, parse(DOCUMENTS[name]))
    assert [e.message for e in errors] == []


def test_every_document_constant_is_validated() -> None:
    constants = {
        name
        for name, value in vars(queries).items()
        if name.isupper()
        and isinstance(value, str)
        and value.lstrip().startswith(("query", "mutation"))
    }
    assert constants <= set(DOCUMENTS)


def test_bulk_query_stays_within_five_connections() -> None:
    text = queries.bulk_orders_query(None)
    assert text.count("edges") == 4  # orders, lineItems, shippingLines, discounts
    assert "first:" not in text and "pageInfo" not in text


def test_bulk_query_quotes_search_text_safely() -> None:
    text = queries.bulk_orders_query('tag:"a\\b"')
    assert 'query: "tag:\\"a\\\\b\\""' in text


@pytest.mark.parametrize(
    "kinds",
    [
        ["refund"],
        ["fulfillment"],
        ["paymentTerms"],
        ["fulfillment", "paymentTerms", "refund"],
    ],
    ids=["refunds", "fulfillments", "payment-terms", "all-three"],
)
def test_batched_detail_documents_are_valid_against_admin_2026_01(
    admin_schema: Any, kinds: list[str]
) -> None:
    from connectors.shopify.details import (
        FULFILLMENT_KIND,
        PAYMENT_TERMS_KIND,
        REFUND_KIND,
        _batch_document,
    )

    by_name = {
        "refund": REFUND_KIND,
        "fulfillment": FULFILLMENT_KIND,
        "paymentTerms": PAYMENT_TERMS_KIND,
    }
    document = _batch_document([by_name[kind] for kind in kinds])
    errors = validate(admin_schema, parse(document))
    assert [e.message for e in errors] == []


def test_next_page_documents_of_detail_connections_are_valid_against_admin_2026_01(
    admin_schema: Any,
) -> None:
    from connectors.shopify.details import (
        FULFILLMENT_KIND,
        PAYMENT_TERMS_KIND,
        REFUND_KIND,
        _page_document,
    )

    pages = [
        _page_document(kind, name)
        for kind in (REFUND_KIND, FULFILLMENT_KIND, PAYMENT_TERMS_KIND)
        for name in kind.items
    ]
    assert pages  # refunds and fulfillments have connections to page
    for document in pages:
        errors = validate(admin_schema, parse(document))
        assert [e.message for e in errors] == [], document
