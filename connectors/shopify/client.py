"""A thin Shopify Admin GraphQL client on `requests`: pacing, retries, typed errors.

Each call is paced by the shop's cost bucket (see `throttle`), retried with
exponential backoff on network errors, 429, 5xx and `THROTTLED` (the server's
Retry-After or throttle status first), and failures are translated once, here, into
`o2c.errors`, carrying the operation, the external id and Shopify's `X-Request-Id`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import requests

from config.settings import ShopSettings
from connectors.shopify.throttle import CostBucket, ThrottleStatus, requested_cost
from o2c.errors import (
    AccessError,
    AmbiguousWriteError,
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RejectedError,
    RetryableError,
)

logger = logging.getLogger(__name__)

SYSTEM = "shopify"
DEFAULT_API_VERSION = "2026-10"
REQUEST_ID_HEADER = "X-Request-Id"
_BACKOFF_BASE = 1.0
_BACKOFF_CAP = 60.0
_MUTATION = re.compile(r"^\s*mutation\b")


class ShopifyClient:
    """Sends GraphQL documents to one shop's Admin API and returns their `data`."""

    def __init__(
        self,
        *,
        domain: str,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 30,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.domain = domain
        self.api_version = api_version
        root = (base_url or f"https://{domain}").rstrip("/")
        self.endpoint = f"{root}/admin/api/{api_version}/graphql.json"
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.clock = clock
        self.bucket = CostBucket(clock)
        self.calls = 0
        self._token = access_token

    @classmethod
    def from_settings(
        cls, shop: ShopSettings, *, sleep: Callable[[float], None] = time.sleep
    ) -> ShopifyClient:
        """Build a client from a configured shop (its version, token and base URL).

        `sleep` waits between retries and while pacing; a hub passes one that a stop
        cuts short.
        """
        return cls(
            domain=shop.domain,
            access_token=shop.access_token.get_secret_value(),
            api_version=shop.api_version,
            base_url=shop.base_url,
            sleep=sleep,
        )

    def __repr__(self) -> str:  # never shows the token
        return (
            f"ShopifyClient(domain={self.domain!r}, api_version={self.api_version!r})"
        )

    # -- GraphQL ---------------------------------------------------------------

    def execute(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        operation: str,
        external_id: str | None = None,
        cost: int | None = None,
    ) -> dict[str, Any]:
        """Send one GraphQL document and return its `data`.

        Before sending, the client waits until the document's requested cost fits in
        the shop's bucket: `cost` when the caller computed it (batched reads, whose
        cost changes from one batch to the next), else the cost Shopify last
        reported for `operation`.

        Raises RetryableError (after the retries are spent), AmbiguousWriteError (a
        mutation sent without an answer), AuthenticationError, AccessError,
        RejectedError (`userErrors`), PermanentError (other GraphQL errors, 4xx).
        """
        payload = {"query": document, "variables": variables or {}}
        context: dict[str, Any] = {"operation": operation, "external_id": external_id}
        is_write = bool(_MUTATION.match(document))
        attempt = 0
        while True:
            self._pace(operation, cost)
            try:
                return self._attempt(payload, context, is_write=is_write)
            except RetryableError as exc:
                # A write that may have happened is the caller's to look up first.
                if attempt >= self.max_retries or isinstance(exc, AmbiguousWriteError):
                    raise
                wait = self._backoff(exc, attempt)
                logger.warning(
                    "shopify %s: %s; retry %d/%d in %.1fs",
                    operation,
                    exc.args[0],
                    attempt + 1,
                    self.max_retries,
                    wait,
                    extra={"operation": operation, "request_id": exc.request_id},
                )
                self.sleep(wait)
                attempt += 1

    def _pace(self, operation: str, cost: int | None) -> None:
        """Wait until `cost`, else the operation's last cost, fits in the bucket."""
        if cost is None:
            wait = self.bucket.wait_before(operation)
        else:
            wait = self.bucket.wait_for(cost)
        if wait > 0:
            logger.debug(
                "shopify %s: pacing %.2fs for the cost bucket", operation, wait
            )
            self.sleep(wait)

    def _attempt(
        self, payload: dict[str, Any], context: dict[str, Any], *, is_write: bool
    ) -> dict[str, Any]:
        response = self._post(payload, context, is_write=is_write)
        request_id = response.headers.get(REQUEST_ID_HEADER)
        _raise_for_status(response, context, request_id)
        body = _decode(response, context, request_id)
        extensions = body.get("extensions")
        self.bucket.observe(
            context["operation"],
            ThrottleStatus.from_extensions(extensions),
            requested_cost(extensions),
        )
        errors = body.get("errors")
        if errors:
            raise self._graphql_error(errors, extensions, context, request_id)
        data = body.get("data")
        if not isinstance(data, dict):
            raise PermanentError(
                "response has no data", system=SYSTEM, request_id=request_id, **context
            )
        _raise_user_errors(data, context, request_id)
        return data

    def _post(
        self, payload: dict[str, Any], context: dict[str, Any], *, is_write: bool
    ) -> requests.Response:
        self.calls += 1
        try:
            return self.session.post(
                self.endpoint,
                json=payload,
                headers={
                    "X-Shopify-Access-Token": self._token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                timeout=self.timeout,
            )
        except requests.ConnectTimeout as exc:  # never sent: safe to send again
            raise RetryableError(
                f"connect timed out: {exc.__class__.__name__}", system=SYSTEM, **context
            ) from exc
        except requests.Timeout as exc:
            kind = AmbiguousWriteError if is_write else RetryableError
            raise kind(f"timed out: {exc}", system=SYSTEM, **context) from exc
        except requests.RequestException as exc:
            raise RetryableError(
                f"network error: {exc.__class__.__name__}", system=SYSTEM, **context
            ) from exc

    def _graphql_error(
        self,
        errors: Any,
        extensions: Any,
        context: dict[str, Any],
        request_id: str | None,
    ) -> ConnectorError:
        """Translate a GraphQL `errors` list into the hub's error for it."""
        codes, message = _error_codes(errors)
        common: dict[str, Any] = {"system": SYSTEM, "request_id": request_id, **context}
        if "THROTTLED" in codes:
            cost = requested_cost(extensions)
            status = ThrottleStatus.from_extensions(extensions)
            wait = None
            if cost is not None and status is not None and status.restore_rate > 0:
                wait = max(0.0, min(cost, status.maximum) - status.available)
                wait /= status.restore_rate
            return RetryableError(f"throttled: {message}", retry_after=wait, **common)
        if "ACCESS_DENIED" in codes:
            return AccessError(f"access denied: {message}", **common)
        if "INTERNAL_SERVER_ERROR" in codes:
            return RetryableError(f"server error: {message}", **common)
        return PermanentError(f"GraphQL error: {message}", **common)

    def _backoff(self, exc: RetryableError, attempt: int) -> float:
        """The server's hint when it gave one, else exponential backoff."""
        if exc.retry_after is not None:
            return min(_BACKOFF_CAP, max(0.0, exc.retry_after))
        return min(_BACKOFF_CAP, _BACKOFF_BASE * 2.0**attempt)

    # -- bulk result download -----------------------------------------------------

    def get_stream(self, url: str, *, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        """Yield the lines of a bulk operation's JSONL result, streamed.

        The URL is a signed storage link: no Shopify token is sent to it. Opening
        the download is retried like a query; a failure mid-stream raises
        RetryableError (rerun the backfill from its bookmark).
        """
        context: dict[str, Any] = {"operation": "bulk_download", "external_id": None}
        attempt = 0
        while True:
            try:
                response = self._open_stream(url, context)
                break
            except RetryableError as exc:
                if attempt >= self.max_retries:
                    raise
                self.sleep(self._backoff(exc, attempt))
                attempt += 1
        with response:
            try:
                yield from response.iter_lines(chunk_size=chunk_size)
            except requests.RequestException as exc:
                raise RetryableError(
                    f"download broke off: {exc.__class__.__name__}",
                    system=SYSTEM,
                    **context,
                ) from exc

    def _open_stream(self, url: str, context: dict[str, Any]) -> requests.Response:
        self.calls += 1
        try:
            response = self.session.get(url, stream=True, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RetryableError(
                f"network error: {exc.__class__.__name__}", system=SYSTEM, **context
            ) from exc
        request_id = response.headers.get(REQUEST_ID_HEADER)
        try:
            _raise_for_status(response, context, request_id)
        except ConnectorError:
            response.close()
            raise
        return response


def _raise_for_status(
    response: requests.Response, context: dict[str, Any], request_id: str | None
) -> None:
    """Translate a non-2xx HTTP status into the hub's error for it."""
    status = response.status_code
    if status < 300:
        return
    common: dict[str, Any] = {
        "system": SYSTEM,
        "request_id": request_id,
        "status": status,
        **context,
    }
    text = response.text[:200]
    if status == 429 or status >= 500:
        raise RetryableError(
            f"HTTP {status}", retry_after=_retry_after(response), **common
        )
    if status == 401:
        raise AuthenticationError(f"HTTP 401, token refused: {text}", **common)
    if status == 403:
        kind = AccessError if "scope" in text.lower() else AuthenticationError
        raise kind(f"HTTP 403: {text}", **common)
    raise PermanentError(f"HTTP {status}: {text}", **common)


def _retry_after(response: requests.Response) -> float | None:
    """Read Retry-After in seconds (Shopify sends seconds, never a date)."""
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _decode(
    response: requests.Response, context: dict[str, Any], request_id: str | None
) -> dict[str, Any]:
    """Decode the JSON body with amounts as Decimal; a garbled body is transient."""
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise RetryableError(
            "response is not JSON", system=SYSTEM, request_id=request_id, **context
        ) from exc
    if not isinstance(body, dict):
        raise RetryableError(
            "response is not a JSON object",
            system=SYSTEM,
            request_id=request_id,
            **context,
        )
    return body


def _error_codes(errors: Any) -> tuple[set[str], str]:
    """Return the `extensions.code`s and the joined messages of GraphQL errors."""
    codes: set[str] = set()
    messages: list[str] = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            messages.append(str(error.get("message", "")))
            extensions = error.get("extensions")
            if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
                codes.add(extensions["code"])
        else:
            messages.append(str(error))
    return codes, "; ".join(m for m in messages if m)[:500]


def _raise_user_errors(
    data: dict[str, Any], context: dict[str, Any], request_id: str | None
) -> None:
    """Raise RejectedError when a mutation payload lists `userErrors`."""
    for payload in data.values():
        if not isinstance(payload, dict):
            continue
        user_errors = payload.get("userErrors")
        if isinstance(user_errors, list) and user_errors:
            messages = "; ".join(
                _user_error_text(e) for e in user_errors if isinstance(e, dict)
            )
            raise RejectedError(
                f"user errors: {messages}",
                system=SYSTEM,
                request_id=request_id,
                **context,
            )


def _user_error_text(error: dict[str, Any]) -> str:
    field = error.get("field")
    where = ".".join(str(f) for f in field) if isinstance(field, list) else ""
    return f"{where}: {error.get('message')}" if where else str(error.get("message"))
