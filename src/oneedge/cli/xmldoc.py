"""OpenNebula documents as small element trees, parsed with ``pyexpat``.

``xml.etree.ElementTree`` imports ``re`` and ``enum``, which cost a third of
the start-up budget of a command (bench/cli_bench.py), so the CLI parses
with the ``pyexpat`` module directly. :class:`Node` offers the part of
ElementTree's element interface the CLI uses (``tag``, ``text``, ``attrib``,
iteration, ``find``/``findall``/``findtext``/``iterfind`` on plain
``A/B/C`` paths), so column and section functions work on either.
"""

from __future__ import annotations

import pyexpat

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


class Node:
    """One element: its tag, attributes, text before its first child, and children."""

    __slots__ = ("tag", "attrib", "text", "children")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag = tag
        self.attrib = attrib
        self.text: str | None = None
        self.children: list[Node] = []

    def __len__(self) -> int:
        return len(self.children)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.children)

    def __getitem__(self, index: int) -> Node:
        return self.children[index]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)

    def iterfind(self, path: str) -> Iterator[Node]:
        """Elements at ``path`` (tags separated by ``/``), in document order."""
        nodes = [self]
        for step in path.split("/"):
            nodes = [child for node in nodes for child in node.children if child.tag == step]
        return iter(nodes)

    def find(self, path: str) -> Node | None:
        return next(self.iterfind(path), None)

    def findall(self, path: str) -> list[Node]:
        return list(self.iterfind(path))

    def findtext(self, path: str, default: Any = None) -> Any:
        """The text of the first element at ``path`` ("" if it has none), else ``default``."""
        found = self.find(path)
        return default if found is None else found.text or ""


def parse(data: str | bytes) -> Node:
    """The root element of ``data``; malformed XML raises ``pyexpat.ExpatError``."""
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    top = Node("", {})
    stack = [top]
    parts: list[list[str]] = [[]]

    def start(tag: str, attrib: dict[str, str]) -> None:
        node = Node(tag, attrib)
        parent = stack[-1]
        if not parent.children and parts[-1]:
            parent.text = "".join(parts[-1])
        parent.children.append(node)
        stack.append(node)
        parts.append([])

    def end(tag: str) -> None:
        node = stack.pop()
        text = parts.pop()
        if not node.children and text:
            node.text = "".join(text)

    def data_(text: str) -> None:
        if not stack[-1].children:
            parts[-1].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data_
    parser.Parse(data, True)
    return top.children[0]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text: str) -> str:
    return (_escape(text).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#09;"))


def to_xml(element: Any, level: int = 0) -> str:
    """``element`` (a :class:`Node` or an ElementTree element) as ``ET.indent`` then
    ``ET.tostring`` print it: two spaces per level, empty elements as ``<TAG />``."""
    attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in element.attrib.items())
    if len(element):
        pad = "\n" + "  " * (level + 1)
        inner = "".join(pad + to_xml(child, level + 1) for child in element)
        return f"<{element.tag}{attrs}>{inner}\n{'  ' * level}</{element.tag}>"
    if element.text:
        return f"<{element.tag}{attrs}>{_escape(element.text)}</{element.tag}>"
    return f"<{element.tag}{attrs} />"
