"""The environment of one call (database, user, context) and per-model behaviour."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connectors.sandbox.odoo.database import Database, Row
from connectors.sandbox.odoo.errors import AccessError, MissingError
from connectors.sandbox.odoo.profiles import VersionProfile
from connectors.sandbox.odoo.schema import ModelSpec

if TYPE_CHECKING:
    from connectors.sandbox.odoo.methods import Method

GROUP_NAMES = {
    "base.group_user": "User types / Internal User",
    "base.group_system": "Administration / Settings",
    "account.group_account_invoice": "Accounting / Billing",
    "account.group_account_manager": "Accounting / Billing Administrator",
}

OPERATION_VERBS = {
    "read": "access",
    "write": "modify",
    "create": "create",
    "unlink": "delete",
}


class Behavior:
    """What one model does beyond generic storage: defaults, hooks, own methods.

    Subclasses override the hooks they need; `methods` lists public methods the
    model exposes over RPC besides the generic ORM ones.
    """

    methods: dict[str, Method] = {}

    def defaults(self, env: Env, vals: Row) -> Row:
        """Return default values for a new record (before `vals` is applied)."""
        return {}

    def create(self, env: Env, vals_list: list[Row]) -> list[int]:
        """Create records and return their ids; the generic path by default."""
        from connectors.sandbox.odoo import orm

        return [orm.create_row(env, self.spec_name, vals) for vals in vals_list]

    def write(self, env: Env, ids: list[int], vals: Row) -> None:
        """Write `vals` on records; the generic path by default."""
        from connectors.sandbox.odoo import orm

        for rid in ids:
            orm.write_row(env, self.spec_name, rid, vals)

    def unlink(self, env: Env, ids: list[int]) -> None:
        """Delete records; the generic path by default."""
        for rid in ids:
            env.db.delete(self.spec_name, rid)

    def compute(self, env: Env, row: Row, fname: str) -> Any:
        """Return the value of a non-stored field for `row` (None: not computed)."""
        return None

    spec_name: str = ""


@dataclass
class Registry:
    """The models the server knows: their specs and behaviours."""

    specs: dict[str, ModelSpec]
    behaviors: dict[str, Behavior] = field(default_factory=dict)

    def behavior(self, model: str) -> Behavior:
        """Return the behaviour of `model` (a generic one when it has none)."""
        found = self.behaviors.get(model)
        if found is None:
            found = Behavior()
            found.spec_name = model
            self.behaviors[model] = found
        return found


@dataclass
class Env:
    """One call's view of the server: database, registry, user and context."""

    db: Database
    registry: Registry
    profile: VersionProfile
    uid: int
    context: dict[str, Any] = field(default_factory=dict)
    today: Callable[[], dt.date] = dt.date.today

    def spec(self, model: str) -> ModelSpec:
        """Return the spec of `model`.

        Raises KeyError when the model does not exist (callers translate it).
        """
        return self.registry.specs[model]

    def behavior(self, model: str) -> Behavior:
        """Return the behaviour of `model`."""
        return self.registry.behavior(model)

    @property
    def user(self) -> Row:
        """Return the current user's row."""
        return self.db.row("res.users", self.uid)

    @property
    def company(self) -> Row:
        """Return the current user's company row."""
        return self.db.row("res.company", self.user["company_id"])

    def groups(self) -> set[str]:
        """Return the group xml ids of the current user."""
        return set(self.user.get("_groups", ()))

    def has_group(self, group: str | None) -> bool:
        """Return True when the user has `group` (any of a comma-separated list)."""
        if not group:
            return True
        mine = self.groups()
        return any(g.strip() in mine for g in group.split(","))

    def check_access(self, model: str, operation: str) -> None:
        """Check the user may run `operation` on `model`.

        Raises AccessError with Odoo's wording (the group list as Odoo prints it).
        """
        spec = self.spec(model)
        group = spec.groups.get(operation) or spec.groups.get("all")
        if self.has_group(group):
            return
        label = GROUP_NAMES.get(group or "", group or "")
        raise AccessError(
            f"You are not allowed to {OPERATION_VERBS[operation]} "
            f"'{spec.description}' ({model}) records.\n\n"
            "This operation is allowed for the following groups:\n"
            f"\t- {label}\n\n"
            "Contact your administrator to request access if necessary."
        )

    def browse(self, model: str, ids: list[int]) -> list[Row]:
        """Return the rows of `ids`.

        Raises MissingError naming the missing ids, as Odoo does.
        """
        table = self.db.table(model)
        missing = [i for i in ids if i not in table]
        if missing:
            shown = ", ".join(str(i) for i in missing)
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({shown},), User: {self.uid})"
            )
        return [table[i] for i in ids]

    def with_context(self, **values: Any) -> Env:
        """Return a copy of this environment with a context extended by `values`."""
        return Env(
            self.db,
            self.registry,
            self.profile,
            self.uid,
            {**self.context, **values},
            self.today,
        )
