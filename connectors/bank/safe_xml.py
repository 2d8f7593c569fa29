"""Hardened, streaming XML reading for bank files, and local-name element lookups.

Bank files come from outside: a DOCTYPE (the door to entity expansion and external
entities) is refused outright, entities are never resolved, nothing is fetched
from the network and no DTD is loaded. Elements are looked up by local name, so
every CAMT version (and a file without namespaces) reads the same way.
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Iterator
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


class Node:
    """An element with lookups by slash-separated local-name paths.

    The subtree is indexed once, on the first lookup: every later lookup is a
    dictionary read, whatever namespace (or none) the file used.
    """

    __slots__ = ("_paths", "_prefix", "element")

    def __init__(
        self,
        element: etree._Element,
        *,
        shared: tuple[dict[str, list[etree._Element]], str] | None = None,
    ) -> None:
        self.element = element
        # A node that is the only element at its path reads its ancestor's index
        # through a prefix instead of indexing its subtree again.
        self._paths: dict[str, list[etree._Element]] | None = None
        self._prefix = ""
        if shared is not None:
            self._paths, self._prefix = shared

    def _index(self) -> dict[str, list[etree._Element]]:
        if self._paths is None:
            paths: dict[str, list[etree._Element]] = {}
            # Breadth first: elements at one path are met in document order.
            pending = deque([(self.element, "")])
            while pending:
                parent, prefix = pending.popleft()
                for child in parent:
                    tag = child.tag
                    if not isinstance(tag, str):
                        continue
                    path = prefix + tag.rpartition("}")[2]
                    paths.setdefault(path, []).append(child)
                    pending.append((child, path + "/"))
            self._paths = paths
        return self._paths

    def _found(self, path: str) -> list[etree._Element]:
        return self._index().get(self._prefix + path, [])

    def first(self, path: str) -> Node | None:
        """The first element at the path, or None."""
        found = self._found(path)
        if not found:
            return None
        if len(found) == 1:
            return Node(found[0], shared=(self._index(), f"{self._prefix}{path}/"))
        return Node(found[0])

    def all(self, path: str) -> list[Node]:
        """Every element at the path, in document order."""
        found = self._found(path)
        if len(found) == 1:
            return [Node(found[0], shared=(self._index(), f"{self._prefix}{path}/"))]
        return [Node(element) for element in found]

    def text(self, path: str | None = None) -> str | None:
        """The stripped text at the path (or of this element); None when empty."""
        if path is None:
            raw = self.element.text
        else:
            found = self._found(path)
            raw = found[0].text if found else None
        value = raw.strip() if raw else ""
        return value or None

    def get(self, attribute: str) -> str | None:
        """The attribute's value, or None."""
        value = self.element.get(attribute)
        return str(value) if value is not None else None

    @property
    def line(self) -> int | None:
        """The element's line in the file."""
        line = self.element.sourceline
        return int(line) if line is not None else None


def first(node: Node | None, path: str) -> Node | None:
    """`node.first(path)`, or None when there is no node."""
    return None if node is None else node.first(path)


def all_of(node: Node | None, path: str) -> list[Node]:
    """`node.all(path)`, or an empty list when there is no node."""
    return [] if node is None else node.all(path)


def text(node: Node | None, path: str | None = None) -> str | None:
    """`node.text(path)`, or None when there is no node."""
    return None if node is None else node.text(path)


def release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it (streaming)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
