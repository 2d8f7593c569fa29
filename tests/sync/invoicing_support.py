"""Helpers of the invoicing tests: a sandbox Odoo hub, its mapping, stored orders."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from config.settings import Settings, settings_from_dict
from connectors.sandbox.odoo import SandboxOdoo
from o2c.orders import Order
from sync.invoicing import Invoicing, advance_order
from sync.orders_repo import upsert_order
from sync.store.models import Command

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
SHOP = "acme"

MAPPING = """
[defaults]
unknown_sku = "park"

[[defaults.taxes]]
rate = "0.2"
price_include = false
taxes = ["20%"]

[[defaults.taxes]]
rate = "0.2"
price_include = true
taxes = ["20% incl."]

[[defaults.taxes]]
rate = "0.1"
price_include = false
taxes = ["10%"]

[defaults.shipping]
default = "SHIP"

# The sandbox has no discount product; any product carries the discount lines.
[defaults.special]
discount = "TSHIRT-001"

[defaults.customers]
unknown = "create"

[[defaults.gateways]]
gateway = "manual"
journal = "BNK1"

[defaults.accounts]
rounding = "642000"
refund_adjustment = "642000"
entry_journal = "MISC"
"""


def hub_config(
    odoo: SandboxOdoo, store_url: str, base_dir: Path, *, protocol: str = "jsonrpc"
) -> dict[str, Any]:
    """Return the configuration (as parsed TOML) of a hub on the sandbox Odoo."""
    (base_dir / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    return {
        "environment": "development",
        "store": {"url": store_url},
        "queue": {"lease_seconds": 30, "sweep_interval": 1, "max_attempts": 3},
        "odoo": {
            "url": odoo.url,
            "database": odoo.database,
            "login": odoo.login,
            "api_key": odoo.api_key,
            "protocol": protocol,
            "timeout": 2.0,
        },
        "mapping": {"file": "mapping.toml"},
    }


def hub_settings(odoo: SandboxOdoo, store_url: str, base_dir: Path) -> Settings:
    """Return validated settings of a hub on the sandbox Odoo."""
    return settings_from_dict(hub_config(odoo, store_url, base_dir), base_dir=base_dir)


def write_config(config: dict[str, Any], path: Path) -> Path:
    """Write a configuration of scalars and tables as TOML; return its path."""
    lines = [
        f"{k} = {json.dumps(v)}" for k, v in config.items() if not isinstance(v, dict)
    ]
    for table, values in config.items():
        if isinstance(values, dict):
            lines.append(f"[{table}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Stored:
    """What storing an order decided."""

    order: Order
    commands: list[str]


def numbered(order: Order, number: int, *, shop: str = SHOP) -> Order:
    """The order under its own number, id and shop (the factory reuses one id)."""
    return order.model_copy(
        update={
            "number": f"#{number}",
            "external_id": f"gid://shopify/Order/{number}",
            "source": shop,
        }
    )


def store(
    engine: Engine, invoicing: Invoicing, order: Order, *, now: dt.datetime = NOW
) -> Stored:
    """Store an order version and decide on it in one transaction, as intake does."""
    with engine.begin() as conn:
        upsert_order(conn, order, now=now)
        decision = advance_order(conn, order, invoicing, now=now)
    return Stored(order, [type(c).__name__ for c in decision.commands])


def command_rows(engine: Engine) -> list[Any]:
    """Return every outbox row, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(Command).order_by(Command.id)))


def moves_with_ref(odoo: SandboxOdoo, key: str) -> list[dict[str, Any]]:
    """Return the sandbox's account.move rows that carry a hub key in `ref`."""
    return [row for row in odoo.records("account.move") if row.get("ref") == key]
