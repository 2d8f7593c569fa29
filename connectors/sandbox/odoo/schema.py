"""Field and model definitions: what `fields_get` describes and the ORM enforces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
NUMERIC = frozenset({"integer", "float", "monetary"})


@dataclass(frozen=True)
class Field:
    """One field of a model, with the attributes Odoo's `fields_get` reports."""

    name: str
    type: str
    string: str
    relation: str | None = None
    inverse: str | None = None
    selection: tuple[tuple[str, str], ...] = ()
    required: bool = False
    readonly: bool = False
    store: bool = True
    groups: str | None = None
    digits: int | None = None
    currency_field: str | None = None
    default: Any = None
    help: str = ""
    only: tuple[str, tuple[Any, ...]] | None = None

    def describe(self) -> dict[str, Any]:
        """Return the `fields_get` description of this field."""
        info: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly,
            "store": self.store,
            "sortable": self.store,
            "searchable": True,
            "manual": False,
            "company_dependent": False,
            "depends": [],
            "help": self.help,
        }
        if self.relation:
            info["relation"] = self.relation
        if self.inverse:
            info["relation_field"] = self.inverse
        if self.type == "selection":
            info["selection"] = [list(pair) for pair in self.selection]
        if self.type == "float" and self.digits is not None:
            info["digits"] = [16, self.digits]
        if self.type == "monetary":
            info["currency_field"] = self.currency_field or "currency_id"
        if self.type in ("many2one", "many2many", "one2many"):
            info["domain"] = []
            info["context"] = {}
        return info


@dataclass(frozen=True)
class ModelSpec:
    """A model: its fields, default order, display name field and access groups.

    `groups` maps an operation (`read`, `write`, `create`, `unlink`) to the group
    xml id a user needs; a missing key means every internal user may do it.
    """

    name: str
    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_name: str | None = "name"
    groups: dict[str, str] = field(default_factory=dict)
    display: Callable[[dict[str, Any]], str] | None = None

    def get(self, name: str) -> Field | None:
        """Return the field called `name`, or None."""
        return self.fields.get(name)


def char(name: str, string: str, **kw: Any) -> Field:
    """Return a char field."""
    return Field(name, "char", string, **kw)


def text(name: str, string: str, **kw: Any) -> Field:
    """Return a text field."""
    return Field(name, "text", string, **kw)


def integer(name: str, string: str, **kw: Any) -> Field:
    """Return an integer field."""
    return Field(name, "integer", string, **kw)


def decimal(name: str, string: str, digits: int = 2, **kw: Any) -> Field:
    """Return a float field stored with `digits` decimals."""
    return Field(name, "float", string, digits=digits, **kw)


def monetary(name: str, string: str, currency: str = "currency_id", **kw: Any) -> Field:
    """Return a monetary field rounded to the currency named by `currency`."""
    return Field(name, "monetary", string, currency_field=currency, **kw)


def boolean(name: str, string: str, **kw: Any) -> Field:
    """Return a boolean field."""
    return Field(name, "boolean", string, **kw)


def date(name: str, string: str, **kw: Any) -> Field:
    """Return a date field (wire format YYYY-MM-DD)."""
    return Field(name, "date", string, **kw)


def datetime_(name: str, string: str, **kw: Any) -> Field:
    """Return a datetime field (wire format YYYY-MM-DD HH:MM:SS, UTC)."""
    return Field(name, "datetime", string, **kw)


def selection(
    name: str, string: str, choices: tuple[tuple[str, str], ...], **kw: Any
) -> Field:
    """Return a selection field with `(value, label)` choices."""
    return Field(name, "selection", string, selection=choices, **kw)


def many2one(name: str, string: str, relation: str, **kw: Any) -> Field:
    """Return a many2one field to `relation`."""
    return Field(name, "many2one", string, relation=relation, **kw)


def one2many(name: str, string: str, relation: str, inverse: str, **kw: Any) -> Field:
    """Return a one2many field, the reverse of `relation.inverse`."""
    return Field(name, "one2many", string, relation=relation, inverse=inverse, **kw)


def many2many(name: str, string: str, relation: str, **kw: Any) -> Field:
    """Return a many2many field to `relation`."""
    return Field(name, "many2many", string, relation=relation, **kw)


def model(name: str, description: str, fields: list[Field], **kw: Any) -> ModelSpec:
    """Return a model spec; `id`, `display_name` and audit fields are added."""
    common = [
        integer("id", "ID", readonly=True),
        char("display_name", "Display Name", readonly=True, store=False),
        datetime_("create_date", "Created on", readonly=True),
        datetime_("write_date", "Last Updated on", readonly=True),
    ]
    by_name = {f.name: f for f in common + fields}
    return ModelSpec(name, description, by_name, **kw)
