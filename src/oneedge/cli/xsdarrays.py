"""Which elements of OpenNebula's documents are lists, from its XSDs.

``-j``/``-y`` output turns a document into nested dicts the way OpenNebula's
CLI does: an element seen once is a value, repeated ones a list, and an
element the XSD allows more than once (``maxOccurs`` > 1) is always a list.
:func:`derive` reads those paths from the XSDs; ``xsd_arrays.json`` next to
this module holds its result for the documents the CLI shows (the XSDs are
not installed with the package), and a test keeps both in step.
"""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
DATA = os.path.join(os.path.dirname(__file__), "xsd_arrays.json")


def _elements(path: str) -> dict[str, ET.Element]:
    """Top-level ``xs:element``s of the schema at ``path`` and of what it includes, by name."""
    root = ET.parse(path).getroot()
    found = {e.get("name", ""): e for e in root.iterfind(f"{XS}element")}
    for include in root.iterfind(f"{XS}include"):
        found.update(_elements(os.path.join(os.path.dirname(path), include.get("schemaLocation", ""))))
    return found


def _walk(element: ET.Element, prefix: str, top: dict[str, ET.Element], out: set[str], depth: int) -> None:
    if depth > 12:
        return
    ref = element.get("ref")
    name = ref or element.get("name", "")
    path = f"{prefix}/{name}" if prefix else name
    occurs = element.get("maxOccurs", "1")
    if occurs == "unbounded" or (occurs.isdigit() and int(occurs) > 1):
        out.add(path)
    body = top.get(ref) if ref else element
    if body is None:
        return
    for child in body.iterfind(f"{XS}complexType//{XS}element"):
        if _parent_element(body, child) is body:
            _walk(child, path, top, out, depth + 1)


def _parent_element(root: ET.Element, target: ET.Element) -> ET.Element | None:
    """The nearest ``xs:element`` above ``target`` inside ``root``."""
    stack: list[tuple[ET.Element, ET.Element]] = [(root, root)]
    while stack:
        node, owner = stack.pop()
        for child in node:
            if child is target:
                return owner
            stack.append((child, child if child.tag == f"{XS}element" else owner))
    return None


def derive(xsd_dir: str, names: list[str]) -> dict[str, list[str]]:
    """For each schema file name (``vm``, ``vm_pool``...), the sorted paths of list elements."""
    result = {}
    for name in names:
        path = os.path.join(xsd_dir, f"{name}.xsd")
        top = _elements(path)
        for root_name, element in top.items():
            out: set[str] = set()
            _walk(element, "", top, out, 0)
            result[root_name] = sorted(out)
    return result


def load() -> dict[str, frozenset[str]]:
    """The shipped table: root element name -> paths of elements that are always lists."""
    with open(DATA) as file:
        return {k: frozenset(v) for k, v in json.load(file).items()}
