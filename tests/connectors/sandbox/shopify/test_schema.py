"""The sandbox schema is a faithful subset of Shopify's Admin SDL and runs the
connector's documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    parse,
    validate,
)

from connectors.sandbox.shopify.graph import sandbox_schema
from connectors.sandbox.shopify.schema_subset import SCHEMA_PATH, subset_sdl
from connectors.shopify import queries

REAL_SDL = (
    Path(__file__).resolve().parents[5]
    / "shared/fixtures/shopify/admin-graphql/admin-2026-01.schema.graphql"
)


@pytest.fixture(scope="module")
def real_sdl() -> str:
    """Shopify's Admin SDL from the shared fixtures; skipped where it is absent."""
    if not REAL_SDL.is_file():
        pytest.skip(
            f"{REAL_SDL} is absent (shared fixtures live beside the repository)"
        )
    return REAL_SDL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def real_schema(real_sdl: str) -> GraphQLSchema:
    return build_schema(real_sdl)


def _signature(field: object) -> tuple[str, dict[str, tuple[str, object]]]:
    args = getattr(field, "args", {})
    return str(field.type), {  # type: ignore[attr-defined]
        name: (str(arg.type), arg.default_value) for name, arg in args.items()
    }


def test_every_sandbox_type_and_field_matches_the_real_schema(
    real_schema: GraphQLSchema,
) -> None:
    mine = sandbox_schema()
    checked = 0
    for name, kind in mine.type_map.items():
        if name.startswith("__"):
            continue
        real = real_schema.type_map.get(name)
        assert real is not None, name
        assert type(real) is type(kind), name
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                assert _signature(field) == _signature(real.fields[field_name]), (
                    f"{name}.{field_name}"
                )
                checked += 1
            assert {i.name for i in kind.interfaces} <= {
                i.name for i in real.interfaces
            }
        elif isinstance(kind, GraphQLEnumType):
            assert set(kind.values) == set(real.values), name
        elif isinstance(kind, GraphQLInputObjectType):
            assert set(kind.fields) == set(real.fields), name
        elif isinstance(kind, GraphQLUnionType):
            assert {t.name for t in kind.types} <= {t.name for t in real.types}, name
    assert checked > 250


def test_committed_schema_file_is_what_the_subset_tool_cuts_from_the_real_sdl(
    real_schema: GraphQLSchema,
) -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == subset_sdl(real_schema)


@pytest.mark.parametrize(
    "name",
    [
        "ORDER_BY_ID",
        "ORDER_LINE_ITEMS_PAGE",
        "ORDERS_UPDATED",
        "BULK_RUN_QUERY",
        "BULK_OPERATION",
        "CURRENT_BULK_OPERATION",
    ],
)
def test_connector_documents_are_valid_against_the_sandbox_schema(name: str) -> None:
    document = parse(getattr(queries, name))

    assert validate(sandbox_schema(), document) == []


def test_connector_bulk_query_is_valid_against_the_sandbox_schema() -> None:
    document = parse(queries.bulk_orders_query("updated_at:>='2026-01-01T00:00:00Z'"))

    assert validate(sandbox_schema(), document) == []
