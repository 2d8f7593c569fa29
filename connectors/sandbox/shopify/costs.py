"""Sandbox Shopify query costs and the leaky bucket that throttles like the Admin API.

Costs follow Shopify's documented calculated query cost: scalars and enums 0, objects
1, a connection 2 plus `first` (or `last`) times the cost of one node (the node itself
1 plus its selection), a mutation field 10. The requested cost is computed from the
document before running it; the actual cost from the data it returned, and the
difference is refunded to the bucket.

Where real Shopify is unknown, the sandbox assumes:
- a plain list of objects with a `first` argument costs like a connection without the
  2 (`first` times one item); without `first` it costs one item;
- `nodes(ids:)` costs one item per id (the item itself 1 plus the dearest type
  condition selected), and a null item 1 in the actual cost;
- edges, node, nodes, pageInfo and cursor add nothing beyond the node count;
- a selection on an interface or union costs its shared fields plus the dearest type
  condition;
- a null object costs 1 in the actual cost, as Shopify reports for a missing `order`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

MAX_SINGLE_QUERY_COST = 1000
MUTATION_COST = 10
_PAGING = {"edges", "nodes", "node", "pageInfo", "cursor"}


@dataclass(frozen=True)
class _Walk:
    """What a cost walk needs besides the selection: schema, fragments, variables."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    defaults: dict[str, Any]


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    """Return the operation to run; raises ValueError when ambiguous or missing."""
    operations = [
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    if name is not None:
        operations = [op for op in operations if op.name and op.name.value == name]
    if len(operations) != 1:
        raise ValueError("the document must name exactly one operation to run")
    return operations[0]


def _walk_for(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
) -> _Walk:
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    defaults = {
        v.variable.name.value: int(v.default_value.value)
        for v in operation.variable_definitions or ()
        if isinstance(v.default_value, IntValueNode)
    }
    return _Walk(schema, fragments, variables, defaults)


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Return the cost Shopify would reserve for the operation before running it."""
    operation = operation_of(document, operation_name)
    walk = _walk_for(schema, document, operation, variables or {})
    if operation.operation.value == "mutation":
        return MUTATION_COST * len(_fields(walk, operation.selection_set))
    root = schema.query_type
    assert root is not None
    return _selection_cost(walk, operation.selection_set, root, None)


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    data: dict[str, Any] | None,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Return the cost of what the operation returned (`data`)."""
    operation = operation_of(document, operation_name)
    if operation.operation.value == "mutation":
        return requested_cost(schema, document, variables, operation_name)
    walk = _walk_for(schema, document, operation, variables or {})
    root = schema.query_type
    assert root is not None
    return _selection_cost(walk, operation.selection_set, root, data or {})


def _fields(walk: _Walk, selection: SelectionSetNode) -> list[FieldNode]:
    """The field nodes of a selection, fragments flattened (type conditions ignored)."""
    result: list[FieldNode] = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            result.append(node)
        elif isinstance(node, InlineFragmentNode):
            result.extend(_fields(walk, node.selection_set))
        elif isinstance(node, FragmentSpreadNode):
            result.extend(_fields(walk, walk.fragments[node.name.value].selection_set))
    return result


def _selection_cost(
    walk: _Walk, selection: SelectionSetNode, parent: GraphQLNamedType, data: Any
) -> int:
    """Cost of a selection on one parent type; `data` is None for the requested cost."""
    shared = 0
    conditional: list[int] = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            shared += _field_cost(walk, node, parent, data)
            continue
        fragment: InlineFragmentNode | FragmentDefinitionNode
        if isinstance(node, InlineFragmentNode):
            fragment = node
        else:
            assert isinstance(node, FragmentSpreadNode)
            fragment = walk.fragments[node.name.value]
        condition = fragment.type_condition
        target = walk.schema.get_type(condition.name.value) if condition else parent
        assert target is not None
        cost = _selection_cost(walk, fragment.selection_set, target, data)
        if condition is None or target is parent:
            shared += cost
        else:
            conditional.append(cost)
    return shared + max(conditional, default=0)


def _field_cost(
    walk: _Walk, node: FieldNode, parent: GraphQLNamedType, data: Any
) -> int:
    name = node.name.value
    if name.startswith("__") or not isinstance(
        parent, GraphQLObjectType | GraphQLInterfaceType
    ):
        return 0
    definition = parent.fields.get(name)
    if definition is None:
        return 0
    target = get_named_type(definition.type)
    if (
        isinstance(target, GraphQLScalarType | GraphQLEnumType)
        or node.selection_set is None
    ):
        return 0
    value = None
    if data is not None:
        value = (
            data.get(node.alias.value if node.alias else name)
            if isinstance(data, dict)
            else None
        )
    if target.name.endswith("Connection") and name not in _PAGING:
        return 2 + _connection_cost(walk, node, target, value, data is None)
    if _is_list(definition.type):
        return _list_cost(walk, node, target, value, data is None)
    if data is not None and value is None:
        return 1
    return 1 + _selection_cost(walk, node.selection_set, target, value)


def _connection_cost(
    walk: _Walk, node: FieldNode, target: GraphQLNamedType, value: Any, planned: bool
) -> int:
    """Node count times one node's cost, reading `edges { node }` and `nodes` alike."""
    assert node.selection_set is not None and isinstance(target, GraphQLObjectType)
    node_type = (
        get_named_type(target.fields["nodes"].type)
        if "nodes" in target.fields
        else target
    )
    best = 0
    for child in _fields(walk, node.selection_set):
        inner: list[tuple[SelectionSetNode, Any]] = []
        key = child.alias.value if child.alias else child.name.value
        if child.name.value == "nodes" and child.selection_set:
            items = None if planned else (value or {}).get(key) or []
            inner.append((child.selection_set, items))
        elif child.name.value == "edges" and child.selection_set:
            for edge_field in _fields(walk, child.selection_set):
                if edge_field.name.value == "node" and edge_field.selection_set:
                    edges = None if planned else (value or {}).get(key) or []
                    alias = edge_field.alias.value if edge_field.alias else "node"
                    items = None if edges is None else [e.get(alias) for e in edges]
                    inner.append((edge_field.selection_set, items))
        for selection, items in inner:
            if items is None:
                cost = _page(walk, node) * (
                    1 + _selection_cost(walk, selection, node_type, None)
                )
            else:
                cost = sum(
                    1 + _selection_cost(walk, selection, node_type, item)
                    for item in items
                )
            best = max(best, cost)
    return best


def _list_cost(
    walk: _Walk, node: FieldNode, target: GraphQLNamedType, value: Any, planned: bool
) -> int:
    assert node.selection_set is not None
    if planned:
        count = _page(walk, node) or 1
        return count * (1 + _selection_cost(walk, node.selection_set, target, None))
    items = value if isinstance(value, list) else []
    return sum(
        1
        if item is None
        else 1 + _selection_cost(walk, node.selection_set, target, item)
        for item in items
    )


def _page(walk: _Walk, node: FieldNode) -> int:
    """The `first` or `last` argument of a field, or the number of its `ids`,
    variables resolved (0 when absent)."""
    for argument in node.arguments or ():
        if argument.name.value == "ids":
            ids = argument.value
            if isinstance(ids, ListValueNode):
                return len(ids.values)
            if isinstance(ids, VariableNode):
                return len(walk.variables.get(ids.name.value) or ())
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            name = value.name.value
            found = walk.variables.get(name, walk.defaults.get(name))
            return int(found) if found is not None else 0
    return 0


def _is_list(type_: Any) -> bool:
    while hasattr(type_, "of_type"):
        if type_.__class__.__name__ == "GraphQLList":
            return True
        type_ = type_.of_type
    return False


# -- the bucket ----------------------------------------------------------------------


@dataclass
class LeakyBucket:
    """Shopify's per app-and-shop query budget: spend on request, refill continuously.

    `clock` returns seconds (monotonic); tests inject their own.
    """

    maximum: float = 2000.0
    restore_rate: float = 100.0
    clock: Callable[[], float] = time.monotonic
    _available: float = field(init=False)
    _at: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._available = self.maximum
        self._at = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self._available = min(
            self.maximum, self._available + (now - self._at) * self.restore_rate
        )
        self._at = now

    def take(self, cost: int) -> bool:
        """Spend `cost` points if they are available; return whether they were."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: int) -> None:
        """Give back points reserved but not used (requested minus actual cost)."""
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + points)

    def status(self) -> dict[str, float]:
        """Return `throttleStatus` as Shopify writes it."""
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": float(int(self._available)),
                "restoreRate": self.restore_rate,
            }


def cost_extension(
    requested: int, actual: int | None, bucket: LeakyBucket
) -> dict[str, Any]:
    """Return `extensions.cost` for a response."""
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": bucket.status(),
    }


def throttled_body(requested: int, bucket: LeakyBucket) -> dict[str, Any]:
    """Return the body Shopify answers (with HTTP 200) when the bucket lacks points."""
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": {"cost": cost_extension(requested, None, bucket)},
    }


def max_cost_body(requested: int) -> dict[str, Any]:
    """Return the error body for one query dearer than the single-query limit."""
    return {
        "errors": [
            {
                "message": (
                    f"Query cost is {requested}, which exceeds the single query "
                    "max cost "
                    f"limit ({MAX_SINGLE_QUERY_COST})."
                ),
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_SINGLE_QUERY_COST,
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ]
    }
