"""Fixtures for the Shopify connector tests: payload files, the Admin schema, a
fake clock, and a client wired to `responses` with sleeps that only advance it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from connectors.shopify.client import ShopifyClient
from connectors.shopify.payload import loads

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
SCHEMA = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "fixtures"
    / "shopify"
    / "admin-graphql"
    / "admin-2026-01.schema.graphql"
)
ENDPOINT = "https://demo.myshopify.com/admin/api/2026-10/graphql.json"


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fixture_bytes() -> Any:
    """Return the raw bytes of a file under tests/fixtures/shopify/."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def docs_sample() -> Any:
    """Return the decoded webhook body (`response`) of a Shopify docs sample."""
    return lambda topic: loads((FIXTURES / f"docs_sample__{topic}.json").read_bytes())[
        "response"
    ]


@pytest.fixture(scope="session")
def admin_schema() -> Any:
    """Shopify's 2026-01 Admin schema, built once per session (about 8 s)."""
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent (shared fixtures live beside the repository)")
    from graphql import build_schema

    return build_schema(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client(clock: FakeClock, mocked: responses.RequestsMock) -> ShopifyClient:
    """A client for demo.myshopify.com whose sleeps advance the fake clock."""
    return ShopifyClient(
        domain="demo.myshopify.com",
        access_token="shpat_test_token",
        sleep=clock.sleep,
        clock=clock,
        max_retries=3,
    )
