"""The commented `hub.toml` that `o2c-hub init` writes, for production or the sandbox.

The sandbox's fixed credentials live here, not in `connectors/sandbox/`, because the
configuration package may be imported by anyone and must not import the simulators;
the `sandbox` and `demo` commands hand these same values to the simulators they start.
"""

from __future__ import annotations

from dataclasses import dataclass

SANDBOX_SHOP_NAME = "demo"
SANDBOX_SHOP_DOMAIN = "o2c-demo.myshopify.com"
SANDBOX_ACCESS_TOKEN = "shpat_sandbox_0000000000000000"
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"
SANDBOX_ODOO_DATABASE = "sandbox"
SANDBOX_ODOO_LOGIN = "admin"
SANDBOX_ODOO_API_KEY = "sandbox-odoo-api-key"
SANDBOX_STRIPE_API_KEY = "sk_test_sandbox"
SANDBOX_STRIPE_WEBHOOK_SECRET = "whsec_sandbox"

# Where `o2c-hub sandbox` listens unless told otherwise, and so where
# `o2c-hub init --sandbox` points the connectors.
SANDBOX_HOST = "127.0.0.1"
SANDBOX_SHOPIFY_PORT = 8701
SANDBOX_ODOO_PORT = 8702
SANDBOX_STRIPE_PORT = 8703
HUB_PORT = 8000


def sandbox_shop_url(host: str, port: int) -> str:
    """Return the API base URL of the sandbox shop on a Shopify simulator."""
    return f"http://{host}:{port}/shops/{SANDBOX_SHOP_DOMAIN}"


@dataclass(frozen=True)
class SandboxEndpoints:
    """Where the local simulators listen; None leaves that connector out."""

    shopify_url: str = sandbox_shop_url(SANDBOX_HOST, SANDBOX_SHOPIFY_PORT)
    odoo_url: str | None = f"http://{SANDBOX_HOST}:{SANDBOX_ODOO_PORT}"
    stripe_url: str | None = f"http://{SANDBOX_HOST}:{SANDBOX_STRIPE_PORT}"
    hub_port: int = HUB_PORT

    @classmethod
    def on_ports(
        cls,
        *,
        shopify: int = SANDBOX_SHOPIFY_PORT,
        odoo: int = SANDBOX_ODOO_PORT,
        stripe: int = SANDBOX_STRIPE_PORT,
        hub: int = HUB_PORT,
        host: str = SANDBOX_HOST,
    ) -> SandboxEndpoints:
        """Return the endpoints of simulators listening on `host` at these ports."""
        return cls(
            shopify_url=sandbox_shop_url(host, shopify),
            odoo_url=f"http://{host}:{odoo}",
            stripe_url=f"http://{host}:{stripe}",
            hub_port=hub,
        )


_HEADER = """\
# o2c-hub configuration.
#
# Where this file is looked for: `--config FILE`, else $O2C_HUB_CONFIG, else ./hub.toml.
# Every key can be overridden from the environment: O2C_HUB__ plus the key path joined
# with double underscores, e.g. O2C_HUB__SERVER__PORT=9000; shops by position,
# O2C_HUB__SHOPS__0__POLL_INTERVAL=60.
# Secrets are never written here in production: write "env:NAME" (read from the
# environment variable NAME) or "file:PATH" (read from a file, relative to this folder).
# `o2c-hub check` validates this file and reaches every configured system.
"""

_SERVER = """
[server]
# The webhook and admin HTTP server (o2c-hub run / serve).
host = "{host}"
port = {port}
# Larger webhook bodies are refused with 413 before they are read in full.
max_body_bytes = 5242880
# The admin API (/admin/...) needs this bearer token; without one it answers only
# requests from this machine.
# admin_token = "env:O2C_HUB_ADMIN_TOKEN"

[store]
# SQLAlchemy URL of the hub's database. Empty: SQLite file o2c-hub.db beside this file.
# Shared deployments: url = "postgresql+psycopg2://o2c@db.internal/o2c"
url = ""

[queue]
# "sqlite" (embedded, file o2c-queue.db beside this file), "redis" or "postgres" when
# several workers on several machines share the work; those two need a url.
backend = "sqlite"
url = ""
# Worker threads of `o2c-hub run` / `o2c-hub worker`.
workers = 2
# A key's lease expires after this many seconds, so a crashed worker never blocks it.
lease_seconds = 120
# Every sweep_interval seconds, keys with undone work are queued again.
sweep_interval = 60
# After this many failed attempts a record becomes a dead letter (see dead-letters).
max_attempts = 8
"""

_PRODUCTION_SHOP = """
[[shops]]
# A short name used in the CLI (backfill --shop NAME) and in the database.
name = "main"
domain = "your-shop.myshopify.com"
# The Admin API version every call pins.
api_version = "2026-10"
access_token = "env:SHOPIFY_ACCESS_TOKEN"
# The app's client secret: webhooks are signed with it.
webhook_secret = "env:SHOPIFY_WEBHOOK_SECRET"
# During a secret rotation, the previous secret is accepted until a deadline (UTC):
# previous_webhook_secret = "env:SHOPIFY_PREVIOUS_WEBHOOK_SECRET"
# previous_secret_valid_until = 2026-12-31T23:59:59Z
# Polling is the safety net for missed webhooks: seconds between polls.
poll_interval = 300

# The ERP. Uncomment to connect Odoo (16 to 19; JSON-2 needs 19).
# [odoo]
# url = "https://your-company.odoo.com"
# database = "your-company"
# login = "hub@your-company.example"
# api_key = "env:ODOO_API_KEY"
# protocol = "auto"

# Payments. Uncomment to read Stripe charges, refunds and payouts.
# [stripe]
# api_key = "env:STRIPE_API_KEY"
# webhook_secret = "env:STRIPE_WEBHOOK_SECRET"
"""

_SANDBOX_SHOP = """
[[shops]]
# The sandbox Shopify: a local simulator with fixed, public test credentials.
name = "{name}"
domain = "{domain}"
api_version = "2026-10"
api_base_url = "{url}"
access_token = "{token}"
webhook_secret = "{secret}"
poll_interval = 60
"""

_SANDBOX_ODOO = """
[odoo]
# The sandbox Odoo.
url = "{url}"
database = "{database}"
login = "{login}"
api_key = "{api_key}"
protocol = "auto"
"""

_SANDBOX_STRIPE = """
[stripe]
# The sandbox Stripe.
api_key = "{api_key}"
webhook_secret = "{secret}"
api_base = "{url}"
"""

_TAIL = """
[policy]
# When an order becomes an invoice: "order", "fulfillment" or "payment".
invoice_on = "order"
# Invoice in the buyer's currency ("presentment") or the shop's ("shop").
invoice_currency = "presentment"
# Orders with these Shopify risk levels are held for review.
hold_risk_levels = ["HIGH"]

[mapping]
# SKU, tax and gateway correspondences. Empty: mapping.toml beside this file.
# file = "mapping.toml"

[logging]
level = "INFO"
# "text" for a terminal, "json" for a log collector.
format = "text"
"""


def render_hub_toml(
    *, sandbox: bool = False, endpoints: SandboxEndpoints | None = None
) -> str:
    """Return the text of a commented `hub.toml`.

    Production: placeholders and `env:` secret references. Sandbox: every connector
    points at the local simulators (`endpoints`, default ports when None) with their
    fixed secrets written in the file, which only `environment = "sandbox"` allows.
    """
    if not sandbox:
        environment = (
            '\n# "production" refuses literal secrets.\nenvironment = "production"\n'
        )
        server = _SERVER.format(host="127.0.0.1", port=HUB_PORT)
        return _HEADER + environment + server + _PRODUCTION_SHOP + _TAIL
    where = endpoints or SandboxEndpoints()
    environment = (
        "\n# The sandbox: literal secrets are allowed, nothing leaves this machine.\n"
        'environment = "sandbox"\n'
    )
    parts = [
        _HEADER,
        environment,
        _SERVER.format(host="127.0.0.1", port=where.hub_port),
        _SANDBOX_SHOP.format(
            name=SANDBOX_SHOP_NAME,
            domain=SANDBOX_SHOP_DOMAIN,
            url=where.shopify_url,
            token=SANDBOX_ACCESS_TOKEN,
            secret=SANDBOX_WEBHOOK_SECRET,
        ),
    ]
    if where.odoo_url:
        parts.append(
            _SANDBOX_ODOO.format(
                url=where.odoo_url,
                database=SANDBOX_ODOO_DATABASE,
                login=SANDBOX_ODOO_LOGIN,
                api_key=SANDBOX_ODOO_API_KEY,
            )
        )
    if where.stripe_url:
        parts.append(
            _SANDBOX_STRIPE.format(
                url=where.stripe_url,
                api_key=SANDBOX_STRIPE_API_KEY,
                secret=SANDBOX_STRIPE_WEBHOOK_SECRET,
            )
        )
    parts.append(_TAIL)
    return "".join(parts)
