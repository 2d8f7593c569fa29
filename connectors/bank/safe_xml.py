"""Hardened, streaming XML reading for bank files, and local-name element lookups.

Bank files come from outside: a DOCTYPE (the door to entity expansion and external
entities) is refused outright, entities are never resolved, nothing is fetched
from the network and no DTD is loaded. Elements are looked up by local name, so
every CAMT version (and a file without namespaces) reads the same way.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lxml import etree

from o2c.errors import PayloadError

_PROLOG_BYTES = 8192
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ROOT_START = re.compile(r"<[A-Za-z_]")


def refuse_doctype(path: Path) -> None:
    """Raise PayloadError when the file's prolog declares a DOCTYPE.

    The prolog is everything before the root element; it is read in the
    encoding its byte-order mark announces (UTF-8 when there is none).
    """
    with path.open("rb") as handle:
        head = handle.read(_PROLOG_BYTES)
    text = _decode_prolog(head)
    root = _ROOT_START.search(text)
    prolog = text[: root.start()] if root else text
    if _DOCTYPE.search(prolog):
        raise PayloadError(
            "XML with a DOCTYPE is refused (entity expansion, external entities)",
            where=f"{path.name}: prolog",
        )


def _decode_prolog(head: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("utf-8", errors="replace")


def iter_elements(
    path: Path, tags: tuple[str, ...]
) -> Iterator[tuple[str, etree._Element]]:
    """Stream (event, element) pairs for the named local tags, start and end.

    Raises PayloadError for a DOCTYPE and for XML that is not well-formed,
    naming the line. The caller clears elements it is done with.
    """
    refuse_doctype(path)
    events = etree.iterparse(
        str(path),
        events=("start", "end"),
        tag=[f"{{*}}{tag}" for tag in tags],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event, element in events:
            if not checked:
                _refuse_parsed_doctype(element, path)
                checked = True
            yield event, element
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        raise PayloadError(
            f"not well-formed XML: {exc.msg}", where=f"{path.name}: line {line}"
        ) from exc


def _refuse_parsed_doctype(element: etree._Element, path: Path) -> None:
    """Second guard, on what the parser saw, for encodings the prolog scan missed."""
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise PayloadError(
            "XML with a DOCTYPE is refused (entity expansion, external entities)",
            where=f"{path.name}: line {element.sourceline}",
        )


def local_name(element: etree._Element) -> str:
    """The tag without its namespace: `Ntry` for `{urn:...camt.053...}Ntry`."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: etree._Element) -> str:
    """The namespace URI of the element, empty when it has none."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag[0] == "{" else ""


@lru_cache(maxsize=512)
def _any_ns(path: str) -> str:
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


def find(element: etree._Element | None, path: str) -> etree._Element | None:
    """The first descendant at the slash-separated local-name path, or None."""
    if element is None:
        return None
    return element.find(_any_ns(path))


def find_all(element: etree._Element | None, path: str) -> list[etree._Element]:
    """Every descendant at the slash-separated local-name path."""
    if element is None:
        return []
    return list(element.iterfind(_any_ns(path)))


def text(element: etree._Element | None, path: str | None = None) -> str | None:
    """The stripped text at the path (or of the element); None when empty."""
    node = element if path is None else find(element, path)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it (streaming)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
