"""Fault injection and call counting of the sandbox Odoo."""

from __future__ import annotations

import pytest
import requests

from connectors.sandbox.odoo import SandboxOdoo

from .conftest import JsonRpc, invoice_vals, line


def test_fail_next_answers_5xx_then_recovers(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    odoo.faults.fail_next(2, status=503)
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": "common", "method": "version", "args": []},
    }
    statuses = [
        requests.post(odoo.url + "/jsonrpc", json=body, timeout=5).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]


def test_fault_filtered_by_model_and_method_spares_other_calls(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    odoo.faults.fail_next(1, status=502, model="account.move", method="create")
    assert rpc("res.partner", "search_count", []) == 7
    with pytest.raises(requests.HTTPError):
        reply = rpc.session.post(
            odoo.url + "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        odoo.database,
                        2,
                        "admin",
                        "account.move",
                        "create",
                        [invoice_vals(odoo, line(odoo, 10))],
                    ],
                },
            },
            timeout=5,
        )
        reply.raise_for_status()
    assert rpc("account.move", "search_count", []) == 0


def test_dropped_answer_after_commit_leaves_the_record_created(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    odoo.faults.drop_after_commit(model="account.move", method="create")
    with pytest.raises(requests.ConnectionError):
        rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    assert rpc("account.move", "search_count", []) == 1


def test_delay_after_commit_times_out_the_caller_but_keeps_the_write(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    odoo.faults.delay_after_commit(0.5, model="ir.model.data", method="create")
    vals = {"module": "o2c_hub", "name": "k1", "model": "res.partner", "res_id": 5}
    with pytest.raises(requests.Timeout):
        rpc.post(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [odoo.database, 2, "admin", "ir.model.data", "create", [vals]],
            },
            timeout=0.2,
        )
    fresh = JsonRpc(odoo)
    assert fresh("ir.model.data", "search_count", [("name", "=", "k1")]) == 1


def test_json2_calls_can_fail_and_are_counted(
    json2: object, odoo19: SandboxOdoo
) -> None:
    from .conftest import Json2

    client = Json2(odoo19)
    odoo19.faults.fail_next(1, status=500, model="res.partner", method="search")
    assert client.raw("res.partner", "search", domain=[]).status_code == 500
    assert client("res.partner", "search", domain=[])
    assert odoo19.calls.get("res.partner", "search") == 1


def test_call_counter_counts_per_model_and_method(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    odoo.calls.reset()
    move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10)))
    rpc("account.move", "action_post", [move])
    rpc("account.move", "read", [move], ["name"])
    assert odoo.calls.get("account.move") == 3
    assert odoo.calls.get("account.move", "create") == 1
    assert odoo.calls.total() == 3
    assert odoo.calls.snapshot()[("account.move", "read")] == 1


def test_records_and_record_expose_exact_stored_state(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    from decimal import Decimal

    move = rpc(
        "account.move", "create", invoice_vals(odoo, line(odoo, 19.99, "tax_20_excl"))
    )
    stored = odoo.record("account.move", move)
    assert stored["amount_total"] == Decimal("23.99")
    assert [r["id"] for r in odoo.records("account.move")] == [move]


def test_concurrent_posting_gives_unique_contiguous_numbers(start_odoo: object) -> None:
    from concurrent.futures import ThreadPoolExecutor

    odoo = start_odoo(18)  # type: ignore[operator]

    def post_one(n: int) -> None:
        rpc = JsonRpc(odoo)
        move = rpc("account.move", "create", invoice_vals(odoo, line(odoo, 10 + n)))
        rpc("account.move", "action_post", [move])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(post_one, range(24)))
    names = sorted(r["name"] for r in odoo.records("account.move"))
    assert names == [f"INV/2026/{n:05d}" for n in range(1, 25)]
