"""Users' credentials: passwords, API keys (with expiry) and web sessions.

As in Odoo 14+, an API key may stand in for the password on JSON-RPC; JSON-2
accepts only API keys (`Authorization: bearer <key>`). An expired key is simply
not found: JSON-RPC answers AccessDenied, JSON-2 answers 401 "Invalid apikey".
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from connectors.sandbox.odoo.errors import AccessDenied, HttpError


@dataclass
class ApiKey:
    """One API key of a user; `expires` None means it never expires."""

    key: str
    uid: int
    name: str
    expires: dt.datetime | None = None

    def valid(self, now: dt.datetime) -> bool:
        """Return True while the key has not expired."""
        return self.expires is None or now < self.expires


class Credentials:
    """Passwords, API keys and sessions of the sandbox's users (thread-safe)."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self._lock = threading.Lock()
        self._passwords: dict[str, tuple[int, str]] = {}
        self._keys: list[ApiKey] = []
        self._sessions: dict[str, int] = {}
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))

    def set_password(self, login: str, uid: int, password: str) -> None:
        """Give the user `login` (id `uid`) a password."""
        with self._lock:
            self._passwords[login] = (uid, password)

    def add_key(
        self,
        uid: int,
        *,
        name: str = "sandbox",
        expires: dt.datetime | None = None,
        key: str | None = None,
    ) -> str:
        """Create an API key for `uid` and return it.

        Without `key` a random one (40 hex chars, like Odoo's); a given key is
        used as is, for a sandbox whose key is written in a configuration file.
        """
        key = key or secrets.token_hex(20)
        with self._lock:
            self._keys.append(ApiKey(key, uid, name, expires))
        return key

    def expire_key(self, key: str) -> None:
        """Make a key expire now."""
        with self._lock:
            for item in self._keys:
                if item.key == key:
                    item.expires = self._clock() - dt.timedelta(seconds=1)

    def revoke_key(self, key: str) -> None:
        """Delete a key."""
        with self._lock:
            self._keys = [k for k in self._keys if k.key != key]

    def _key_user(self, key: str) -> int | None:
        """Return the uid of a valid key, or None."""
        now = self._clock()
        with self._lock:
            for item in self._keys:
                if secrets.compare_digest(item.key, key) and item.valid(now):
                    return item.uid
        return None

    def authenticate(self, login: str, password: str) -> int:
        """Return the uid for a login and a password or API key.

        Raises AccessDenied for anything else.
        """
        with self._lock:
            found = self._passwords.get(login)
        if found is None:
            raise AccessDenied()
        uid, expected = found
        if (
            secrets.compare_digest(expected, password)
            or self._key_user(password) == uid
        ):
            return uid
        raise AccessDenied()

    def check(self, uid: int, password: str) -> None:
        """Check a uid/password pair as `execute_kw` does.

        Raises AccessDenied when the password (or API key) is not the user's.
        """
        with self._lock:
            logins = [lg for lg, (u, _p) in self._passwords.items() if u == uid]
        for login in logins:
            try:
                self.authenticate(login, password)
                return
            except AccessDenied:
                continue
        raise AccessDenied()

    def bearer(self, header: str | None) -> int:
        """Return the uid of an `Authorization: bearer <key>` header.

        Raises HttpError(401) "Invalid apikey" like Odoo 19's bearer auth.
        """
        scheme, _, key = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise HttpError(401, "Invalid apikey")
        uid = self._key_user(key.strip())
        if uid is None:
            raise HttpError(401, "Invalid apikey")
        return uid

    def open_session(self, uid: int) -> str:
        """Create a web session for `uid` and return its id (the cookie value)."""
        sid = secrets.token_hex(20)
        with self._lock:
            self._sessions[sid] = uid
        return sid

    def session_user(self, sid: str | None) -> int | None:
        """Return the uid of a session id, or None."""
        with self._lock:
            return self._sessions.get(sid or "")
