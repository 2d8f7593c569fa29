"""Sandbox Odoo: JSON-RPC and JSON-2 with the accounting models the hub touches.

    >>> with SandboxOdoo(version=17, rounding="round_globally") as odoo:
    ...     odoo.url, odoo.database, odoo.login, odoo.password, odoo.api_key

Endpoints: `POST /jsonrpc` (common: version, login, authenticate; object:
execute, execute_kw; db: list, server_version, db_exist), `POST
/web/session/authenticate`, `POST /web/webclient/version_info`, `POST
/web/dataset/call_kw` (session cookie), `GET /web/version` (17+) and `POST
/json/2/<model>/<method>` (19, bearer API key, `X-Odoo-Database`).

Models: res.company, res.currency, res.partner, res.users, res.groups,
res.country, product.product, uom.uom, account.account, account.journal,
account.tax, account.move, account.move.line, account.partial.reconcile,
account.payment, account.payment.register, account.move.reversal,
ir.model.data, ir.model, sale.order, sale.order.line.

Taxes are computed by the sandbox's own engines (`taxes.py` modern for 18/19,
`taxes_legacy.py` for 16/17), written from the shared reference and never from
the hub's `o2c.taxes`.

Where the real behaviour is not known for sure, or is simplified:
- `/web/version` is assumed to exist from 17 (documented for 19); 16 answers 404.
- A duplicate ir.model.data (module, name) answers Odoo 16-18's ValidationError
  wording of a PostgreSQL unique violation on every version; 19's wording of its
  model-level unique index may differ.
- JSON-2 with an unknown `X-Odoo-Database` answers 404 NotFound (assumed).
- 16/17 `payment_state` goes to 'in_payment' only with the Accounting app
  (`accountant=True`, the default), else straight to 'paid'; 18+ always passes
  through 'in_payment' until `match_payment()` stands for the bank matching.
- Customer invoices dated in a locked period are booked on the first open date
  (Odoo 16+); journal entries are refused with Odoo's lock-date UserError.
- Writes of accounting fields on posted moves are all refused (Odoo lets a few
  through); unbalanced entries are refused at create/write (16-style check).
- Round-globally spreads the untaxed rounding delta on the biggest line only
  (Odoo spreads it cent by cent); the document totals are the same.
- No exchange-difference entries, no payment write-offs, no payment methods,
  no cash rounding, no fiscal positions, no multi-company.
- Unit prices keep 2 decimals (Odoo's default "Product Price" precision), so a
  KWD price of 12.345 is stored as 12.35, as in a default Odoo database.
"""

from __future__ import annotations

from connectors.sandbox.odoo.faults import CallCounter, Faults
from connectors.sandbox.odoo.profiles import (
    SUPPORTED_VERSIONS,
    VersionProfile,
    profile_for,
)
from connectors.sandbox.odoo.sandbox import SandboxOdoo

__all__ = [
    "SUPPORTED_VERSIONS",
    "CallCounter",
    "Faults",
    "SandboxOdoo",
    "VersionProfile",
    "profile_for",
]
