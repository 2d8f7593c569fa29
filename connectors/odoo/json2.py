"""JSON-2 backend (Odoo 19+): `POST /json/2/<model>/<method>` on `requests`.

Arguments are named (`ids`, `context` and the method's parameters in one JSON
object), the API key goes in `Authorization: bearer`, the database in
`X-Odoo-Database`. Errors come back with their HTTP status and Odoo's error
object as the body. The session's adapter keeps requests' default of no retries,
so a write whose answer is lost is reported, never silently re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from config.settings import OdooSettings
from connectors.odoo import wire
from connectors.odoo.errors import (
    CallInfo,
    from_http_status,
    from_network,
    from_odoo_error,
)

logger = logging.getLogger(__name__)


class Json2Transport:
    """Calls `/json/2/<model>/<method>` with a bearer API key."""

    def __init__(
        self, settings: OdooSettings, *, session: requests.Session | None = None
    ) -> None:
        self._base = settings.url.rstrip("/")
        self._timeout = settings.timeout
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._headers = {
            "Authorization": f"bearer {settings.api_key.get_secret_value()}",
            "X-Odoo-Database": settings.database,
            "Content-Type": "application/json; charset=utf-8",
        }
        self.calls = 0

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
        """Run `model.method` over JSON-2; see `wire.Transport.call`."""
        info = CallInfo(
            wire.operation(model, method), external_id, wire.request_id(), write
        )
        body = dict(params or {})
        if ids is not None:
            body["ids"] = list(ids)
        self.calls += 1
        logger.debug("odoo json2 %s request_id=%s", info.operation, info.request_id)
        response = self._post(f"{self._base}/json/2/{model}/{method}", body, info)
        if response.status_code == 200:
            return _parse(response, info)
        error = _error_object(response)
        if error is None:
            raise from_http_status(
                response.status_code,
                info,
                retry_after=response.headers.get("Retry-After"),
            )
        raise from_odoo_error(error, info, status=response.status_code)

    def close(self) -> None:
        """Close the session when this transport created it."""
        if self._owns_session:
            self._session.close()

    def _post(
        self, url: str, body: dict[str, Any], info: CallInfo
    ) -> requests.Response:
        """Send one request; a failure after the connection was made may be a write."""
        headers = {**self._headers, "X-Request-Id": info.request_id}
        try:
            return self._session.post(
                url,
                data=wire.dumps(body).encode(),
                headers=headers,
                timeout=self._timeout,
            )
        except (requests.ConnectTimeout, requests.exceptions.InvalidURL) as exc:
            raise from_network(exc, info, sent=False) from exc
        except requests.ConnectionError as exc:
            raise from_network(exc, info, sent=_was_sent(exc)) from exc
        except requests.RequestException as exc:
            raise from_network(exc, info, sent=True) from exc


def _was_sent(exc: requests.ConnectionError) -> bool:
    """Return False when the connection could not even be opened."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = f"{type(reason).__name__} {exc}"
    return not ("NewConnectionError" in text or "Connection refused" in text)


def _parse(response: requests.Response, info: CallInfo) -> Any:
    """Return the decoded JSON result, or raise as a broken answer."""
    try:
        return wire.loads(response.content)
    except ValueError as exc:
        raise from_http_status(502, info) from exc


def _error_object(response: requests.Response) -> Mapping[str, Any] | None:
    """Return Odoo's error object from an error answer, if the body is one."""
    try:
        body = wire.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) and "name" in body else None
