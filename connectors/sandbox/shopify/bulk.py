"""Sandbox Shopify bulk operations: run a query in the background, serve its JSONL.

`bulkOperationRunQuery` creates an operation (CREATED), a worker thread moves it to
RUNNING and writes the result to a temporary file one line at a time, then marks it
COMPLETED with `url`, `objectCount`, `rootObjectCount` and `fileSize`. As Shopify does,
every node of a connection is its own JSON line carrying `__parentId` (the id of the
node it belongs to), written after its parent; other objects and lists stay inline.
An operation with no objects completes with a null `url`.

Where real Shopify is unknown, the sandbox assumes:
- only queries rooted at `orders` are supported (others get an INVALID user error);
- a running query operation refuses a second one (OPERATION_IN_PROGRESS), as older
  API versions did;
- `first` arguments inside a bulk query are ignored (everything is exported).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError
from graphql.utilities import value_from_ast_untyped

from connectors.sandbox.shopify.graph import sandbox_schema
from connectors.sandbox.shopify.graph_source import Source, graphql_time, order_source
from connectors.sandbox.shopify.paging import page_orders
from connectors.sandbox.shopify.records import SandboxOrder

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 5
MAX_DEPTH = 2


class BulkQueryError(ValueError):
    """The bulk query is not one the sandbox (or Shopify) will run."""


@dataclass
class Operation:
    """One bulk operation and where its result file lives."""

    id: str
    query: str
    created_at: datetime
    status: str = "CREATED"
    completed_at: datetime | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    error_code: str | None = None
    path: Path | None = None

    def source(self) -> Source:
        """Return the operation as a GraphQL `BulkOperation` source."""
        return {
            "__typename": "BulkOperation",
            "id": self.id,
            "status": self.status,
            "errorCode": self.error_code,
            "createdAt": graphql_time(self.created_at),
            "completedAt": graphql_time(self.completed_at),
            "objectCount": str(self.object_count),
            "rootObjectCount": str(self.root_object_count),
            "fileSize": None if self.file_size is None else str(self.file_size),
            "url": self.url,
            "partialDataUrl": None,
            "query": self.query,
            "type": "QUERY",
        }


@dataclass
class BulkRunner:
    """The bulk operations of one shop."""

    orders: Callable[[], Sequence[SandboxOrder]]
    download_url: Callable[[str], str]  # file token -> URL the server serves it at
    directory: Path
    delay_seconds: float = 0.0  # how long an operation lingers in RUNNING
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    _operations: dict[str, Operation] = field(default_factory=dict)
    _files: dict[str, Path] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _closing: threading.Event = field(default_factory=threading.Event)

    def run(self, query: str, group_objects: bool) -> Source:
        """Start an operation; return the `BulkOperationRunQueryPayload` source."""
        with self._lock:
            if any(
                op.status in ("CREATED", "RUNNING") for op in self._operations.values()
            ):
                message = "A bulk query operation for this shop is already in progress."
                return _payload(None, message, "OPERATION_IN_PROGRESS")
            try:
                plan = _plan(query)
            except BulkQueryError as exc:
                return _payload(None, str(exc), "INVALID")
            operation = Operation(
                id=f"gid://shopify/BulkOperation/{uuid.uuid4().int % 10**12}",
                query=query,
                created_at=self.now(),
            )
            self._operations[operation.id] = operation
        worker = threading.Thread(
            target=self._work, args=(operation, plan), daemon=True, name="sandbox-bulk"
        )
        self._workers.append(worker)
        worker.start()
        return _payload(operation.source(), None, None)

    def close(self) -> None:
        """Cancel running operations and wait for their workers to stop."""
        self._closing.set()
        for worker in self._workers:
            worker.join(timeout=10)

    def get(self, gid: str) -> Source | None:
        """Return the operation with this id, or None."""
        operation = self._operations.get(gid)
        return operation.source() if operation else None

    def current(self, kind: str) -> Source | None:
        """Return the newest query operation (the sandbox runs no bulk mutations)."""
        if kind != "QUERY" or not self._operations:
            return None
        return list(self._operations.values())[-1].source()

    def file(self, token: str) -> Path | None:
        """Return the result file a download token names, or None."""
        return self._files.get(token)

    def _work(self, operation: Operation, plan: _Plan) -> None:
        operation.status = "RUNNING"
        if self.delay_seconds:
            self._closing.wait(self.delay_seconds)
        handle, name = tempfile.mkstemp(
            prefix="bulk-", suffix=".jsonl", dir=self.directory
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                self._write(operation, plan, out)
        except Exception:  # the worker records any failure on the operation
            logger.exception("sandbox bulk operation %s failed", operation.id)
            operation.status, operation.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
            return
        if self._closing.is_set():
            operation.status = "CANCELED"
            return
        path = Path(name)
        operation.path, operation.file_size = path, path.stat().st_size
        if operation.object_count:
            token = uuid.uuid4().hex
            self._files[token] = path
            operation.url = self.download_url(token)
        operation.completed_at = self.now()
        operation.status = "COMPLETED"

    def _write(self, operation: Operation, plan: _Plan, out: IO[str]) -> None:
        result, _ = page_orders(self.orders(), plan.arguments, required=False)
        for order in result["nodes"]:
            if self._closing.is_set():
                return
            operation.root_object_count += 1
            operation.object_count += _emit(
                order_source(order), plan.selection, plan.node_type, None, out
            )


@dataclass(frozen=True)
class _Plan:
    arguments: dict[str, Any]
    selection: SelectionSetNode
    node_type: GraphQLObjectType


def _payload(operation: Source | None, message: str | None, code: str | None) -> Source:
    errors = (
        []
        if message is None
        else [{"field": ["query"], "message": message, "code": code}]
    )
    return {"bulkOperation": operation, "userErrors": errors}


def _plan(query: str) -> _Plan:
    """Check a bulk query and return what to run; raises BulkQueryError."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        raise BulkQueryError(f"Invalid bulk query: {exc.message}") from exc
    problems = validate(sandbox_schema(), document)
    if problems:
        raise BulkQueryError(f"Invalid bulk query: {problems[0].message}")
    operations = [
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise BulkQueryError(
            "Invalid bulk query: exactly one query operation is required"
        )
    roots = [
        s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)
    ]
    if (
        len(roots) != 1
        or roots[0].name.value != "orders"
        or roots[0].selection_set is None
    ):
        raise BulkQueryError("the sandbox runs bulk queries rooted at `orders` only")
    root = roots[0]
    assert root.selection_set is not None
    selection = _node_selection(root.selection_set)
    connections = _count_connections(selection, _orders_node_type(), depth=1)
    if connections + 1 > MAX_CONNECTIONS:
        raise BulkQueryError(
            f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        )
    arguments = {
        a.name.value: value_from_ast_untyped(a.value) for a in root.arguments or ()
    }
    arguments.pop("first", None)
    arguments.pop("last", None)
    return _Plan(arguments, selection, _orders_node_type())


def _orders_node_type() -> GraphQLObjectType:
    order = sandbox_schema().get_type("Order")
    assert isinstance(order, GraphQLObjectType)
    return order


def _node_selection(connection: SelectionSetNode) -> SelectionSetNode:
    """The selection on the node of a connection (`edges { node }` or `nodes`)."""
    selections: list[Any] = []
    for child in connection.selections:
        if not isinstance(child, FieldNode) or child.selection_set is None:
            continue
        if child.name.value == "nodes":
            selections.extend(child.selection_set.selections)
        elif child.name.value == "edges":
            for inner in child.selection_set.selections:
                if (
                    isinstance(inner, FieldNode)
                    and inner.name.value == "node"
                    and inner.selection_set
                ):
                    selections.extend(inner.selection_set.selections)
    return SelectionSetNode(selections=tuple(selections))


def _count_connections(
    selection: SelectionSetNode, parent: GraphQLNamedType, depth: int
) -> int:
    count = 0
    for field_node, target, is_connection in _fields(selection, parent, None):
        if field_node.selection_set is None:
            continue
        if is_connection:
            if depth + 1 > MAX_DEPTH:
                raise BulkQueryError(
                    "Bulk queries cannot contain connections with a nesting depth "
                    f"greater than {MAX_DEPTH}."
                )
            count += 1 + _count_connections(
                _node_selection(field_node.selection_set), _node_type(target), depth + 1
            )
        else:
            count += _count_connections(field_node.selection_set, target, depth)
    return count


def _node_type(connection: GraphQLNamedType) -> GraphQLNamedType:
    assert isinstance(connection, GraphQLObjectType)
    node_type: GraphQLNamedType = get_named_type(connection.fields["nodes"].type)
    return node_type


def _fields(
    selection: SelectionSetNode, parent: GraphQLNamedType, source: Source | None
) -> list[tuple[FieldNode, GraphQLNamedType, bool]]:
    """The fields that apply to `source` (all of them when None), with their types."""
    schema = sandbox_schema()
    runtime = source.get("__typename") if source else None
    result = []
    for node in selection.selections:
        if isinstance(node, FieldNode):
            if node.name.value == "__typename":
                result.append((node, parent, False))
                continue
            assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            target = get_named_type(parent.fields[node.name.value].type)
            result.append((node, target, target.name.endswith("Connection")))
            continue
        if not isinstance(node, InlineFragmentNode):
            raise BulkQueryError("the sandbox takes no named fragments in bulk queries")
        condition = node.type_condition.name.value if node.type_condition else None
        if (
            condition is not None
            and runtime is not None
            and not _applies(condition, runtime)
        ):
            continue
        inner = schema.get_type(condition) if condition else parent
        assert inner is not None
        result.extend(_fields(node.selection_set, inner, source))
    return result


def _applies(condition: str, runtime: str) -> bool:
    if condition == runtime:
        return True
    abstract = sandbox_schema().get_type(condition)
    concrete = sandbox_schema().get_type(runtime)
    if isinstance(abstract, GraphQLUnionType):
        return any(t.name == runtime for t in abstract.types)
    if isinstance(abstract, GraphQLInterfaceType) and isinstance(
        concrete, GraphQLObjectType
    ):
        return any(i.name == condition for i in concrete.interfaces)
    return False


def _emit(
    source: Source,
    selection: SelectionSetNode,
    node_type: GraphQLNamedType,
    parent_id: str | None,
    out: IO[str],
) -> int:
    """Write one node and then its connections' nodes; return how many lines."""
    children: list[tuple[SelectionSetNode, GraphQLNamedType, list[Source]]] = []
    line = _project(source, selection, node_type, children)
    if parent_id is not None:
        line["__parentId"] = parent_id
    out.write(json.dumps(line, separators=(",", ":")) + "\n")
    written = 1
    for child_selection, child_type, items in children:
        for item in items:
            written += _emit(item, child_selection, child_type, source["id"], out)
    return written


def _project(
    source: Source,
    selection: SelectionSetNode,
    parent: GraphQLNamedType,
    children: list[tuple[SelectionSetNode, GraphQLNamedType, list[Source]]],
) -> Source:
    """Project a source onto a selection, collecting connections for their own lines."""
    result: Source = {}
    for field_node, target, is_connection in _fields(selection, parent, source):
        key = field_node.alias.value if field_node.alias else field_node.name.value
        if field_node.name.value == "__typename":
            result[key] = source.get("__typename", parent.name)
            continue
        value = source.get(field_node.name.value)
        if is_connection:
            assert field_node.selection_set is not None
            children.append(
                (
                    _node_selection(field_node.selection_set),
                    _node_type(target),
                    value or [],
                )
            )
        elif field_node.selection_set is None or value is None:
            result[key] = value
        elif isinstance(value, list):
            result[key] = [
                _project(v, field_node.selection_set, target, children) for v in value
            ]
        else:
            result[key] = _project(value, field_node.selection_set, target, children)
    return result
