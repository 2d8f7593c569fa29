"""`SandboxOdoo`: a local Odoo 16-19 on loopback for tests and the demo."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from connectors.sandbox.odoo.auth import Credentials
from connectors.sandbox.odoo.behaviors import build_registry
from connectors.sandbox.odoo.catalog import build_specs
from connectors.sandbox.odoo.database import Database, Row
from connectors.sandbox.odoo.env import Env
from connectors.sandbox.odoo.faults import CallCounter, Faults
from connectors.sandbox.odoo.profiles import VersionProfile, profile_for
from connectors.sandbox.odoo.reconcile import refresh_moves
from connectors.sandbox.odoo.seed import seed
from connectors.sandbox.odoo.server import Router, SandboxHTTPServer, make_handler
from connectors.sandbox.odoo.service import OdooService
from o2c.errors import ConfigurationError

logger = logging.getLogger(__name__)

ROUNDING_METHODS = ("round_per_line", "round_globally")


class SandboxOdoo:
    """A simulated Odoo server of one version, seeded, on 127.0.0.1:<free port>.

    `start()` serves in a background thread; `url`, `database`, `login`,
    `password` and `api_key` are what a client needs. The API key is new and
    random on every instance unless `api_key` fixes it. `calls` counts calls per
    (model, method); `faults` plans 5xx answers, delays and dropped connections.
    `records(model)` and `record(model, id)` show the stored state (exact
    Decimals) for assertions. Thread-safe: one lock serializes every call.
    """

    def __init__(
        self,
        version: int = 19,
        *,
        rounding: str = "round_per_line",
        database: str = "sandbox",
        login: str = "admin",
        password: str = "admin",
        currency: str = "USD",
        accountant: bool = True,
        today: Callable[[], dt.date] | None = None,
        api_key: str | None = None,
    ) -> None:
        if rounding not in ROUNDING_METHODS:
            raise ConfigurationError(f"rounding must be one of {ROUNDING_METHODS}")
        self.profile: VersionProfile = profile_for(version)
        self.database = database
        self.login = login
        self.password = password
        self.calls = CallCounter()
        self.faults = Faults()
        self._today = today or dt.date.today
        self._db = Database(database)
        self._db.add_index("account.move.line", "move_id")
        self._db.add_index("account.partial.reconcile", "debit_move_id")
        self._db.add_index("account.partial.reconcile", "credit_move_id")
        self._db.add_index("account.move", "journal_id")
        self._db.add_index("ir.sequence.date_range", "stem")
        specs = build_specs(self.profile)
        self._registry = build_registry(specs, self.profile.major)
        self.ids = seed(
            self._db,
            self.profile,
            specs,
            rounding_method=rounding,
            currency=currency,
            accountant=accountant,
        )
        self.credentials = Credentials()
        self.credentials.set_password(login, self.ids["user_admin"], password)
        self.credentials.set_password("sales", self.ids["user_sales"], "sales")
        self.api_key = self.credentials.add_key(
            self.ids["user_admin"], name="hub", key=api_key
        )
        self.sales_api_key = self.credentials.add_key(
            self.ids["user_sales"], name="sales"
        )
        self.service = OdooService(
            self._db,
            self._registry,
            self.profile,
            self.credentials,
            self.calls,
            self._today,
        )
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def version(self) -> int:
        """Return the simulated major version."""
        return self.profile.major

    @property
    def uid(self) -> int:
        """Return the admin user's id (2, as in Odoo)."""
        return self.ids["user_admin"]

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:54321.

        Raises ConfigurationError before `start()`.
        """
        if self._server is None:
            raise ConfigurationError("the sandbox Odoo is not started")
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    @property
    def port(self) -> int:
        """Return the listening port."""
        return int(self.url.rsplit(":", 1)[1])

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> SandboxOdoo:
        """Serve on `host` and `port` (0: a free one) in a background thread.

        Returns self; raises OSError when the address cannot be bound.
        """
        router = Router(self.service, self.faults)
        self._server = SandboxHTTPServer((host, port), make_handler(router))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"sandbox-odoo-{self.version}",
            daemon=True,
        )
        self._thread.start()
        logger.info(
            "sandbox Odoo %s listening on %s", self.profile.server_version, self.url
        )
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxOdoo:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # State inspection -------------------------------------------------------

    def records(self, model: str) -> list[Row]:
        """Return copies of every stored row of `model`, by id (Decimals, dates)."""
        with self._db.lock:
            table = self._db.table(model)
            return [copy.deepcopy(table[i]) for i in sorted(table)]

    def record(self, model: str, rid: int) -> Row:
        """Return a copy of one stored row.

        Raises MissingError when it does not exist.
        """
        with self._db.lock:
            return copy.deepcopy(self._db.row(model, rid))

    def ref(self, xmlid: str) -> int:
        """Return the record id of an external id like "sandbox.tax_20_excl".

        Raises KeyError when the external id does not exist.
        """
        module, name = xmlid.split(".", 1)
        with self._db.lock:
            for row in self._db.table("ir.model.data").values():
                if row["module"] == module and row["name"] == name:
                    return int(row["res_id"])
        raise KeyError(xmlid)

    def env(self) -> Env:
        """Return an admin environment on the live database (for test setup)."""
        return self.service.env(self.uid)

    # Test controls ----------------------------------------------------------

    def set_company(self, **values: Any) -> None:
        """Change company settings (lock dates, rounding method) as admin would."""
        with self._db.transaction():
            env = self.env()
            parsed = {k: _parse_date(v) for k, v in values.items()}
            self._db.update("res.company", env.company["id"], parsed)

    def set_rate(self, currency: str, rate: str) -> None:
        """Set a currency's rate against the company currency."""
        from decimal import Decimal

        with self._db.transaction():
            for row in self._db.table("res.currency").values():
                if row["name"] == currency:
                    self._db.update("res.currency", row["id"], {"_rate": Decimal(rate)})

    def add_api_key(
        self, *, expires: dt.datetime | None = None, uid: int | None = None
    ) -> str:
        """Create another API key (optionally expiring) and return it."""
        return self.credentials.add_key(uid or self.uid, expires=expires)

    def expire_api_key(self, key: str | None = None) -> None:
        """Make an API key (the main one by default) expire now."""
        self.credentials.expire_key(key or self.api_key)

    def match_payment(self, payment_id: int) -> None:
        """Mark a payment as matched with a bank statement line (bank reconciliation).

        Invoices it paid move from 'in_payment' to 'paid'; on 18+ the payment
        itself goes from 'in_process' to 'paid'.
        """
        with self._db.transaction():
            payment = self._db.row("account.payment", payment_id)
            self._db.update("account.payment", payment_id, {"is_matched": True})
            from connectors.sandbox.odoo.reconcile import counterpart_moves

            env = self.env()
            moves = set(counterpart_moves(env, int(payment["move_id"])))
            refresh_moves(env, moves | {int(payment["move_id"])})


def _parse_date(value: Any) -> Any:
    """Return ISO date strings as dates, other values unchanged."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return dt.date.fromisoformat(value)
    return value
