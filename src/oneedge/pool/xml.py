"""Small helpers to build and edit the XML documents pool objects are made of."""

from __future__ import annotations

from typing import Iterable

from lxml import etree

# CDATA sections survive a parse/serialize cycle, so a document read back from
# the database prints exactly as it was written.
PARSER = etree.XMLParser(strip_cdata=False, resolve_entities=False, no_network=True, huge_tree=True)


def parse(body: str | bytes) -> etree._Element:
    return etree.fromstring(body.encode() if isinstance(body, str) else body, PARSER)


def tostring(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def sub(parent: etree._Element, tag: str, text: object = None) -> etree._Element:
    """Append ``<tag>text</tag>`` to parent and return it."""
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def element(tag: str, *children: etree._Element, **fields: object) -> etree._Element:
    """``element("LOCK", LOCKED=1, OWNER=0)`` -> ``<LOCK><LOCKED>1</LOCKED>...``; kwargs keep order."""
    node = etree.Element(tag)
    for name, value in fields.items():
        sub(node, name, value)
    node.extend(children)
    return node


def ids(tag: str, values: Iterable[int]) -> etree._Element:
    """An IDS collection: ``<USERS><ID>0</ID><ID>3</ID></USERS>``."""
    node = etree.Element(tag)
    for value in sorted(values):
        sub(node, "ID", value)
    return node


def id_set(node: etree._Element | None) -> set[int]:
    if node is None:
        return set()
    return {int(child.text) for child in node.iterfind("ID") if child.text}


def cdata(parent: etree._Element, tag: str, text: object) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = etree.CDATA(str(text))
    return child
