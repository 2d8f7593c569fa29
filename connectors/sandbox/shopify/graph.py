"""Sandbox Shopify GraphQL execution: the Admin schema subset made executable.

`schema.graphql` (a faithful subset of Shopify's Admin SDL) is executed with
graphql-core over `graph_source` dicts. One field resolver serves every field: it
reads the source dict, calls root callables with their arguments, pages lists that the
schema types as connections, and cuts plain lists to `first`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    execute,
    get_named_type,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError

from connectors.sandbox.shopify.graph_source import Source, order_source
from connectors.sandbox.shopify.paging import page_list, page_orders
from connectors.sandbox.shopify.records import SandboxOrder
from connectors.sandbox.shopify.schema_subset import SCHEMA_PATH
from connectors.sandbox.shopify.subscriptions import WebhookRegistry


@functools.cache
def sandbox_schema() -> GraphQLSchema:
    """Return the executable schema built from `schema.graphql` (built once)."""
    return build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=512)
def prepare(query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """Parse and validate a document once per distinct text (clients resend them).

    Returns the document (None when it does not parse) and the formatted errors.
    """
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return None, (dict(exc.formatted),)
    problems = validate(sandbox_schema(), document)
    return document, tuple(dict(p.formatted) for p in problems)


class BulkHooks(Protocol):
    """What the executor needs from the bulk-operation runner of one shop."""

    def run(self, query: str, group_objects: bool) -> Source: ...

    def get(self, gid: str) -> Source | None: ...

    def current(self, kind: str) -> Source | None: ...


# The lists of an order source whose items are Nodes reachable by `node(id:)`.
_NODE_LISTS = ("refunds", "fulfillments", "lineItems", "transactions", "shippingLines")


@dataclass
class Context:
    """One request's view of one shop's data."""

    orders: Callable[[], Sequence[SandboxOrder]]
    find: Callable[[str], SandboxOrder | None]
    bulk: BulkHooks | None = None
    find_owner: Callable[[str], SandboxOrder | None] | None = None  # part GID -> order
    subscriptions: WebhookRegistry | None = None
    paged: bool = True  # Shopify requires first/last outside bulk queries
    ignored_search_terms: list[str] = field(default_factory=list)
    _sources: dict[tuple[int, Any], Source] = field(default_factory=dict)

    def node(self, gid: str) -> Source | None:
        """Return any Node the shop holds by its GID: an order or a part of one."""
        if gid.startswith("gid://shopify/Order/"):
            return self.source(self.find(gid))
        owner = self.find_owner(gid) if self.find_owner else None
        order = self.source(owner)
        if order is None:
            return None
        for key in _NODE_LISTS:
            for item in order.get(key) or ():
                if item.get("id") == gid:
                    found: Source = item
                    return found
        terms = order.get("paymentTerms")
        return terms if terms and terms.get("id") == gid else None

    def source(self, order: SandboxOrder | None) -> Source | None:
        """Return the GraphQL source of an order version, built once per request."""
        if order is None:
            return None
        key = (order.id, order.updated_at)
        if key not in self._sources:
            self._sources[key] = order_source(order)
        return self._sources[key]


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Resolve any field of the sandbox schema from a source dict."""
    if isinstance(source, dict):
        value = source.get(info.field_name)
    else:
        value = getattr(source, info.field_name, None)
    if callable(value):
        value = value(info, **args)
    if isinstance(value, list):
        if get_named_type(info.return_type).name.endswith("Connection"):
            return page_list(value, args, required=info.context.paged)
        if args.get("first") is not None:
            return value[: args["first"]]
    return value


def _root(context: Context) -> dict[str, Any]:
    def orders(info: GraphQLResolveInfo, **args: Any) -> Source:
        result, search = page_orders(context.orders(), args, required=context.paged)
        context.ignored_search_terms.extend(search.ignored)
        sources = [context.source(node) for node in result["nodes"]]
        for edge, node in zip(result["edges"], sources, strict=True):
            edge["node"] = node
        result["nodes"] = sources
        return result

    def node(info: GraphQLResolveInfo, id: str) -> Source | None:
        if "/BulkOperation/" in id:
            return context.bulk.get(id) if context.bulk else None
        return context.node(id)

    def current(info: GraphQLResolveInfo, type: str = "QUERY") -> Source | None:
        return context.bulk.current(type) if context.bulk else None

    def run(info: GraphQLResolveInfo, query: str, groupObjects: bool = False) -> Source:  # noqa: N803
        if context.bulk is None:
            return {"bulkOperation": None, "userErrors": [_no_bulk()]}
        return context.bulk.run(query, groupObjects)

    def subscriptions(info: GraphQLResolveInfo, **args: Any) -> Source:
        registry = context.subscriptions
        found = registry.list(topics=args.get("topics")) if registry else []
        return page_list(found, args, required=context.paged)

    def subscribe(
        info: GraphQLResolveInfo,
        topic: str,
        webhookSubscription: dict[str, Any],  # noqa: N803
    ) -> Source:
        if context.subscriptions is None:
            message = "webhook subscriptions are not enabled"
            return {"webhookSubscription": None, "userErrors": [{"message": message}]}
        return context.subscriptions.create(topic, webhookSubscription)

    return {
        "orders": orders,
        "order": lambda info, id: context.source(context.find(id)),
        "node": node,
        "nodes": lambda info, ids: [node(info, i) for i in ids],
        "bulkOperation": node,
        "currentBulkOperation": current,
        "bulkOperationRunQuery": run,
        "webhookSubscriptions": subscriptions,
        "webhookSubscriptionCreate": subscribe,
    }


def _no_bulk() -> Source:
    return {"field": None, "message": "bulk operations are not enabled", "code": None}


def execute_document(
    document: DocumentNode,
    context: Context,
    variables: dict[str, Any] | None = None,
    *,
    operation_name: str | None = None,
) -> ExecutionResult:
    """Execute a parsed, validated document against the sandbox schema."""
    result = execute(
        sandbox_schema(),
        document,
        root_value=_root(context),
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=resolve_field,
    )
    assert not isinstance(result, Sequence) and isinstance(result, ExecutionResult)
    return result


class LocalClient:
    """Answers `execute` like `ShopifyClient.execute`, in-process, for one order.

    It lets the connector's own reading code (`connectors.shopify.orders`) assemble
    an order node without HTTP; data comes back through JSON as it would on the wire.
    """

    def __init__(self, order: SandboxOrder) -> None:
        self.context = Context(
            orders=lambda: [order],
            find=lambda gid: order if gid == order.gid else None,
            find_owner=lambda gid: order,
        )

    def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        operation: str,
        external_id: str | None = None,
        cost: int | None = None,
    ) -> dict[str, Any]:
        """Run the document; return its `data` (in-process, nothing is paced by
        `cost`). Raises ValueError on any error."""
        prepared, problems = prepare(document)
        if prepared is None or problems:
            raise ValueError(f"{operation}: invalid document: {problems}")
        result = execute_document(prepared, self.context, variables or {})
        if result.errors or result.data is None:
            raise ValueError(f"{operation}: {result.errors}")
        data: dict[str, Any] = json.loads(json.dumps(result.data), parse_float=Decimal)
        return data


def render_graphql(order: SandboxOrder, query: str | None = None) -> dict[str, Any]:
    """Return the order's Admin GraphQL node.

    By default the node the Shopify connector assembles with `fetch_order` (its
    ORDER_BY_ID plus the follow-up reads it makes); with `query`, the `order` field
    of that document, which takes an `$id: ID!` variable. Raises ValueError when a
    document is invalid against the sandbox schema or its execution reports errors.
    """
    client = LocalClient(order)
    if query is None:
        from connectors.shopify.orders import fetch_order

        node = fetch_order(client, order.gid)  # type: ignore[arg-type]
    else:
        node = client.execute(query, {"id": order.gid}, operation="render")["order"]
    if not isinstance(node, dict):
        raise ValueError(f"order {order.gid} was not returned")
    return node
