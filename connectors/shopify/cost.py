"""The requested cost of a selection, computed as Shopify's calculated query cost.

Used to size batched reads (`nodes(ids:)`) so that one query stays under Shopify's
single-query limit. The rules need no schema, only the selection's shape: a scalar
(a field without a selection) costs 0, an object 1 plus its selection, a connection
(a field with `first` or `last` selecting `nodes` or `edges`) 2 plus the page size
times one node, a plain list with `first` the page size times one item, and type
conditions (`... on Refund`) the dearest of them.
"""

from __future__ import annotations

import functools

from graphql import (
    FieldNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

# Shopify refuses a single query whose requested cost is above this.
MAX_QUERY_COST = 1000


@functools.cache
def selection_cost(selection: str) -> int:
    """Return the requested cost of a selection (the text inside an object's braces).

    Raises graphql's GraphQLSyntaxError for text that is not a selection.
    """
    operation = parse(f"{{ {selection} }}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return _cost(operation.selection_set)


def _cost(selection: SelectionSetNode) -> int:
    shared, conditional = 0, [0]
    for node in selection.selections:
        if isinstance(node, FieldNode):
            shared += _field_cost(node)
        elif isinstance(node, InlineFragmentNode):
            cost = _cost(node.selection_set)
            if node.type_condition is None:
                shared += cost
            else:
                conditional.append(cost)
    return shared + max(conditional)


def _field_cost(node: FieldNode) -> int:
    if node.selection_set is None:
        return 0
    page = _page(node)
    paged = [
        child
        for child in node.selection_set.selections
        if isinstance(child, FieldNode) and child.name.value in ("nodes", "edges")
    ]
    if page is not None and paged:
        return 2 + page * max(_node_cost(child) for child in paged)
    if page is not None:
        return page * (1 + _cost(node.selection_set))
    return 1 + _cost(node.selection_set)


def _node_cost(child: FieldNode) -> int:
    """One node of a connection, read through `nodes { ... }` or `edges { node }`."""
    assert child.selection_set is not None
    if child.name.value == "nodes":
        return 1 + _cost(child.selection_set)
    inner = [
        f
        for f in child.selection_set.selections
        if isinstance(f, FieldNode) and f.name.value == "node" and f.selection_set
    ]
    return max(
        (1 + _cost(f.selection_set) for f in inner if f.selection_set), default=0
    )


def _page(node: FieldNode) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            raise ValueError(f"{node.name.value}: page size must be a literal here")
    return None
