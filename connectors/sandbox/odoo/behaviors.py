"""Smaller models' behaviour: external ids, users, currencies, taxes, sale orders."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.odoo import orm
from connectors.sandbox.odoo.database import Row
from connectors.sandbox.odoo.env import Behavior, Env, Registry
from connectors.sandbox.odoo.errors import PythonError, ValidationError
from connectors.sandbox.odoo.floats import ZERO, float_round, to_decimal
from connectors.sandbox.odoo.invoice_lines import load_tax, tax_price_include
from connectors.sandbox.odoo.methods import Call, Method
from connectors.sandbox.odoo.moves import AccountMove, AccountMoveLine
from connectors.sandbox.odoo.payments import AccountPayment, PaymentRegister
from connectors.sandbox.odoo.reversal import reversal_behavior
from connectors.sandbox.odoo.taxes import compute_line
from connectors.sandbox.odoo.taxes_legacy import compute_all

MODEL_DATA = "ir.model.data"


class ModelData(Behavior):
    """ir.model.data: external ids, unique on (module, name) like Odoo's index."""

    spec_name = MODEL_DATA

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create external ids; a duplicate fails as Odoo's IntegrityError does."""
        ids = []
        for vals in vals_list:
            self._check(env, vals, None)
            ids.append(orm.create_row(env, MODEL_DATA, vals))
        return ids

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write external ids, keeping (module, name) unique."""
        for rid in ids:
            row = env.db.row(MODEL_DATA, rid)
            self._check(env, {**row, **vals}, rid)
            orm.write_row(env, MODEL_DATA, rid, vals)

    def _check(self, env: Env, vals: Row, own_id: int | None) -> None:
        """Raise ValidationError for spaces in the name or a taken (module, name).

        The wording is what Odoo 16+ makes of a PostgreSQL unique violation;
        whether 19's model-level index changes it is not known.
        """
        name, module = vals.get("name"), vals.get("module") or ""
        if isinstance(name, str) and " " in name:
            raise ValidationError(
                "The operation cannot be completed: External IDs cannot contain spaces"
            )
        for row in env.db.table(MODEL_DATA).values():
            if row["id"] != own_id and row["name"] == name and row["module"] == module:
                raise ValidationError(
                    "The operation cannot be completed: duplicate key value violates"
                    ' unique constraint "ir_model_data_module_name_uniq_index"\n'
                    f"DETAIL:  Key (module, name)=({module}, {name}) already exists.\n"
                )

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return `complete_name` ("module.name")."""
        if fname == "complete_name":
            return (
                f"{row['module']}.{row['name']}" if row.get("module") else row["name"]
            )
        return None


def check_object_reference(
    call: Call, module: str, xml_id: str, raise_on_access_error: bool = False
) -> list[Any]:
    """Return `[model, res_id]` of an external id.

    Raises PythonError(ValueError) "External ID not found in the system".
    """
    for row in call.env.db.table(MODEL_DATA).values():
        if row["module"] == module and row["name"] == xml_id:
            return [row["model"], row["res_id"]]
    raise PythonError(
        "ValueError", f"External ID not found in the system: {module}.{xml_id}"
    )


ModelData.methods = {
    "check_object_reference": Method(check_object_reference, api_model=True)
}


class Users(Behavior):
    """res.users: groups and `context_get`."""

    spec_name = "res.users"

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return the user's group ids."""
        if fname in ("groups_id", "group_ids"):
            names = set(row.get("_groups", ()))
            table = env.db.table("res.groups")
            return [gid for gid, g in sorted(table.items()) if g.get("_xmlid") in names]
        return None


def context_get(call: Call) -> dict[str, Any]:
    """Return the user's context: language, time zone and uid."""
    return {"lang": "en_US", "tz": "Europe/Brussels", "uid": call.env.uid}


Users.methods = {"context_get": Method(context_get, api_model=True)}


class Currency(Behavior):
    """res.currency: decimal places and the current rate (company currency 1.0)."""

    spec_name = "res.currency"

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return `rate` and `decimal_places`."""
        if fname == "rate":
            return to_decimal(row.get("_rate") or 1)
        if fname == "decimal_places":
            exponent = to_decimal(row["rounding"]).normalize().as_tuple().exponent
            return max(0, -int(exponent))
        return None


class Taxes(Behavior):
    """account.tax: `price_include` is computed from the override on 18+."""

    spec_name = "account.tax"

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return the effective `price_include`."""
        if fname == "price_include":
            return tax_price_include(env, row)
        return None


class Partner(Behavior):
    """res.partner: `credit` is the open receivable of posted entries;
    `company_type` is the person/company view of `is_company` (writable).
    """

    spec_name = "res.partner"

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create partners, translating `company_type` into `is_company`."""
        return super().create(env, [_company_type(vals) for vals in vals_list])

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write partners, translating `company_type` into `is_company`."""
        super().write(env, ids, _company_type(vals))

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return `credit`, `company_type` and `currency_id` (the company's)."""
        if fname == "company_type":
            return "company" if row.get("is_company") else "person"
        if fname == "currency_id":
            return env.company["currency_id"]
        if fname != "credit":
            return None
        receivable = {
            a["id"]
            for a in env.db.table("account.account").values()
            if a["account_type"] == "asset_receivable"
        }
        return sum(
            (
                to_decimal(r.get("amount_residual"))
                for r in env.db.table("account.move.line").values()
                if r.get("partner_id") == row["id"]
                and r.get("account_id") in receivable
                and r.get("parent_state") == "posted"
            ),
            ZERO,
        )


def _company_type(vals: Row) -> Row:
    """Return `vals` with `company_type` turned into `is_company`."""
    if "company_type" not in vals:
        return vals
    rest = {k: v for k, v in vals.items() if k != "company_type"}
    return {"is_company": vals["company_type"] == "company", **rest}


class SaleOrder(Behavior):
    """sale.order: quotations with lines taxed by the version's engine.

    Only what the field-name differences need: create, read, confirm.
    """

    spec_name = "sale.order"

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return the currency and name of a new quotation."""
        count = len(env.db.table("sale.order")) + 1
        return {"currency_id": env.company["currency_id"], "name": f"S{count:05d}"}

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create orders and their lines, then total them."""
        ids = []
        for vals in vals_list:
            head = {k: v for k, v in vals.items() if k != "order_line"}
            order_id = orm.create_row(env, "sale.order", head)
            for command in vals.get("order_line") or []:
                if command[0] == 0:
                    line = {**command[2], "order_id": order_id}
                    orm.create_row(env, "sale.order.line", line)
            _total_order(env, order_id)
            ids.append(order_id)
        return ids


def _total_order(env: Env, order_id: int) -> None:
    """Compute the order lines' subtotals and the order's amounts."""
    order = env.db.row("sale.order", order_id)
    rounding = env.db.row("res.currency", order["currency_id"])["rounding"]
    tax_field = env.profile.sale_line_tax_field
    untaxed = total = ZERO
    for line in env.db.table("sale.order.line").values():
        if line["order_id"] != order_id:
            continue
        taxes = [load_tax(env, t) for t in line.get(tax_field) or []]
        price = to_decimal(line.get("price_unit"))
        quantity = to_decimal(line.get("product_uom_qty"))
        discount = to_decimal(line.get("discount"))
        engine = compute_line if env.profile.modern_taxes else compute_all
        result = engine(
            taxes,
            price_unit=price,
            quantity=quantity,
            discount=discount,
            rounding=rounding,
        )
        subtotal = float_round(result.total_excluded, rounding)
        line_total = float_round(result.total_included, rounding)
        env.db.update(
            "sale.order.line",
            line["id"],
            {
                "price_subtotal": subtotal,
                "price_total": line_total,
                "currency_id": order["currency_id"],
            },
        )
        untaxed += subtotal
        total += line_total
    env.db.update(
        "sale.order",
        order_id,
        {
            "amount_untaxed": untaxed,
            "amount_tax": total - untaxed,
            "amount_total": total,
        },
    )


def action_confirm(call: Call) -> bool:
    """Confirm quotations into sales orders; returns True."""
    for order in call.env.browse("sale.order", call.ids):
        call.env.db.update("sale.order", order["id"], {"state": "sale"})
    return True


SaleOrder.methods = {"action_confirm": Method(action_confirm)}


def build_registry(specs: dict[str, Any], major: int) -> Registry:
    """Return the registry with every model's behaviour attached."""
    registry = Registry(specs)
    registry.behaviors["account.move.reversal"] = reversal_behavior(major)
    for behavior in (
        AccountMove(),
        AccountMoveLine(),
        AccountPayment(),
        PaymentRegister(),
        ModelData(),
        Users(),
        Currency(),
        Taxes(),
        Partner(),
        SaleOrder(),
    ):
        registry.behaviors[behavior.spec_name] = behavior
    return registry
