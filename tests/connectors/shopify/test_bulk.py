"""Bulk backfill: the JSONL join in constant memory, and the whole operation against
a fake transport (start, poll, stream, complete the details)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st

from connectors.shopify.bulk import (
    LINES_PER_ORDER,
    bulk_lines_of,
    bulk_orders,
    chunk_bulk_lines,
    join_bulk_lines,
)
from connectors.shopify.client import ShopifyClient
from connectors.shopify.parse import loads, order_from_graphql
from o2c.errors import AccessError, PayloadError, PermanentError, RetryableError

ENDPOINT = "https://demo.myshopify.com/admin/api/2026-10/graphql.json"
RESULT_URL = "https://storage.example.com/bulk/results.jsonl?signature=abc"
OP = "gid://shopify/BulkOperation/720918"


def _line(**fields: Any) -> str:
    return json.dumps(fields)


def test_join_nests_children_under_their_order() -> None:
    lines = [
        _line(id="gid://shopify/Order/1", name="#1"),
        _line(__typename="LineItem", id="L1", __parentId="gid://shopify/Order/1"),
        _line(__typename="ShippingLine", id="S1", __parentId="gid://shopify/Order/1"),
        "",
        _line(
            __typename="ManualDiscountApplication",
            index=0,
            __parentId="gid://shopify/Order/1",
        ),
        _line(__typename="LineItem", id="L2", __parentId="gid://shopify/Order/1"),
        _line(id="gid://shopify/Order/2", name="#2"),
    ]

    first, second = list(join_bulk_lines(line.encode() for line in lines))

    assert [n["id"] for n in first["lineItems"]["nodes"]] == ["L1", "L2"]
    assert first["shippingLines"]["nodes"] == [
        {"__typename": "ShippingLine", "id": "S1"}
    ]
    assert first["discountApplications"]["nodes"][0]["index"] == 0
    assert first["lineItems"]["pageInfo"]["hasNextPage"] is False
    assert second["lineItems"]["nodes"] == []


def test_join_yields_each_order_before_reading_further() -> None:
    reads = 0

    def stream() -> Iterator[bytes]:
        nonlocal reads
        for n in range(1, 1_000_001):
            for line in (
                _line(id=f"O{n}"),
                _line(__typename="LineItem", id=f"L{n}", __parentId=f"O{n}"),
            ):
                reads += 1
                yield line.encode()

    joined = join_bulk_lines(stream())
    assert next(joined)["id"] == "O1"
    assert reads == 3  # O1, its line, and the next order's line that closes it
    assert next(joined)["id"] == "O2"
    assert reads == 5


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([_line(__typename="LineItem", id="L", __parentId="O1")], "line 1"),
        (
            [
                _line(id="O1"),
                _line(id="O2"),
                _line(__typename="LineItem", __parentId="O1"),
            ],
            "ungrouped",
        ),
        ([_line(id="O1"), _line(__typename="Refund", __parentId="O1")], "Refund"),
        ([_line(id="O1"), '{"id": "O2"'], "line 2"),
        (["[1, 2]"], "line 1"),
    ],
)
def test_join_refuses_lines_it_cannot_place(lines: list[str], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        list(join_bulk_lines(lines))


def test_bulk_lines_round_trip_through_the_join(fixture_bytes: Any) -> None:
    node = loads(fixture_bytes("pair__order_b2b_eur_usd.graphql.json"))
    (joined,) = join_bulk_lines(bulk_lines_of(node))
    assert joined["lineItems"]["nodes"] == loads(
        json.dumps(node["lineItems"]["nodes"], default=str)
    )
    assert joined["refunds"] == [{"id": "gid://shopify/Refund/66001"}]


# -- chunks for the worker processes -----------------------------------------------

# An order's own fields that may spell what a child line has: the cut must not care.
_NOTES = st.sampled_from(
    [None, "plain", '"__parentId":"O1"', "caf\u00e9 \u2603", "\\u0073", "__parentId"]
)


@st.composite
def _bulk_results(draw: st.DrawFn) -> list[bytes]:
    """Grouped bulk results: orders with notes that mention `__parentId` or need
    escapes, children whose key is escaped, and blank lines between."""
    lines: list[bytes] = []
    for n in range(1, draw(st.integers(0, 12)) + 1):
        root = {"id": f"O{n}", "note": draw(_NOTES), "name": f"#{n}"}
        lines.append(json.dumps(root).encode())
        for c in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["LineItem", "ShippingLine"]))
            text = _line(__typename=kind, id=f"C{n}.{c}", __parentId=f"O{n}")
            if draw(st.booleans()):
                text = text.replace('"__parentId"', '"\\u005f_parentId"')
            lines.append(text.encode())
        if draw(st.booleans()):
            lines.append(b"")
    return lines


@given(lines=_bulk_results(), size=st.integers(1, 5))
def test_chunks_join_to_the_orders_of_the_whole_result(
    lines: list[bytes], size: int
) -> None:
    chunks = list(chunk_bulk_lines(lines, orders=size))

    joined = [
        node
        for chunk in chunks
        for node in join_bulk_lines(chunk.lines, first_line=chunk.first_line)
    ]
    assert joined == list(join_bulk_lines(lines))
    assert [line for chunk in chunks for line in chunk.lines] == lines
    for chunk in chunks[1:]:
        assert "__parentId" not in json.loads(chunk.lines[0])
        assert lines[chunk.first_line - 1] is chunk.lines[0]


def test_chunks_hold_the_orders_asked_for() -> None:
    lines = [
        _line(id=f"O{n}")
        if k == 0
        else _line(__typename="LineItem", __parentId=f"O{n}")
        for n in range(1, 8)
        for k in range(3)
    ]

    chunks = list(chunk_bulk_lines(lines, orders=3))

    assert [len(c.lines) for c in chunks] == [9, 9, 3]
    assert [c.first_line for c in chunks] == [1, 10, 19]


def test_a_chunk_closes_after_its_most_lines_when_it_cannot_count_orders() -> None:
    # Every order mentions `__parentId`, so none is counted from the text alone.
    lines = [
        _line(id=f"O{n}", note="__parentId")
        if k == 0
        else _line(__typename="LineItem", __parentId=f"O{n}")
        for n in range(1, 21)
        for k in range(LINES_PER_ORDER // 2)
    ]

    chunks = list(chunk_bulk_lines(lines, orders=1))

    assert len(chunks) == 10
    assert all(len(chunk.lines) == LINES_PER_ORDER for chunk in chunks)


def test_a_broken_line_in_a_later_chunk_is_named_by_its_number_in_the_result() -> None:
    lines = [_line(id=f"O{n}") for n in range(1, 10)]
    lines[6] = '{"id": "O7"'

    with pytest.raises(PayloadError) as whole:
        list(join_bulk_lines(lines))
    failing = [
        chunk
        for chunk in chunk_bulk_lines(lines, orders=2)
        if chunk.first_line <= 7 < chunk.first_line + len(chunk.lines)
    ]
    with pytest.raises(PayloadError) as chunked:
        list(join_bulk_lines(failing[0].lines, first_line=failing[0].first_line))

    assert str(chunked.value) == str(whole.value)
    assert "line 7" in str(chunked.value)


# -- the whole operation ---------------------------------------------------------


def _ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data}


def _operation(status: str, **fields: Any) -> dict[str, Any]:
    return _ok({"bulkOperation": {"id": OP, "status": status, **fields}})


@pytest.fixture
def pair_node(fixture_bytes: Any) -> dict[str, Any]:
    return loads(fixture_bytes("pair__order_b2b_eur_usd.graphql.json"))  # type: ignore[no-any-return]


def _plain_node(pair_node: dict[str, Any]) -> dict[str, Any]:
    plain = copy.deepcopy(pair_node)
    plain.update(
        id="gid://shopify/Order/2", paymentTerms=None, refunds=[], fulfillments=[]
    )
    return plain


def test_bulk_orders_streams_complete_orders_in_the_by_id_shape(
    client: ShopifyClient,
    mocked: responses.RequestsMock,
    clock: Any,
    pair_node: dict[str, Any],
) -> None:
    pair_node["paymentTerms"]["id"] = "gid://shopify/PaymentTerms/5"
    plain = _plain_node(pair_node)
    jsonl = "\n".join([*bulk_lines_of(pair_node), *bulk_lines_of(plain)]) + "\n"
    mocked.post(
        ENDPOINT,
        json=_ok(
            {
                "bulkOperationRunQuery": {
                    "bulkOperation": {"id": OP, "status": "CREATED"},
                    "userErrors": [],
                }
            }
        ),
    )
    mocked.post(ENDPOINT, json=_operation("RUNNING", rootObjectCount="1"))
    mocked.post(
        ENDPOINT, json=_operation("COMPLETED", rootObjectCount="2", url=RESULT_URL)
    )
    mocked.get(RESULT_URL, body=jsonl)
    refund, fulfillment = pair_node["refunds"][0], pair_node["fulfillments"][0]
    terms = pair_node["paymentTerms"]
    mocked.post(
        ENDPOINT,
        json=_ok(
            {
                "fulfillment": [{"__typename": "Fulfillment", **fulfillment}],
                "paymentTerms": [{"__typename": "PaymentTerms", **terms}],
                "refund": [{"__typename": "Refund", **refund}],
            }
        ),
    )
    progress: list[int] = []

    since = datetime(2026, 1, 1, tzinfo=UTC)
    nodes = list(
        bulk_orders(client, since=since, poll_interval=5.0, on_progress=progress.append)
    )

    assert [order_from_graphql(n, shop="demo") for n in nodes] == [
        order_from_graphql(pair_node, shop="demo"),
        order_from_graphql(plain, shop="demo"),
    ]
    assert progress == [1, 2]
    assert clock.sleeps == [5.0]
    started = json.loads(mocked.calls[0].request.body)["variables"]["query"]
    assert "updated_at:>='2026-01-01T00:00:00+00:00'" in started
    download = next(c for c in mocked.calls if c.request.url == RESULT_URL)
    assert "X-Shopify-Access-Token" not in download.request.headers
    detail_calls = [
        c for c in mocked.calls if c.request.body and b"NodesByIds" in c.request.body
    ]
    # Only the order with details needed them: its three objects in one query.
    assert len(detail_calls) == 1


def test_bulk_orders_with_no_result_file_yields_nothing(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        ENDPOINT,
        json=_ok(
            {"bulkOperationRunQuery": {"bulkOperation": {"id": OP}, "userErrors": []}}
        ),
    )
    mocked.post(ENDPOINT, json=_operation("COMPLETED", rootObjectCount="0", url=None))

    assert list(bulk_orders(client)) == []


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("FAILED", "INTERNAL_SERVER_ERROR", RetryableError),
        ("FAILED", "ACCESS_DENIED", AccessError),
        ("CANCELED", None, PermanentError),
        ("EXPIRED", None, PermanentError),
    ],
)
def test_bulk_orders_failures_become_typed_errors(
    client: ShopifyClient,
    mocked: responses.RequestsMock,
    status: str,
    code: str | None,
    kind: type[Exception],
) -> None:
    mocked.post(
        ENDPOINT,
        json=_ok(
            {"bulkOperationRunQuery": {"bulkOperation": {"id": OP}, "userErrors": []}}
        ),
    )
    mocked.post(ENDPOINT, json=_operation(status, errorCode=code))

    with pytest.raises(kind) as caught:
        list(bulk_orders(client))
    assert type(caught.value) is kind
    assert caught.value.external_id == OP  # type: ignore[attr-defined]


def test_bulk_poll_falls_back_to_the_current_operation(
    client: ShopifyClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        ENDPOINT,
        json=_ok(
            {"bulkOperationRunQuery": {"bulkOperation": {"id": OP}, "userErrors": []}}
        ),
    )
    mocked.post(ENDPOINT, json=_ok({"bulkOperation": None}))
    mocked.post(
        ENDPOINT,
        json=_ok(
            {"currentBulkOperation": {"id": OP, "status": "COMPLETED", "url": None}}
        ),
    )

    assert list(bulk_orders(client)) == []
    assert b"CurrentBulkOperation" in mocked.calls[2].request.body
