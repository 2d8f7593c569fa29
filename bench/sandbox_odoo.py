"""Sandbox Odoo: invoices created and posted per second, and ERP calls per invoice."""

from __future__ import annotations

import time

import requests

from connectors.sandbox.odoo import SandboxOdoo

INVOICES = 300


def _invoice(odoo: SandboxOdoo, n: int) -> dict[str, object]:
    """Return create values of a three-line invoice."""
    taxes = [odoo.ref("sandbox.tax_20_excl")]
    return {
        "move_type": "out_invoice",
        "partner_id": odoo.ref("sandbox.partner_deco"),
        "invoice_origin": f"#{1000 + n}",
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "product_id": odoo.ref(f"sandbox.product_{p}"),
                    "quantity": 2,
                    "price_unit": 19.99,
                    "tax_ids": [(6, 0, taxes)],
                },
            )
            for p in ("tshirt", "mug", "hoodie")
        ],
    }


def _jsonrpc(odoo: SandboxOdoo) -> float:
    """Create, post and read back invoices one by one over JSON-RPC; return seconds."""
    session = requests.Session()

    def call(model: str, method: str, *args: object) -> object:
        params = {
            "service": "object",
            "method": "execute_kw",
            "args": [odoo.database, odoo.uid, odoo.password, model, method, list(args)],
        }
        body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}
        return session.post(odoo.url + "/jsonrpc", json=body, timeout=30).json()[
            "result"
        ]

    started = time.perf_counter()
    for n in range(INVOICES):
        move = call("account.move", "create", _invoice(odoo, n))
        call("account.move", "action_post", [move])
        call("account.move", "read", [move], ["name", "amount_total"])
    return time.perf_counter() - started


def _json2_batch(odoo: SandboxOdoo) -> float:
    """Create all invoices in one JSON-2 call, post them in one; return seconds."""
    headers = {"Authorization": f"bearer {odoo.api_key}"}
    started = time.perf_counter()
    ids = requests.post(
        f"{odoo.url}/json/2/account.move/create",
        json={"vals_list": [_invoice(odoo, n) for n in range(INVOICES)]},
        headers=headers,
        timeout=120,
    ).json()
    requests.post(
        f"{odoo.url}/json/2/account.move/action_post",
        json={"ids": ids},
        headers=headers,
        timeout=120,
    )
    return time.perf_counter() - started


def main() -> None:
    """Print throughput and calls per invoice for JSON-RPC (17) and JSON-2 (19)."""
    with SandboxOdoo(17) as odoo:
        seconds = _jsonrpc(odoo)
        calls = odoo.calls.total() / INVOICES
        print(
            f"odoo17 json-rpc: {INVOICES / seconds:.0f} invoices/s "
            f"(create+post+read, 3 lines), {calls:.1f} ERP calls per invoice"
        )
    with SandboxOdoo(19) as odoo:
        seconds = _json2_batch(odoo)
        print(
            f"odoo19 json-2 batch: {INVOICES / seconds:.0f} invoices/s "
            f"({odoo.calls.total()} calls for {INVOICES} invoices)"
        )


if __name__ == "__main__":
    main()
