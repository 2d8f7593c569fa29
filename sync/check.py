"""`o2c-hub check`: reach every configured system and say, line by line, what works.

Each probe is cheap and read-only: the store answers `select 1`, the queue is opened
or pinged, each shop lists its newest order (token and orders scope), Odoo reports its
version and accepts the credentials, Stripe lists one event. Problems are returned
as results, never raised, so one unreachable system does not hide the next.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from config.settings import OdooSettings, Settings, ShopSettings, StripeSettings
from connectors.shopify.client import ShopifyClient
from o2c.errors import ConnectorError
from sync.store.db import is_current, make_engine, ping

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
# The cheapest read that proves what the hub needs: the token works AND has the
# read_orders scope (`shop { name }` would succeed without that scope).
SHOP_QUERY = (
    "query HubCheck { orders(first: 1, sortKey: UPDATED_AT, reverse: true) "
    "{ nodes { id updatedAt } } }"
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one probe: which system, whether it works, and what was seen."""

    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def check_all(settings: Settings) -> list[CheckResult]:
    """Return one result per configured system, in a stable order."""
    return [_run(name, probe) for name, probe in _probes(settings)]


def _probes(settings: Settings) -> Iterator[tuple[str, Callable[[], str]]]:
    yield "store", lambda: check_store(settings.store_url)
    yield "queue", lambda: check_queue(settings)
    for shop in settings.shops:
        yield f"shop {shop.name}", _shop_probe(shop)
    if settings.odoo is not None:
        odoo = settings.odoo
        yield "odoo", lambda: check_odoo(odoo)
    if settings.stripe is not None:
        stripe = settings.stripe
        yield "stripe", lambda: check_stripe(stripe)


def _shop_probe(shop: ShopSettings) -> Callable[[], str]:
    return lambda: check_shop(shop)


def _run(name: str, probe: Callable[[], str]) -> CheckResult:
    try:
        detail = probe()
    except Exception as exc:
        # A diagnostic must report whatever any driver or client raises, and go on.
        logger.debug("check %s failed", name, exc_info=True)
        return CheckResult(name, False, _describe(exc))
    return CheckResult(name, True, detail)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, requests.ConnectionError) and exc.request is not None:
        return f"no answer from {_origin(str(exc.request.url))} (connection failed)"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    if isinstance(exc, ConnectorError):
        return str(exc)
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


def check_store(url: str) -> str:
    """Return what the store is; raises the driver's error when unreachable."""
    engine = make_engine(url)
    try:
        ping(engine)
        current = is_current(engine)
    finally:
        engine.dispose()
    where = make_url(url).render_as_string(hide_password=True)
    schema = "schema current" if current else "schema will be migrated at start"
    return f"{where} reachable, {schema}"


def check_queue(settings: Settings) -> str:
    """Return what the queue is; raises when it cannot be opened or reached."""
    backend, url = settings.queue.backend, settings.queue_url
    if backend == "sqlite":
        folder = Path(url).parent
        if not folder.is_dir():
            raise FileNotFoundError(f"folder {folder} does not exist")
        with sqlite3.connect(url, timeout=TIMEOUT_SECONDS) as conn:
            conn.execute("select 1")
        return f"sqlite {url}"
    if backend == "redis":
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
        return f"redis {_safe_url(url)} answers"
    check_store(url)
    return f"postgres {_safe_url(url)} reachable"


def check_shop(shop: ShopSettings) -> str:
    """Read the shop's newest order through its Admin API; raises connector errors."""
    # One attempt, short timeout: a check reports, it does not wait out a backoff.
    client = ShopifyClient(
        domain=shop.domain,
        access_token=shop.access_token.get_secret_value(),
        api_version=shop.api_version,
        base_url=shop.base_url,
        timeout=TIMEOUT_SECONDS,
        max_retries=0,
    )
    data = client.execute(SHOP_QUERY, operation="check")
    nodes = (data.get("orders") or {}).get("nodes") or []
    newest = (
        f"newest order updated {nodes[0].get('updatedAt')}" if nodes else "no orders"
    )
    return f"{shop.domain} answers, orders readable, {newest} (API {shop.api_version})"


def check_odoo(odoo: OdooSettings) -> str:
    """Read Odoo's version and log in with the configured key; raises on failure."""
    base = odoo.url.rstrip("/")
    version = _json_rpc(f"{base}/web/webclient/version_info", {})
    server = version.get("server_version", "?")
    if odoo.protocol == "json2":
        response = requests.post(
            f"{base}/json/2/res.users/context_get",
            json={},
            headers={
                "Authorization": f"bearer {odoo.api_key.get_secret_value()}",
                "X-Odoo-Database": odoo.database,
            },
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        return f"Odoo {server} at {base}, API key accepted (JSON-2)"
    uid = _json_rpc(
        f"{base}/jsonrpc",
        {
            "service": "common",
            "method": "authenticate",
            "args": [odoo.database, odoo.login, odoo.api_key.get_secret_value(), {}],
        },
    )
    if not uid:
        raise PermissionError(f"Odoo refused the login {odoo.login!r}")
    return f"Odoo {server} at {base}, logged in as {odoo.login!r} (uid {uid})"


def check_stripe(stripe: StripeSettings) -> str:
    """List one event with the configured key; raises on refusal or no answer."""
    base = (stripe.api_base or "https://api.stripe.com").rstrip("/")
    response = requests.get(
        f"{base}/v1/events",
        params={"limit": 1},
        headers={
            "Authorization": f"Bearer {stripe.api_key.get_secret_value()}",
            "Stripe-Version": stripe.api_version,
        },
        timeout=TIMEOUT_SECONDS,
    )
    if response.status_code in (401, 403):
        raise PermissionError(f"Stripe refused the API key ({response.status_code})")
    response.raise_for_status()
    return f"Stripe at {base} answers (API {stripe.api_version})"


def _json_rpc(url: str, params: dict[str, Any]) -> Any:
    body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}
    response = requests.post(url, json=body, timeout=TIMEOUT_SECONDS)
    response.raise_for_status()
    answer = response.json()
    if answer.get("error"):
        error = answer["error"]
        message = (error.get("data") or {}).get("message") or error.get("message")
        raise RuntimeError(f"Odoo error: {message}")
    return answer.get("result")


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].rpartition('@')[2]}"


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Not a URL SQLAlchemy can read: drop the credentials before '@'.
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"
