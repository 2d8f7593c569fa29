"""Leases serialize work per key and expire, so a crashed holder blocks only briefly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from sync import leases
from tests.sync.helpers import T0


def test_free_key_is_taken_and_then_refused_to_another_owner(engine: Engine) -> None:
    assert leases.acquire(engine, "k", "a", seconds=60, now=T0)
    assert not leases.acquire(engine, "k", "b", seconds=60, now=T0)
    assert leases.holder(engine, "k", now=T0) == leases.Holder(
        "a", T0 + timedelta(seconds=60)
    )


def test_holder_renews_its_own_lease(engine: Engine) -> None:
    leases.acquire(engine, "k", "a", seconds=60, now=T0)
    later = T0 + timedelta(seconds=50)
    assert leases.acquire(engine, "k", "a", seconds=60, now=later)
    assert leases.holder(engine, "k", now=later + timedelta(seconds=30)) is not None


def test_expired_lease_is_taken_by_another_owner(engine: Engine) -> None:
    leases.acquire(engine, "k", "a", seconds=60, now=T0)
    after = T0 + timedelta(seconds=61)
    assert leases.holder(engine, "k", now=after) is None
    assert leases.acquire(engine, "k", "b", seconds=60, now=after)
    assert leases.holder(engine, "k", now=after).owner == "b"  # type: ignore[union-attr]


def test_release_frees_the_key_only_for_its_owner(engine: Engine) -> None:
    leases.acquire(engine, "k", "a", seconds=60, now=T0)
    assert not leases.release(engine, "k", "b")
    assert leases.release(engine, "k", "a")
    assert leases.acquire(engine, "k", "b", seconds=60, now=T0)


def test_owner_names_are_unique_per_call() -> None:
    assert leases.new_owner("worker") != leases.new_owner("worker")
