"""One simulated Odoo database: the RPC services that run ORM calls on it.

Transport-free: `server.py` turns HTTP requests into these calls. Each call runs
in its own transaction and is counted per (model, method).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.sandbox.odoo.auth import Credentials
from connectors.sandbox.odoo.database import Database
from connectors.sandbox.odoo.env import Env, Registry
from connectors.sandbox.odoo.errors import (
    AccessDenied,
    HttpError,
    OdooError,
    PythonError,
)
from connectors.sandbox.odoo.faults import CallCounter
from connectors.sandbox.odoo.methods import Call, bind, find_method, normalize_ids
from connectors.sandbox.odoo.profiles import VersionProfile

logger = logging.getLogger(__name__)


class DatabaseMissing(OdooError):  # noqa: N818 - the name of the psycopg2 error
    """The database named in the call does not exist (psycopg2's answer)."""

    http_status = 500

    def __init__(self, name: str) -> None:
        super().__init__(
            'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database'
            f' "{name}" does not exist\n'
        )

    def wire_name(self) -> str:
        """Return the psycopg2 exception name Odoo lets through."""
        return "psycopg2.OperationalError"


@dataclass
class OdooService:
    """The services of one sandbox server: common, object, db, web and JSON-2."""

    db: Database
    registry: Registry
    profile: VersionProfile
    credentials: Credentials
    calls: CallCounter
    today: Callable[[], dt.date]

    def version(self) -> dict[str, Any]:
        """Return `common.version()` / `/web/webclient/version_info`."""
        return {
            "server_version": self.profile.server_version,
            "server_version_info": self.profile.version_info,
            "server_serie": self.profile.server_version,
            "protocol_version": 1,
        }

    def check_database(self, name: Any) -> None:
        """Raise DatabaseMissing unless `name` is this server's database."""
        if name != self.db.name:
            raise DatabaseMissing(str(name))

    def login(self, database: Any, login: Any, password: Any) -> int | bool:
        """Return the uid for valid credentials, False otherwise (`common.login`)."""
        self.check_database(database)
        self.calls.add("common", "login")
        try:
            return self.credentials.authenticate(str(login), str(password))
        except AccessDenied:
            return False

    def env(self, uid: int, context: dict[str, Any] | None = None) -> Env:
        """Return an environment for `uid`."""
        return Env(
            self.db, self.registry, self.profile, uid, dict(context or {}), self.today
        )

    def execute_kw(
        self,
        database: Any,
        uid: Any,
        password: Any,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Run `object.execute_kw`: check credentials, then the ORM call."""
        self.check_database(database)
        if not isinstance(uid, int):
            raise AccessDenied()
        self.credentials.check(uid, str(password))
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None) or {}
        return self.call(uid, model, method, list(args or []), kwargs, context=context)

    def call(
        self,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        context: dict[str, Any],
    ) -> Any:
        """Run one ORM call the JSON-RPC way (ids first in `args`)."""
        self.calls.add(model, method)
        with self.db.transaction():
            env = self.env(uid, context)
            if model not in self.registry.specs:
                raise PythonError("KeyError", repr(model))
            found = find_method(env, model, method)
            ids: list[int] = []
            if not found.api_model:
                if not args:
                    raise PythonError("IndexError", "tuple index out of range")
                ids, args = normalize_ids(args[0]), args[1:]
            result = bind(found, Call(env, model, ids), args, kwargs)
            logger.debug("sandbox odoo %s.%s by uid %s", model, method, uid)
            return jsonable(result)

    def json2(self, uid: int, model: str, method: str, body: dict[str, Any]) -> Any:
        """Run one JSON-2 call: named arguments, `ids` and `context` in the body.

        Raises HttpError 404 for an unknown model or method and 422 for ids on a
        model method or arguments that do not fit, as Odoo 19's controller does.
        """
        body = dict(body)
        ids = body.pop("ids", None) or []
        context = body.pop("context", None) or {}
        self.calls.add(model, method)
        with self.db.transaction():
            env = self.env(uid, context)
            if model not in self.registry.specs:
                raise HttpError(404, f"the model {model!r} does not exist")
            found = find_method(env, model, method, json2=True)
            if found.api_model and ids:
                raise HttpError(422, f"cannot call {model}.{method} with ids")
            try:
                record_ids = normalize_ids(ids)
            except PythonError as exc:
                raise HttpError(422, exc.message) from exc
            try:
                result = bind(found, Call(env, model, record_ids), [], body)
            except PythonError as exc:
                if exc.kind == "TypeError" and "()" in exc.message:
                    raise HttpError(422, exc.message.split("() ", 1)[-1]) from exc
                raise
            return jsonable(result)

    def session_info(self, uid: int) -> dict[str, Any]:
        """Return what `/web/session/authenticate` answers after a login."""
        env = self.env(uid)
        user = env.user
        company = env.company
        partner = self.db.row("res.partner", user["partner_id"])
        return {
            "uid": uid,
            "is_system": env.has_group("base.group_system"),
            "is_admin": env.has_group("base.group_system"),
            "user_context": {"lang": "en_US", "tz": "Europe/Brussels", "uid": uid},
            "db": self.db.name,
            "server_version": self.profile.server_version,
            "server_version_info": self.profile.version_info,
            "name": user["name"],
            "username": user["login"],
            "partner_display_name": partner["name"],
            "partner_id": partner["id"],
            "company_id": company["id"],
            "user_companies": {
                "current_company": company["id"],
                "allowed_companies": {
                    str(company["id"]): {"id": company["id"], "name": company["name"]}
                },
            },
            "web.base.url": "http://127.0.0.1",
        }


def jsonable(value: Any) -> Any:
    """Return `value` with Decimals as floats, dates as strings, tuples as lists."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
