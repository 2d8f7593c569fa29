"""JSON-RPC backend (Odoo 16 to 19) on odoorpc's JSON proxy.

odoorpc's `ProxyJSON` carries the requests (urllib, the configured timeout, no
automatic retry: a dropped answer is never re-sent behind our back). The gateway
reads raw answers itself to parse amounts as Decimals, and calls
`/jsonrpc` `object.execute_kw` with the API key as password, which is how Odoo
accepts API keys over RPC (`/web/session/authenticate` does not take them).
odoorpc logs whole requests at DEBUG, password arguments included; a filter on
its logger drops those records so no key reaches a log.
"""

from __future__ import annotations

import http.client
import logging
import urllib.error
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from odoorpc.rpc.jsonrpclib import ProxyJSON

from config.settings import OdooSettings
from connectors.odoo import wire
from connectors.odoo.errors import (
    CallInfo,
    from_http_status,
    from_network,
    from_odoo_error,
)
from o2c.errors import AuthenticationError, ConfigurationError

logger = logging.getLogger(__name__)


def _hide_payloads(record: logging.LogRecord) -> bool:
    """Keep odoorpc's request logs out: they print execute_kw's password argument."""
    return "(JSON," not in str(record.msg)


logging.getLogger("odoorpc.rpc.jsonrpclib").addFilter(_hide_payloads)


class JsonRpcTransport:
    """Calls `object.execute_kw` over `/jsonrpc`; authenticates once, lazily."""

    def __init__(self, settings: OdooSettings) -> None:
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"[odoo] url is not http(s): {settings.url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._proxy = ProxyJSON(
            parts.hostname,
            port,
            timeout=settings.timeout,
            ssl=parts.scheme == "https",
            deserialize=False,
        )
        self._database = settings.database
        self._login = settings.login
        self._secret = settings.api_key.get_secret_value()
        self._uid: int | None = None
        self.calls = 0

    def version(self) -> dict[str, Any]:
        """Return `common.version()`: server_version and server_version_info."""
        result = self._service("common", "version", [], write=False)
        return dict(result)

    def call(
        self,
        model: str,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        ids: Sequence[int] | None = None,
        write: bool = False,
        external_id: str | None = None,
    ) -> Any:
        """Run `model.method` through `execute_kw`; see `wire.Transport.call`."""
        uid = self._authenticate()
        args: list[Any] = [list(ids)] if ids is not None else []
        execute = [self._database, uid, self._secret, model, method, args, params or {}]
        return self._service(
            "object",
            "execute_kw",
            execute,
            write=write,
            operation=wire.operation(model, method),
            external_id=external_id,
        )

    def close(self) -> None:
        """Nothing to release: urllib opens a connection per request."""

    def _authenticate(self) -> int:
        """Return the uid of the login and API key, asking the server once.

        Raises AuthenticationError when the server refuses them.
        """
        if self._uid is not None:
            return self._uid
        uid = self._service(
            "common",
            "authenticate",
            [self._database, self._login, self._secret, {}],
            write=False,
        )
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise AuthenticationError(
                f"login {self._login!r} with the configured API key was refused",
                system="odoo",
                operation="common.authenticate",
            )
        self._uid = uid
        return uid

    def _service(
        self,
        service: str,
        method: str,
        args: list[Any],
        *,
        write: bool,
        operation: str | None = None,
        external_id: str | None = None,
    ) -> Any:
        """POST one `/jsonrpc` call; return its result or raise the hub's error."""
        info = CallInfo(
            operation or f"{service}.{method}", external_id, wire.request_id(), write
        )
        params = {"service": service, "method": method, "args": wire.to_wire(args)}
        self.calls += 1
        logger.debug("odoo jsonrpc %s request_id=%s", info.operation, info.request_id)
        body = self._post(params, info)
        try:
            answer = wire.loads(body)
        except ValueError as exc:
            raise from_http_status(502, info) from exc
        if isinstance(answer, dict) and "error" in answer:
            error = answer["error"] or {}
            raise from_odoo_error(error.get("data") or error, info)
        return answer.get("result") if isinstance(answer, dict) else None

    def _post(self, params: dict[str, Any], info: CallInfo) -> bytes:
        """Send the request and read the whole answer.

        urllib wraps failures while sending in URLError (nothing reached the
        server); a failure while waiting for or reading the answer is raw.
        """
        try:
            response = self._proxy("/jsonrpc", params)
            return bytes(response.read())
        except urllib.error.HTTPError as exc:
            raise from_http_status(
                exc.code, info, retry_after=exc.headers.get("Retry-After")
            ) from exc
        except urllib.error.URLError as exc:
            raise from_network(exc, info, sent=False) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise from_network(exc, info, sent=True) from exc
