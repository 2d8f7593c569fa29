"""Generic ORM methods of the sandbox Odoo over JSON-RPC, per version."""

from __future__ import annotations

import pytest

from connectors.sandbox.odoo import SandboxOdoo

from .conftest import JsonRpc, RpcFault


def test_search_orders_limits_and_offsets(rpc: JsonRpc) -> None:
    domain = [("customer_rank", ">", 0)]
    assert rpc("res.partner", "search", domain, order="name desc") == [7, 5, 6]
    assert rpc("res.partner", "search", domain, order="name", limit=2, offset=1) == [
        5,
        7,
    ]
    assert rpc("res.partner", "search_count", domain) == 3


def test_domain_operators_and_boolean_logic(rpc: JsonRpc) -> None:
    ilike = rpc("res.partner", "search", [("name", "ilike", "deco")])
    assert ilike == [5]
    either = ["|", ("name", "=", "Jane Doe"), ("email", "=like", "azure@%")]
    assert sorted(rpc("res.partner", "search", either)) == [6, 7]
    negated = ["!", ("is_company", "=", True), ("customer_rank", ">", 0)]
    assert rpc("res.partner", "search", negated) == [7]
    assert rpc("res.partner", "search", [("id", "in", [5, 99])]) == [5]
    assert rpc(
        "res.partner", "search", [("vat", "=", False), ("customer_rank", "=", 1)]
    ) == [7]


def test_search_through_many2one_path(rpc: JsonRpc) -> None:
    ids = rpc("account.account", "search", [("code", "=", "121000")])
    partners = rpc(
        "res.partner",
        "search",
        [("property_account_receivable_id.code", "=", "121000")],
    )
    assert ids and sorted(partners) == [5, 6, 7]


def test_read_formats_values_like_odoo(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    (row,) = rpc(
        "product.product",
        "read",
        [odoo.ref("sandbox.product_mug")],
        [
            "name",
            "default_code",
            "list_price",
            "property_account_income_id",
            "taxes_id",
            "barcode",
        ],
    )
    assert row == {
        "id": odoo.ref("sandbox.product_mug"),
        "name": "Coffee Mug",
        "default_code": "MUG-001",
        "list_price": 12.5,
        "property_account_income_id": [
            odoo.ref("sandbox.account_income"),
            "400000 Product Sales",
        ],
        "taxes_id": [],
        "barcode": False,
    }


def test_read_unknown_field_raises_value_error(rpc: JsonRpc) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "read", [5], ["nope"])
    assert caught.value.name == "builtins.ValueError"
    assert caught.value.message == "Invalid field 'nope' on model 'res.partner'"


def test_read_missing_record_raises_missing_error(rpc: JsonRpc) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "read", [999], ["name"])
    assert caught.value.name == "odoo.exceptions.MissingError"
    assert "res.partner(999,)" in caught.value.message


def test_field_hidden_by_group_raises_access_error_and_is_not_described(
    odoo: SandboxOdoo,
) -> None:
    sales = JsonRpc(odoo, password="sales")
    sales.uid = odoo.ref("sandbox.user_sales")
    with pytest.raises(RpcFault) as caught:
        sales("res.partner", "read", [5], ["name", "credit"])
    assert caught.value.name == "odoo.exceptions.AccessError"
    assert '"credit"' in caught.value.message
    assert "credit" not in sales("res.partner", "fields_get")
    assert "credit" in JsonRpc(odoo)("res.partner", "fields_get")
    assert "credit" not in sales("res.partner", "read", [5])[0]


def test_user_without_accounting_group_cannot_read_invoices(odoo: SandboxOdoo) -> None:
    sales = JsonRpc(odoo, password="sales")
    sales.uid = odoo.ref("sandbox.user_sales")
    with pytest.raises(RpcFault) as caught:
        sales("account.move", "search_read", [], ["name"])
    assert caught.value.name == "odoo.exceptions.AccessError"
    assert "(account.move)" in caught.value.message
    assert "Accounting / Billing" in caught.value.message


def test_create_returns_an_id_for_a_dict_and_ids_for_a_list(rpc: JsonRpc) -> None:
    one = rpc("res.partner", "create", {"name": "Solo"})
    many = rpc("res.partner", "create", [{"name": "A"}, {"name": "B"}])
    assert isinstance(one, int)
    assert isinstance(many, list) and len(many) == 2 and one not in many
    assert rpc("res.partner", "read", many, ["name"]) == [
        {"id": many[0], "name": "A"},
        {"id": many[1], "name": "B"},
    ]


def test_failed_batch_create_leaves_nothing_behind(rpc: JsonRpc) -> None:
    before = rpc("res.partner", "search_count", [])
    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "create", [{"name": "Kept?"}, {"name": "Bad", "nope": 1}])
    assert caught.value.name == "builtins.ValueError"
    assert rpc("res.partner", "search_count", []) == before


def test_write_and_unlink(rpc: JsonRpc) -> None:
    pid = rpc("res.partner", "create", {"name": "Temp"})
    assert rpc("res.partner", "write", [pid], {"email": "t@example.com"}) is True
    assert rpc("res.partner", "read", [pid], ["email"])[0]["email"] == "t@example.com"
    assert rpc("res.partner", "unlink", [pid]) is True
    assert rpc("res.partner", "search", [("id", "=", pid)]) == []


def test_many2one_to_missing_record_is_a_validation_error(rpc: JsonRpc) -> None:
    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "create", {"name": "X", "parent_id": 999})
    assert caught.value.name == "odoo.exceptions.ValidationError"
    assert "res_partner_parent_id_fkey" in caught.value.message


def test_name_search_matches_display_names(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    found = rpc("product.product", "name_search", "mug")
    assert found == [[odoo.ref("sandbox.product_mug"), "[MUG-001] Coffee Mug"]]


def test_fields_get_describes_types_and_relations(rpc: JsonRpc) -> None:
    fields = rpc(
        "account.move", "fields_get", attributes=["type", "relation", "selection"]
    )
    assert fields["partner_id"] == {"type": "many2one", "relation": "res.partner"}
    assert fields["amount_total"]["type"] == "monetary"
    assert ["out_refund", "Customer Credit Note"] in fields["move_type"]["selection"]


def test_version_specific_field_names(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    payment = rpc("account.payment", "fields_get", attributes=["type"])
    line = rpc("sale.order.line", "fields_get", attributes=["type"])
    if odoo.version <= 17:
        assert "ref" in payment and "memo" not in payment
    else:
        assert "memo" in payment and "ref" not in payment
    if odoo.version >= 19:
        assert "tax_ids" in line and "product_uom_id" in line and "tax_id" not in line
    else:
        assert "tax_id" in line and "product_uom" in line and "tax_ids" not in line
    tax = rpc("account.tax", "fields_get", attributes=["type"])
    assert ("price_include_override" in tax) is (odoo.version >= 18)


def test_sale_order_lines_use_the_version_tax_field(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    tax_field = "tax_ids" if odoo.version >= 19 else "tax_id"
    order = rpc(
        "sale.order",
        "create",
        {
            "partner_id": 5,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": odoo.ref("sandbox.product_mug"),
                        "product_uom_qty": 2,
                        "price_unit": 10.0,
                        tax_field: [(6, 0, [odoo.ref("sandbox.tax_20_excl")])],
                    },
                )
            ],
        },
    )
    (row,) = rpc(
        "sale.order", "read", [order], ["amount_untaxed", "amount_tax", "amount_total"]
    )
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (
        20.0,
        4.0,
        24.0,
    )


def test_read_group_counts_and_sums(rpc: JsonRpc) -> None:
    groups = rpc(
        "res.partner",
        "read_group",
        [("customer_rank", ">", 0)],
        ["customer_rank:sum"],
        ["is_company"],
        lazy=False,
    )
    by_key = {g["is_company"]: g for g in groups}
    assert by_key[True]["__count"] == 2 and by_key[True]["customer_rank"] == 2
    assert by_key[False]["__count"] == 1
    lazy = rpc(
        "res.partner",
        "read_group",
        [("customer_rank", ">", 0)],
        ["name"],
        ["is_company"],
    )
    assert {g["is_company_count"] for g in lazy} == {1, 2}


def test_formatted_read_group_exists_only_on_19(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    if odoo.version < 19:
        with pytest.raises(RpcFault) as caught:
            rpc("res.partner", "formatted_read_group", [], ["is_company"])
        assert caught.value.name == "builtins.AttributeError"
        return
    groups = rpc(
        "res.partner",
        "formatted_read_group",
        [("customer_rank", ">", 0)],
        groupby=["property_account_receivable_id"],
        aggregates=["__count", "customer_rank:sum"],
    )
    assert groups == [
        {
            "property_account_receivable_id": [1, "121000 Account Receivable"],
            "__extra_domain": [["property_account_receivable_id", "=", 1]],
            "__count": 3,
            "customer_rank:sum": 3,
        }
    ]


def test_external_id_is_unique_per_module_and_name(rpc: JsonRpc) -> None:
    vals = {
        "module": "o2c_hub",
        "name": "invoice_shop_1001",
        "model": "account.move",
        "res_id": 1,
    }
    xid = rpc("ir.model.data", "create", vals)
    with pytest.raises(RpcFault) as caught:
        rpc("ir.model.data", "create", vals)
    assert caught.value.name == "odoo.exceptions.ValidationError"
    assert "ir_model_data_module_name_uniq_index" in caught.value.message
    assert "(o2c_hub, invoice_shop_1001) already exists" in caught.value.message
    found = rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", "o2c_hub"), ("name", "=", "invoice_shop_1001")],
        ["model", "res_id", "complete_name"],
    )
    assert found == [
        {
            "id": xid,
            "model": "account.move",
            "res_id": 1,
            "complete_name": "o2c_hub.invoice_shop_1001",
        }
    ]


def test_check_object_reference_resolves_seed_external_ids(
    rpc: JsonRpc, odoo: SandboxOdoo
) -> None:
    assert rpc("ir.model.data", "check_object_reference", "base", "USD") == [
        "res.currency",
        odoo.ref("base.USD"),
    ]
    with pytest.raises(RpcFault) as caught:
        rpc("ir.model.data", "check_object_reference", "base", "nothing")
    assert "External ID not found" in caught.value.message


def test_unlink_removes_the_records_external_ids(rpc: JsonRpc) -> None:
    pid = rpc("res.partner", "create", {"name": "Linked"})
    rpc(
        "ir.model.data",
        "create",
        {"module": "o2c_hub", "name": "p1", "model": "res.partner", "res_id": pid},
    )
    rpc("res.partner", "unlink", [pid])
    assert rpc("ir.model.data", "search", [("name", "=", "p1")]) == []


def test_sales_user_cannot_create_external_ids(odoo: SandboxOdoo) -> None:
    sales = JsonRpc(odoo, password="sales")
    sales.uid = odoo.ref("sandbox.user_sales")
    with pytest.raises(RpcFault) as caught:
        sales(
            "ir.model.data",
            "create",
            {"module": "x", "name": "y", "model": "res.partner"},
        )
    assert caught.value.name == "odoo.exceptions.AccessError"


def test_default_get_and_exists(rpc: JsonRpc) -> None:
    assert rpc("account.tax", "default_get", ["amount_type", "sequence"]) == {
        "amount_type": "percent",
        "sequence": 1,
    }
    assert rpc("res.partner", "exists", [5, 999]) == [5]


def test_company_type_writes_is_company(rpc: JsonRpc) -> None:
    pid = rpc("res.partner", "create", {"name": "Shop B2B", "company_type": "company"})
    (row,) = rpc("res.partner", "read", [pid], ["is_company", "company_type"])
    assert row["is_company"] is True and row["company_type"] == "company"


def test_search_count_flag_exists_only_on_16(rpc: JsonRpc, odoo: SandboxOdoo) -> None:
    if odoo.version == 16:
        assert rpc("res.partner", "search", [], count=True) == 7
        return
    with pytest.raises(RpcFault) as caught:
        rpc("res.partner", "search", [], count=True)
    assert caught.value.name == "builtins.TypeError"
