"""Idempotency keys as Odoo external ids: `o2c_hub.<kind>.<shop>.<id>`.

A key `o2c_hub.invoice.myshop.1001` is stored in `ir.model.data` with module
`o2c_hub` and a name made of the rest of the key in identifier characters only
(letters, digits, `_`). The mapping is one-to-one, so two keys never share a name:

    .  ->  __        -  ->  _2d        _  ->  _5f        other  ->  _u<6 hex digits>

`invoice.myshop.1001` becomes `invoice__myshop__1001`; decoding reads `_` plus the
next character. References to records (`partner_ref`, `product_ref`, ...) are
opaque strings to the domain; `parse_ref` reads the three forms the gateway
accepts: an id ("42"), a model and id ("res.partner,42") or an external id
("module.name").
"""

from __future__ import annotations

from dataclasses import dataclass

from o2c.errors import MappingError

MODULE = "o2c_hub"
_KEEP = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ESCAPES = {".": "__", "-": "_2d", "_": "_5f"}
_UNESCAPES = {"_": ".", "2d": "-", "5f": "_"}


def xmlid_name(key: str) -> str:
    """Return the `ir.model.data` name for a hub key (`o2c_hub.` prefix dropped).

    Raises ValueError when the key does not start with `o2c_hub.` or has no rest.
    """
    prefix = MODULE + "."
    if not key.startswith(prefix) or len(key) == len(prefix):
        raise ValueError(f"not a hub idempotency key: {key!r}")
    return "".join(_escape(char) for char in key[len(prefix) :])


def key_from_name(name: str) -> str:
    """Return the hub key an `ir.model.data` name of module `o2c_hub` stands for.

    Raises ValueError for a name `xmlid_name` cannot have produced.
    """
    out: list[str] = []
    i = 0
    while i < len(name):
        char = name[i]
        if char != "_":
            out.append(char)
            i += 1
            continue
        if name[i + 1 : i + 2] == "_":
            out.append(".")
            i += 2
        elif name[i + 1 : i + 3] in _UNESCAPES:
            out.append(_UNESCAPES[name[i + 1 : i + 3]])
            i += 3
        elif name[i + 1 : i + 2] == "u" and len(name) >= i + 8:
            out.append(chr(int(name[i + 2 : i + 8], 16)))
            i += 8
        else:
            raise ValueError(f"not an encoded hub key: {name!r}")
    return f"{MODULE}.{''.join(out)}"


def _escape(char: str) -> str:
    if char in _KEEP:
        return char
    return _ESCAPES.get(char) or f"_u{ord(char):06x}"


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A reference resolved to either a record id or an external id to look up."""

    model: str
    record_id: int | None = None
    module: str | None = None
    name: str | None = None

    @property
    def xmlid(self) -> str | None:
        """Return "module.name" for an external id reference, else None."""
        return f"{self.module}.{self.name}" if self.module else None


def parse_ref(ref: str, model: str, *, kind: str) -> RecordRef:
    """Return the record reference `ref` stands for on `model`.

    Raises MappingError(kind, ref) for an empty reference or one naming another model.
    """
    text = ref.strip()
    if text.isdigit() and int(text) > 0:
        return RecordRef(model, record_id=int(text))
    if "," in text:
        named, _, ident = text.partition(",")
        if named.strip() != model or not ident.strip().isdigit():
            raise MappingError(kind, ref, f"{ref!r} is not a {model} reference")
        return RecordRef(model, record_id=int(ident))
    module, dot, name = text.partition(".")
    if not dot or not module or not name:
        raise MappingError(kind, ref, f"{ref!r} is neither an id nor an external id")
    return RecordRef(model, module=module, name=name)
