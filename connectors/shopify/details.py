"""Order details read in batches: refunds, fulfillments and payment terms by id.

A bulk operation cannot select refunds and fulfillments (lists holding connections)
nor payment terms' schedules, and polling lists orders before reading them; both
then need these objects by id. `read_nodes` reads many of them per query through
`nodes(ids:)`: each kind is selected with small pages, its requested cost per id
computed from the selection (`cost.selection_cost`), and ids are packed into one
query until Shopify's single-query limit would be passed. A connection with more
items than its small page is then paged in full, one query per further page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.shopify.client import ShopifyClient
from connectors.shopify.cost import MAX_QUERY_COST, selection_cost
from connectors.shopify.queries import (
    FULFILLMENT_ITEMS,
    FULFILLMENT_PAGES,
    FULFILLMENTS_MAX,
    PAGE_INFO,
    REFUND_ITEMS,
    REFUND_PAGES,
    REFUNDS_MAX,
    connection,
    fulfillment_selection,
    refund_selection,
)
from o2c.errors import PayloadError

logger = logging.getLogger(__name__)

# Shopify reads at most this many ids in one `nodes(ids:)`.
MAX_IDS = 250


@dataclass(frozen=True, eq=False)
class NodeKind:
    """One type read by id: its selection in a batch and how to page its
    connections (item selection, page size beyond the batch's first page)."""

    typename: str
    selection: str
    items: dict[str, str]
    pages: dict[str, int]

    @property
    def alias(self) -> str:
        return self.typename[0].lower() + self.typename[1:]

    @property
    def cost(self) -> int:
        """Requested cost of one id: the node (1) and its selection."""
        return 1 + selection_cost(self.selection)


# The first page of each connection in a batched read: small, so that several
# objects fit in one query; the rare object with more items is paged after.
BATCH_REFUND_PAGES = {
    "refundLineItems": 10,
    "refundShippingLines": 2,
    "orderAdjustments": 2,
    "transactions": 3,
}
BATCH_FULFILLMENT_PAGES = {"fulfillmentLineItems": 20}

REFUND_KIND = NodeKind(
    "Refund", refund_selection(BATCH_REFUND_PAGES), REFUND_ITEMS, REFUND_PAGES
)
FULFILLMENT_KIND = NodeKind(
    "Fulfillment",
    fulfillment_selection(BATCH_FULFILLMENT_PAGES),
    FULFILLMENT_ITEMS,
    FULFILLMENT_PAGES,
)
PAYMENT_TERMS_KIND = NodeKind(
    "PaymentTerms",
    "id paymentTermsName paymentTermsType dueInDays "
    "paymentSchedules(first: 1) { nodes { dueAt } }",
    {},
    {},
)

Wanted = tuple[NodeKind, str]  # a kind and a GID
Read = dict[str, Any] | PayloadError


def plan_batches(
    wanted: Sequence[Wanted], *, budget: int = MAX_QUERY_COST
) -> list[list[Wanted]]:
    """Cut the wanted ids into batches whose requested cost stays within `budget`,
    in the order given (each id once)."""
    batches: list[list[Wanted]] = []
    current: list[Wanted] = []
    cost = 0
    seen: set[str] = set()
    for kind, gid in wanted:
        if gid in seen:
            continue
        seen.add(gid)
        same_kind = sum(1 for k, _ in current if k is kind)
        if current and (cost + kind.cost > budget or same_kind >= MAX_IDS):
            batches.append(current)
            current, cost = [], 0
        current.append((kind, gid))
        cost += kind.cost
    if current:
        batches.append(current)
    return batches


def read_nodes(
    client: ShopifyClient, wanted: Sequence[Wanted], *, budget: int = MAX_QUERY_COST
) -> dict[str, Read]:
    """Return each wanted GID's node, every connection read in full, or the
    PayloadError saying why it could not be read (missing, wrong type, bad shape).

    Raises the client's ConnectorError subclasses.
    """
    found: dict[str, Read] = {}
    for batch in plan_batches(wanted, budget=budget):
        found.update(_read_batch(client, batch))
    kinds = {gid: kind for kind, gid in wanted}
    for gid, node in found.items():
        if isinstance(node, dict):
            kind = kinds[gid]
            try:
                _page_connections(client, kind, node)
            except PayloadError as exc:
                found[gid] = exc
    return found


def _read_batch(client: ShopifyClient, batch: list[Wanted]) -> dict[str, Read]:
    kinds = sorted({kind for kind, _ in batch}, key=lambda k: k.typename)
    ids = {kind.alias: [gid for k, gid in batch if k is kind] for kind in kinds}
    document = _batch_document(kinds)
    names = "+".join(kind.typename for kind in kinds)
    cost = sum(kind.cost for kind, _ in batch)
    data = client.execute(document, ids, operation=f"nodes_by_ids:{names}", cost=cost)
    result: dict[str, Read] = {}
    for kind in kinds:
        answered = data.get(kind.alias)
        if not isinstance(answered, list) or len(answered) != len(ids[kind.alias]):
            raise PayloadError(
                "nodes(ids:) did not answer one item per id", where=kind.alias
            )
        for gid, node in zip(ids[kind.alias], answered, strict=True):
            result[gid] = _checked(kind, gid, node)
    logger.debug("shopify: read %d nodes (%s) in one query", len(batch), names)
    return result


def _batch_document(kinds: list[NodeKind]) -> str:
    variables = ", ".join(f"${kind.alias}: [ID!]!" for kind in kinds)
    fields = " ".join(
        f"{kind.alias}: nodes(ids: ${kind.alias}) "
        f"{{ __typename ... on {kind.typename} {{ {kind.selection} }} }}"
        for kind in kinds
    )
    return f"query NodesByIds({variables}) {{ {fields} }}"


def _checked(kind: NodeKind, gid: str, node: Any) -> Read:
    if not isinstance(node, dict) or node.get("__typename") != kind.typename:
        return PayloadError(
            f"{gid} did not come back as a {kind.typename} (deleted since it was "
            "listed, or not readable with this token)",
            where=f"nodes({kind.alias})",
        )
    return node


def _page_connections(
    client: ShopifyClient, kind: NodeKind, node: dict[str, Any]
) -> None:
    """Read the further pages of each connection that has them, in place."""
    for name in kind.items:
        current = _connection(node, name)
        while current["pageInfo"].get("hasNextPage"):
            data = client.execute(
                _page_document(kind, name),
                {"id": node["id"], "after": current["pageInfo"].get("endCursor")},
                operation=f"{kind.typename.lower()}_{name}_page",
                external_id=node["id"],
            )
            page = data.get("node")
            if not isinstance(page, dict):
                raise PayloadError(f"{node['id']} vanished while paging", where=name)
            more = _connection(page, name)
            current["nodes"].extend(more["nodes"])
            current["pageInfo"] = more["pageInfo"]


def _page_document(kind: NodeKind, name: str) -> str:
    """The query for the next page of connection `name` of one node of `kind`."""
    page = connection(name, kind.items[name], kind.pages[name], after="$after")
    return (
        "query NodePage($id: ID!, $after: String) { node(id: $id) { "
        f"__typename ... on {kind.typename} {{ {page} }} }} }}"
    )


def _connection(parent: dict[str, Any], key: str) -> dict[str, Any]:
    found = parent.get(key)
    if (
        not isinstance(found, dict)
        or not isinstance(found.get("nodes"), list)
        or not isinstance(found.get("pageInfo"), dict)
    ):
        raise PayloadError(
            f"expected a connection with nodes and {PAGE_INFO}", where=key
        )
    return found


def complete_orders(
    client: ShopifyClient, orders: Sequence[dict[str, Any]]
) -> list[PayloadError | None]:
    """Replace the listed refund and fulfillment ids of each order (and payment
    terms read only as an id, as a bulk result has them) with the full objects, in
    place, reading all the orders' objects in shared batches.

    Returns, per order, None when it is complete, or the PayloadError that keeps it
    from being read (more objects than the connector reads, an object missing).
    Raises the client's ConnectorError subclasses.
    """
    wanted: list[Wanted] = []
    problems: list[PayloadError | None] = []
    for order in orders:
        try:
            wanted += _wanted(order)
            problems.append(None)
        except PayloadError as exc:
            problems.append(exc)
    found = read_nodes(client, wanted)
    for index, order in enumerate(orders):
        if problems[index] is None:
            problems[index] = _fill(order, found)
    return problems


def _wanted(order: dict[str, Any]) -> list[Wanted]:
    wanted: list[Wanted] = []
    for key, kind, limit in (
        ("refunds", REFUND_KIND, REFUNDS_MAX),
        ("fulfillments", FULFILLMENT_KIND, FULFILLMENTS_MAX),
    ):
        listed = order.get(key)
        if listed is None:
            continue
        if not isinstance(listed, list):
            raise PayloadError(f"expected a list of {key}", where=key)
        if len(listed) > limit:
            raise PayloadError(
                f"order has more than {limit} {key}, more than the connector reads",
                where=key,
            )
        wanted += [(kind, _listed_id(item, key)) for item in listed]
    terms = order.get("paymentTerms")
    if isinstance(terms, dict) and set(terms) == {"id"}:
        wanted.append((PAYMENT_TERMS_KIND, _listed_id(terms, "paymentTerms")))
    return wanted


def _fill(order: dict[str, Any], found: dict[str, Read]) -> PayloadError | None:
    try:
        for key in ("refunds", "fulfillments"):
            if order.get(key) is not None:
                order[key] = [_node(found, item["id"]) for item in order[key]]
        terms = order.get("paymentTerms")
        if isinstance(terms, dict) and set(terms) == {"id"}:
            order["paymentTerms"] = _node(found, terms["id"])
    except PayloadError as exc:
        return exc
    return None


def _node(found: dict[str, Read], gid: str) -> dict[str, Any]:
    node = found[gid]
    if isinstance(node, PayloadError):
        raise node
    return node


def _listed_id(item: Any, key: str) -> str:
    gid = item.get("id") if isinstance(item, dict) else None
    if not isinstance(gid, str):
        raise PayloadError("listed item has no id", where=key)
    return gid
