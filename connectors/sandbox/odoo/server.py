"""The HTTP face of the sandbox Odoo: JSON-RPC, web session routes and JSON-2.

Routes: `POST /jsonrpc` (common, object, db services), `POST
/web/session/authenticate`, `POST /web/webclient/version_info`, `POST
/web/dataset/call_kw[/...]`, `GET /web/version` (17+) and `POST
/json/2/<model>/<method>` (19). JSON-RPC errors come back with HTTP 200 in
Odoo's `{"code": 200, "message": "Odoo Server Error", "data": ...}` envelope;
JSON-2 errors with the exception's HTTP status and the bare error object.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from decimal import Decimal
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connectors.sandbox.odoo.errors import (
    AccessDenied,
    AccessError,
    HttpError,
    OdooError,
    PythonError,
    SessionExpired,
    serialize,
    status_of,
)
from connectors.sandbox.odoo.faults import Fault, Faults
from connectors.sandbox.odoo.service import OdooService

logger = logging.getLogger(__name__)

NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
    "<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you"
    " entered the URL manually please check your spelling and try again.</p>\n"
)


def _error_page(status: int) -> str:
    """Return a minimal HTML error page, as a proxy in front of Odoo sends."""
    title = f"<title>{status}</title>"
    return f"<html><head>{title}</head><body><h1>{status}</h1></body></html>"


class Reply:
    """An HTTP answer being built: status, headers and body."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status = status
        self.body = body
        self.headers: list[tuple[str, str]] = [("Content-Type", content_type)]

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Reply:
        """Return a JSON reply."""
        body = json.dumps(payload).encode()
        return cls(status, body, "application/json; charset=utf-8")

    @classmethod
    def html(cls, status: int, text: str) -> Reply:
        """Return an HTML reply."""
        return cls(status, text.encode(), "text/html; charset=utf-8")


def _loads(raw: bytes) -> Any:
    """Parse a JSON body with exact decimals for fractional numbers."""
    return json.loads(raw.decode() or "null", parse_float=Decimal)


class Router:
    """Turns requests into service calls and service results into replies."""

    def __init__(self, service: OdooService, faults: Faults) -> None:
        self.service = service
        self.faults = faults

    # JSON-RPC ---------------------------------------------------------------

    def jsonrpc_envelope(self, request_id: Any, call: Any) -> Reply:
        """Run `call()` and wrap its result or error in a JSON-RPC reply."""
        try:
            result = call()
        except OdooError as exc:
            return Reply.json(self._rpc_error(request_id, exc))
        except Exception as exc:  # Odoo answers any server bug the same way
            logger.exception("sandbox odoo: unexpected error")
            crash = PythonError(type(exc).__name__, str(exc))
            return Reply.json(self._rpc_error(request_id, crash))
        return Reply.json({"jsonrpc": "2.0", "id": request_id, "result": result})

    def _rpc_error(self, request_id: Any, exc: OdooError) -> dict[str, Any]:
        """Return Odoo's JSON-RPC error envelope for `exc`."""
        error: dict[str, Any] = {
            "code": 200,
            "message": "Odoo Server Error",
            "data": serialize(exc),
        }
        if isinstance(exc, SessionExpired):
            error.update(code=100, message="Odoo Session Expired")
        elif isinstance(exc, HttpError) and exc.status == 404:
            error.update(code=404, message="404: Not Found", http_status=404)
        return {"jsonrpc": "2.0", "id": request_id, "error": error}

    def dispatch_rpc(self, params: dict[str, Any]) -> Any:
        """Run a `/jsonrpc` call: service `common`, `object` or `db`."""
        service, method = params.get("service"), params.get("method")
        args = list(params.get("args") or [])
        svc = self.service
        if service == "common":
            if method == "version":
                return svc.version()
            if method in ("login", "authenticate"):
                return svc.login(*args[:3])
        elif service == "object":
            if method in ("execute_kw", "execute"):
                db, uid, password, model, name = [*args, *[None] * 5][:5]
                if method == "execute":
                    return svc.execute_kw(db, uid, password, model, name, args[5:], {})
                call_args, call_kwargs = [*args[5:], [], None][:2]
                return svc.execute_kw(
                    db, uid, password, model, name, call_args, call_kwargs
                )
        elif service == "db":
            if method == "list":
                return [svc.db.name]
            if method == "server_version":
                return svc.profile.server_version
            if method == "db_exist":
                return bool(args) and args[0] == svc.db.name
        else:
            raise PythonError("KeyError", repr(service))
        raise PythonError("NameError", f"Method not available {method}")

    def authenticate(self, params: dict[str, Any]) -> tuple[Any, str | None]:
        """Run `/web/session/authenticate`; return (session info, session id)."""
        if params.get("db") != self.service.db.name:
            raise AccessError("Database not found.")
        uid = self.service.credentials.authenticate(
            str(params.get("login")), str(params.get("password"))
        )
        self.service.calls.add("web", "authenticate")
        return self.service.session_info(uid), self.service.credentials.open_session(
            uid
        )

    def call_kw(self, params: dict[str, Any], sid: str | None) -> Any:
        """Run `/web/dataset/call_kw` with the session's user."""
        uid = self.service.credentials.session_user(sid)
        if uid is None:
            raise SessionExpired()
        kwargs = dict(params.get("kwargs") or {})
        context = kwargs.pop("context", None) or {}
        return self.service.call(
            uid,
            str(params.get("model")),
            str(params.get("method")),
            list(params.get("args") or []),
            kwargs,
            context=context,
        )

    # JSON-2 -----------------------------------------------------------------

    def json2(self, http_method: str, path: str, headers: Any, raw: bytes) -> Reply:
        """Run a `/json/2/<model>/<method>` request."""
        parts = path.split("/")
        if not self.service.profile.has_json2 or len(parts) != 5:
            return Reply.html(404, NOT_FOUND_HTML)
        model, method = parts[3], parts[4]
        try:
            database = headers.get("X-Odoo-Database")
            if database is not None and database != self.service.db.name:
                raise HttpError(404, f"database {database!r} not found")
            uid = self.service.credentials.bearer(headers.get("Authorization"))
            if http_method != "POST":
                raise HttpError(405, "The method is not allowed for the requested URL.")
            body = self._json2_body(raw)
            result = self.service.json2(uid, model, method, body)
        except OdooError as exc:
            return Reply.json(serialize(exc), status=status_of(exc))
        except Exception as exc:  # Odoo answers any server bug with a 500
            logger.exception("sandbox odoo: unexpected error")
            crash = PythonError(type(exc).__name__, str(exc))
            return Reply.json(serialize(crash), status=500)
        return Reply.json(result)

    def _json2_body(self, raw: bytes) -> dict[str, Any]:
        """Return the JSON-2 body (an object) or raise HttpError(400)."""
        if not raw:
            return {}
        try:
            body = _loads(raw)
        except ValueError as exc:
            raise HttpError(400, f"could not parse the body as json: {exc}") from exc
        if not isinstance(body, dict):
            raise HttpError(400, "could not parse the body, expecting a json object")
        return body

    def target(self, path: str, raw: bytes) -> tuple[str | None, str | None]:
        """Return the (model, method) a request aims at, for fault matching."""
        if path.startswith("/json/2/"):
            parts = path.split("/")
            return (parts[3], parts[4]) if len(parts) == 5 else (None, None)
        if path == "/jsonrpc":
            try:
                params = (_loads(raw) or {}).get("params") or {}
            except (ValueError, AttributeError):
                return None, None
            args = params.get("args") or []
            if params.get("service") == "object" and len(args) >= 5:
                return str(args[3]), str(args[4])
            return str(params.get("service")), str(params.get("method"))
        return None, None


def make_handler(router: Router) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class bound to `router`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one flush per answer: no Nagle/delayed-ACK stalls
        server_version = "Werkzeug/3.0 Python"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("sandbox odoo http: " + format, *args)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def _handle(self, http_method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            fault = router.faults.take(*router.target(path, raw))
            if fault is not None and fault.kind == "status":
                self._send(Reply.html(fault.status, _error_page(fault.status)))
                return
            reply = self._route(http_method, path, raw)
            self._finish(reply, fault)

        def _finish(self, reply: Reply, fault: Fault | None) -> None:
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(reply)
            self.wfile.flush()

        def _route(self, http_method: str, path: str, raw: bytes) -> Reply:
            if path.startswith("/json/2/"):
                return router.json2(http_method, path, self.headers, raw)
            if path == "/web/version" and http_method == "GET":
                if not router.service.profile.has_web_version:
                    return Reply.html(404, NOT_FOUND_HTML)
                profile = router.service.profile
                return Reply.json(
                    {
                        "version_info": profile.version_info,
                        "version": profile.server_version,
                    }
                )
            if http_method != "POST":
                return Reply.html(404, NOT_FOUND_HTML)
            return self._json_route(path, raw)

        def _json_route(self, path: str, raw: bytes) -> Reply:
            try:
                request = _loads(raw) or {}
            except ValueError:
                request = None
            if not isinstance(request, dict):
                exc = HttpError(400, "Invalid JSON data")
                return Reply.json(router._rpc_error(None, exc))
            rid, params = request.get("id"), request.get("params") or {}
            if path == "/jsonrpc":
                return router.jsonrpc_envelope(rid, lambda: router.dispatch_rpc(params))
            if path == "/web/webclient/version_info":
                return router.jsonrpc_envelope(rid, router.service.version)
            if path == "/web/session/authenticate":
                return self._authenticate(rid, params)
            if path == "/web/dataset/call_kw" or path.startswith(
                "/web/dataset/call_kw/"
            ):
                sid = self._session_id()
                return router.jsonrpc_envelope(rid, lambda: router.call_kw(params, sid))
            return Reply.html(404, NOT_FOUND_HTML)

        def _authenticate(self, rid: Any, params: dict[str, Any]) -> Reply:
            try:
                info, sid = router.authenticate(params)
            except AccessDenied as exc:
                return Reply.json(router._rpc_error(rid, exc))
            except OdooError as exc:
                return Reply.json(router._rpc_error(rid, exc))
            reply = Reply.json({"jsonrpc": "2.0", "id": rid, "result": info})
            reply.headers.append(("Set-Cookie", f"session_id={sid}; HttpOnly; Path=/"))
            return reply

        def _session_id(self) -> str | None:
            cookie = SimpleCookie(self.headers.get("Cookie") or "")
            morsel = cookie.get("session_id")
            return morsel.value if morsel else None

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server whose worker threads never block shutdown."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
