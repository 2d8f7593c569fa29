"""Sandbox Stripe over HTTP on loopback: the v1 resources the hub reads.

`GET /v1/<resource>` lists, `GET /v1/<resource>/<id>` retrieves, `POST /v1/refunds`
creates a refund. Requests are form-encoded (`a[b]=1`, `expand[0]=x`, `expand[]=x`),
authenticated with `Authorization: Bearer <secret key>`, and answered with Stripe's
list envelope or error shape and a `Request-Id` header. A POST with an
`Idempotency-Key` is done once: the same key replays the first answer (with
`Idempotent-Replayed: true`), the same key with other parameters is an
`idempotency_error`. Tests can queue failures (`fail_next`) and read every request
received (`requests`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectors.sandbox.stripe.account import SandboxAccount
from connectors.sandbox.stripe.store import RESOURCES, StripeRequestError, StripeStore

logger = logging.getLogger(__name__)

API_KEY = "sk_test_sandbox_hub"


@dataclass
class Received:
    """One request as the sandbox saw it."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Nest Stripe's form keys: `created[gte]=1` -> {"created": {"gte": "1"}},
    `expand[0]=a` or `expand[]=a` -> {"expand": ["a"]}."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            is_list = following == "" or (following or "x").isdigit()
            if isinstance(node, list):
                if last:
                    node.append(value)
                    break
                node.append([] if is_list else {})
                node = node[-1]
                continue
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if is_list else {})
    return result


class SandboxStripe:
    """The sandbox server; use as a context manager or call `start` and `stop`."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        store: StripeStore | None = None,
        seed: int = 0,
    ) -> None:
        self.api_key = api_key
        self.store = store or StripeStore()
        self.account = SandboxAccount(self.store, seed=seed)
        self.requests: list[Received] = []
        self._failures: deque[tuple[int, dict[str, str]]] = deque()
        self._idempotent: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL (`http://127.0.0.1:<port>`), once started."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> SandboxStripe:
        """Bind `host` and `port` (0: a free one) and serve in a thread.

        Raises OSError when the address cannot be bound.
        """
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SandboxStripe:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `count` requests with `status` and Stripe's error shape."""
        with self._lock:
            self._failures.extend([(status, dict(headers or {}))] * count)

    # -- request handling -------------------------------------------------------

    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        """Answer one request: status, JSON body bytes, extra headers."""
        with self._lock:
            self.requests.append(Received(method, path, params, headers))
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            status, extra = failure
            kind = "api_error" if status >= 500 else "invalid_request_error"
            error = {"type": kind, "message": f"Sandbox failure {status}"}
            if status == 429:
                error["code"] = "rate_limit"
            return status, _encode({"error": error}), extra
        try:
            self._authenticate(headers)
            if method == "POST":
                status, body, extra = self._post(path, params, headers)
                return status, _encode(body), extra
            with self.store.lock:
                # Answers share parts with the store: serialize them under its lock.
                return 200, _encode(self._get(path, params)), {}
        except StripeRequestError as exc:
            return exc.status, _encode({"error": exc.body}), {}

    def _authenticate(self, headers: dict[str, str]) -> None:
        given = headers.get("authorization", "")
        if given != f"Bearer {self.api_key}":
            shown = given.removeprefix("Bearer ")[-4:]
            raise StripeRequestError(401, f"Invalid API Key provided: sk_****{shown}")

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        resource, object_id = _route(path)
        if object_id is None:
            return self.store.list_page(resource, params)
        expand = params.get("expand") or []
        return self.store.retrieve(resource, object_id, list(expand))

    def _post(
        self, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = headers.get("idempotency-key")
        fingerprint = json.dumps([path, params], sort_keys=True)
        if key:
            with self._lock:
                done = self._idempotent.get(key)
            if done is not None:
                if done[0] != fingerprint:
                    raise StripeRequestError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                        type="idempotency_error",
                    )
                return done[1], done[2], {"Idempotent-Replayed": "true"}
        status, body = 200, self._create(path, params)
        if key:
            with self._lock:
                self._idempotent[key] = (fingerprint, status, body)
        return status, body, {}

    def _create(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        if path != "/v1/refunds":
            raise StripeRequestError(404, f"Unrecognized request URL (POST: {path}).")
        charge_id = params.get("charge")
        charge = self.store.objects["charges"].get(str(charge_id))
        if charge is None:
            raise StripeRequestError(
                400,
                f"No such charge: '{charge_id}'",
                code="resource_missing",
                param="charge",
            )
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if not 0 < amount <= left:
            raise StripeRequestError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on "
                f"charge ({left})",
                code="amount_too_large",
                param="amount",
            )
        with self.store.lock:
            return self.account.refund(str(charge_id), amount, created=int(time.time()))


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _route(path: str) -> tuple[str, str | None]:
    parts = [p for p in path.split("/") if p]
    if len(parts) in (2, 3) and parts[0] == "v1" and parts[1] in RESOURCES:
        return parts[1], parts[2] if len(parts) == 3 else None
    raise StripeRequestError(404, f"Unrecognized request URL (GET: {path}).")


def _handler_for(sandbox: SandboxStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET", urlsplit(self.path).query)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve("POST", self.rfile.read(length).decode())

        def do_DELETE(self) -> None:
            self._serve("DELETE", urlsplit(self.path).query)

        def _serve(self, method: str, form: str) -> None:
            params = decode_form(parse_qsl(form, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = urlsplit(self.path).path
            status, payload, extra = sandbox.handle(method, path, params, headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("sandbox stripe: " + format, *args)

    return Handler
