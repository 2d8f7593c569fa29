"""The admin API (`/admin/...`): status, orders and dead letters, as the CLI shows them.

It answers `Authorization: Bearer <[server] admin_token>`; without a configured
token, only requests from this machine (loopback). The endpoints are plain `def`
functions: FastAPI runs them on its thread pool, off the event loop that serves
webhooks.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from config.settings import Settings
from sync.deadletters import list_dead_letters, retry, retry_all
from sync.http.views import order_detail_json, order_json
from sync.http.webhooks import Intake
from sync.orders_repo import get_order, list_orders
from sync.status import hub_status

MAX_LIST = 1_000


def admin_router(intake: Intake) -> APIRouter:
    """Return the admin API's router, guarded by the admin token or loopback."""
    guard = Depends(_guard(intake.settings))
    router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[guard])
    engine = intake.engine

    @router.get("/status", summary="Orders per state, inbox, dead letters, polls")
    def status() -> dict[str, Any]:
        return hub_status(engine, intake.settings)

    @router.get("/orders", summary="Stored orders, most recently updated first")
    def orders(
        state: str | None = None,
        shop: str | None = None,
        limit: int = Query(50, ge=1, le=MAX_LIST),
    ) -> dict[str, Any]:
        records = list_orders(engine, state=state, shop=shop, limit=limit)
        return {"orders": [order_json(record) for record in records]}

    @router.get("/orders/{ident:path}", summary="One order by id, GID or number")
    def order(ident: str, shop: str | None = None) -> dict[str, Any]:
        found = get_order(engine, ident, shop=shop)
        if found is None:
            raise HTTPException(404, f"no stored order matches {ident!r}")
        return order_detail_json(*found)

    @router.get("/dead-letters", summary="Dead and parked inbox rows")
    def dead_letters() -> dict[str, Any]:
        letters = list_dead_letters(engine, limit=MAX_LIST)
        return {"dead_letters": [letter.as_dict() for letter in letters]}

    @router.post("/dead-letters/{letter_id}/retry", summary="Retry one dead letter")
    def retry_one(letter_id: int) -> dict[str, int]:
        keys = [
            letter.key
            for letter in list_dead_letters(engine, limit=MAX_LIST * 100)
            if letter.id == letter_id and letter.key
        ]
        if not retry(engine, letter_id):
            raise HTTPException(404, f"no dead or parked inbox row with id {letter_id}")
        return {"retried": 1, "keys_queued": _enqueue(intake, keys)}

    @router.post("/dead-letters/retry", summary="Retry every dead letter")
    def retry_every() -> dict[str, int]:
        letters = list_dead_letters(engine, limit=MAX_LIST * 100)
        count = retry_all(engine)
        keys = [letter.key for letter in letters if letter.key]
        return {"retried": count, "keys_queued": _enqueue(intake, keys)}

    return router


def _enqueue(intake: Intake, keys: list[str]) -> int:
    """Queue each distinct key; the sweep covers any that fail. Returns how many."""
    distinct = sorted(set(keys))
    for key in distinct:
        intake.enqueue(key)
    return len(distinct)


def _guard(settings: Settings) -> Any:
    token = settings.server.admin_token

    def check(request: Request) -> None:
        if token is None:
            if not _is_loopback(request.client.host if request.client else ""):
                raise HTTPException(
                    403, "the admin API answers only this machine without admin_token"
                )
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), expected
        ):
            raise HTTPException(
                401, "admin token missing or wrong", {"WWW-Authenticate": "Bearer"}
            )

    return check


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
