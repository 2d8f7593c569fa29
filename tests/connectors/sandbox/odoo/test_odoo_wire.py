"""The sandbox Odoo's endpoints and error shapes, over loopback HTTP, per version."""

from __future__ import annotations

import datetime as dt

import odoorpc
import pytest
import requests

from connectors.sandbox.odoo import SandboxOdoo

from .conftest import Json2, JsonRpc, RpcFault


def test_version_info_reports_the_profile_version(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    result = rpc.post("/web/webclient/version_info", {})
    assert result["server_version"] == f"{odoo.version}.0"
    assert result["server_version_info"] == [odoo.version, 0, 0, "final", 0, ""]
    assert rpc.service("common", "version") == result


def test_web_version_answers_json_from_17_and_404_on_16(odoo: SandboxOdoo) -> None:
    reply = requests.get(odoo.url + "/web/version", timeout=5)
    if odoo.version == 16:
        assert reply.status_code == 404
        return
    assert reply.status_code == 200
    assert reply.json() == {
        "version_info": [odoo.version, 0, 0, "final", 0, ""],
        "version": f"{odoo.version}.0",
    }


def test_odoorpc_detects_version_logs_in_and_reads(odoo: SandboxOdoo) -> None:
    client = odoorpc.ODOO("127.0.0.1", port=odoo.port)
    assert client.version == f"{odoo.version}.0"
    client.login(odoo.database, odoo.login, odoo.password)
    assert client.env.uid == 2
    partners = client.env["res.partner"]
    ids = partners.search([("customer_rank", ">", 0)], order="name")
    names = [r["name"] for r in partners.read(ids, ["name"])]
    assert names == ["Azure Interior", "Deco Addict", "Jane Doe"]


def test_login_returns_uid_for_password_or_api_key_and_false_otherwise(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    db = odoo.database
    assert rpc.service("common", "login", db, "admin", "admin") == 2
    assert rpc.service("common", "login", db, "admin", odoo.api_key) == 2
    assert rpc.service("common", "authenticate", db, "admin", "admin", {}) == 2
    assert rpc.service("common", "login", db, "admin", "wrong") is False


def test_login_on_unknown_database_fails_like_postgres(rpc: JsonRpc) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc.service("common", "login", "nope", "admin", "admin")
    assert caught.value.name == "psycopg2.OperationalError"
    assert 'database "nope" does not exist' in caught.value.message


def test_wrong_password_on_execute_kw_is_access_denied_in_odoo_shape(
    odoo: SandboxOdoo,
) -> None:
    rpc = JsonRpc(odoo, password="wrong")
    with pytest.raises(RpcFault):
        rpc("res.partner", "search", [])
    error = rpc.last["error"]
    assert error["code"] == 200
    assert error["message"] == "Odoo Server Error"
    assert set(error["data"]) == {"name", "debug", "message", "arguments", "context"}
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert error["data"]["message"] == "Access Denied"
    assert error["data"]["arguments"] == ["Access Denied"]


def test_expired_api_key_is_refused_on_json_rpc(odoo: SandboxOdoo) -> None:
    key = odoo.add_api_key()
    assert JsonRpc(odoo, password=key)("res.partner", "search_count", [])
    odoo.expire_api_key(key)
    with pytest.raises(RpcFault) as caught:
        JsonRpc(odoo, password=key)("res.partner", "search_count", [])
    assert caught.value.name == "odoo.exceptions.AccessDenied"


def test_api_key_with_future_expiry_works(odoo: SandboxOdoo) -> None:
    key = odoo.add_api_key(expires=dt.datetime(2999, 1, 1))
    assert JsonRpc(odoo, password=key)("res.partner", "search_count", []) == 7


def test_session_authenticate_sets_cookie_and_call_kw_uses_it(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    info = rpc.post(
        "/web/session/authenticate",
        {"db": odoo.database, "login": "admin", "password": "admin"},
    )
    assert info["uid"] == 2 and info["db"] == odoo.database
    assert info["server_version"] == f"{odoo.version}.0"
    assert rpc.session.cookies.get("session_id")
    count = rpc.post(
        "/web/dataset/call_kw/res.partner/search_count",
        {"model": "res.partner", "method": "search_count", "args": [[]], "kwargs": {}},
    )
    assert count == 7


def test_call_kw_without_session_is_session_expired(rpc: JsonRpc) -> None:
    with pytest.raises(RpcFault):
        rpc.post(
            "/web/dataset/call_kw",
            {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {}},
        )
    assert rpc.last["error"]["code"] == 100
    assert rpc.last["error"]["message"] == "Odoo Session Expired"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        (
            {"db": "nope", "login": "admin", "password": "admin"},
            "odoo.exceptions.AccessError",
        ),
        (
            {"db": "sandbox", "login": "admin", "password": "x"},
            "odoo.exceptions.AccessDenied",
        ),
    ],
)
def test_session_authenticate_refuses_bad_database_or_password(
    rpc: JsonRpc, params: dict[str, str], name: str
) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc.post("/web/session/authenticate", params)
    assert caught.value.name == name


def test_unknown_model_method_and_private_method_fail_like_odoo(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc("no.such.model", "search", [])
    assert caught.value.name == "builtins.KeyError"

    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "frobnicate", [])
    assert caught.value.name == "builtins.AttributeError"
    expected = (
        "type object 'res.partner' has no attribute 'frobnicate'"
        if odoo.version == 16
        else "The method 'res.partner.frobnicate' does not exist"
    )
    assert caught.value.message == expected

    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "_read", [1])
    assert caught.value.name == "odoo.exceptions.AccessError"


def test_db_service_lists_the_database(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    assert rpc.service("db", "list") == [odoo.database]
    assert rpc.service("db", "server_version") == f"{odoo.version}.0"


def test_execute_passes_positional_arguments(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    result = rpc.service(
        "object", "execute", odoo.database, 2, "admin", "res.users", "context_get"
    )
    assert result["uid"] == 2 and result["lang"] == "en_US"


def test_json2_is_absent_before_19(odoo: SandboxOdoo) -> None:
    if odoo.version == 19:
        pytest.skip("JSON-2 exists on 19")
    reply = Json2(odoo).raw("res.partner", "search", domain=[])
    assert reply.status_code == 404


def test_json2_search_read_with_named_arguments(json2: Json2) -> None:
    rows = json2(
        "res.partner",
        "search_read",
        domain=[["is_company", "=", True], ["customer_rank", ">", 0]],
        fields=["name"],
        order="name",
        context={"lang": "en_US"},
    )
    assert rows == [
        {"id": 6, "name": "Azure Interior"},
        {"id": 5, "name": "Deco Addict"},
    ]


def test_json2_read_takes_ids_in_the_body(json2: Json2) -> None:
    assert json2("res.partner", "read", ids=[5], fields=["email"]) == [
        {"id": 5, "email": "deco@example.com"}
    ]


@pytest.mark.parametrize(
    ("headers", "status", "name"),
    [
        ({"Authorization": "bearer nope"}, 401, "werkzeug.exceptions.Unauthorized"),
        ({}, 401, "werkzeug.exceptions.Unauthorized"),
        ({"X-Odoo-Database": "other"}, 404, "werkzeug.exceptions.NotFound"),
    ],
)
def test_json2_refuses_bad_key_or_database(
    json2: Json2, headers: dict[str, str], status: int, name: str
) -> None:
    json2.headers.update(headers)
    if not headers:
        json2.headers.pop("Authorization")
    reply = json2.raw("res.partner", "search", domain=[])
    assert reply.status_code == status
    body = reply.json()
    assert body["name"] == name
    assert set(body) == {"name", "debug", "message", "arguments", "context"}


def test_json2_expired_key_answers_401_invalid_apikey(odoo19: SandboxOdoo) -> None:
    key = odoo19.add_api_key()
    assert Json2(odoo19, key)("res.partner", "search_count", domain=[]) == 7
    odoo19.expire_api_key(key)
    reply = Json2(odoo19, key).raw("res.partner", "search_count", domain=[])
    assert reply.status_code == 401
    assert reply.json()["message"] == "Invalid apikey"
    assert reply.json()["arguments"] == ["Invalid apikey", 401]


def test_json2_errors_carry_http_status_codes(
    json2: Json2, odoo19: SandboxOdoo
) -> None:
    assert json2.raw("no.model", "search").status_code == 404
    assert json2.raw("res.partner", "frobnicate").status_code == 404
    assert json2.raw("res.partner", "search", ids=[1], domain=[]).status_code == 422
    assert json2.raw("res.partner", "search", bogus=1).status_code == 422
    reply = json2.raw("res.partner", "read", ids=[5], fields=["nope"])
    assert reply.status_code == 500 and reply.json()["name"] == "builtins.ValueError"
    sales = Json2(odoo19, odoo19.sales_api_key).raw("account.move", "search", domain=[])
    assert sales.status_code == 403
    assert sales.json()["name"] == "odoo.exceptions.AccessError"
    url = f"{odoo19.url}/json/2/res.partner/search"
    assert requests.get(url, headers=json2.headers, timeout=5).status_code == 405


def test_json2_user_error_is_422_with_odoo_name(
    json2: Json2, odoo19: SandboxOdoo
) -> None:
    move = json2(
        "account.move",
        "create",
        vals_list=[{"move_type": "entry", "line_ids": []}],
    )
    reply = json2.raw("account.move", "action_post", ids=move)
    assert reply.status_code == 422
    assert reply.json()["name"] == "odoo.exceptions.UserError"
    assert reply.json()["message"] == "You need to add a line before posting."


def test_json2_res_users_context_get_gives_own_uid(json2: Json2) -> None:
    assert json2("res.users", "context_get")["uid"] == 2


def test_odoorpc_records_refs_relations_writes_and_actions(odoo: SandboxOdoo) -> None:
    client = odoorpc.ODOO("127.0.0.1", port=odoo.port)
    client.login(odoo.database, odoo.login, odoo.password)
    assert client.env.ref("base.USD").name == "USD"
    assert "account.move" in client.env
    partner = client.env["res.partner"].browse(5)
    assert partner.property_account_receivable_id.code == "121000"
    partner.email = "new@example.com"
    assert client.env["res.partner"].read(5, ["email"])[0]["email"] == "new@example.com"
    moves = client.env["account.move"]
    move_id = moves.create(
        {
            "move_type": "out_invoice",
            "partner_id": 5,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {"product_id": odoo.ref("sandbox.product_mug"), "price_unit": 10},
                )
            ],
        }
    )
    invoice = moves.browse(move_id)
    assert [line.name for line in invoice.invoice_line_ids] == ["[MUG-001] Coffee Mug"]
    invoice.action_post()
    assert moves.read(move_id, ["state", "name"])[0]["name"] == "INV/2026/00001"
