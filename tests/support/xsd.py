"""Validate documents against OpenNebula 6.10's own XSDs (../shared/data/opennebula-xsd/6.10).

OpenNebula's documents carry no namespace while its XSDs declare one, so a
copy of the document is moved into the schema's namespace before validating.

libxml2 enforces XML Schema's determinism rule, which many of OpenNebula's
XSDs break (``<xs:any>`` wildcards around optional named elements, in
TEMPLATE sections mostly), and zone_pool.xsd nests an element directly in
another. Schemas are repaired in memory before use, see :func:`_repair`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

SHARED = Path(__file__).resolve().parents[3] / "shared"
XSD_DIR = SHARED / "data" / "opennebula-xsd" / "6.10"
NS = "http://opennebula.org/XMLSchema"


XS = "{http://www.w3.org/2001/XMLSchema}"


def _load(path: Path) -> etree._Element:
    """The schema at ``path`` with its ``xs:include``s inlined (so they are repaired too)."""
    root = etree.parse(str(path)).getroot()
    for include in list(root.iterfind(f"{XS}include")):
        included = _load(path.parent / include.get("schemaLocation"))
        # Local elements keep the form of the document that declares them (the pool
        # XSDs of markets say "unqualified" but include "qualified" object XSDs).
        form = included.get("elementFormDefault", "unqualified")
        for top in included:
            for local in top.iter(f"{XS}element"):
                if local is not top and local.get("name") and local.get("form") is None:
                    local.set("form", form)
        index = root.index(include)
        root.remove(include)
        for offset, child in enumerate(c for c in included if isinstance(c.tag, str)):
            root.insert(index + offset, child)
    return root


def _repair(root: etree._Element) -> etree._Element:
    """Make OpenNebula's XSDs loadable by libxml2, keeping what they check elsewhere.

    - A sequence mixing ``xs:any`` wildcards with named elements (not
      deterministic) becomes one wildcard: what the named elements said about
      that element's children is not checked, the rest of the document is.
    - An ``xs:element`` holding elements directly gets the complexType and
      sequence around them it lacks.
    """
    for sequence in list(root.iter(f"{XS}sequence")):
        wildcards = [c for c in sequence if c.tag == f"{XS}any"]
        named = [c for c in sequence if c.tag == f"{XS}element"]
        if wildcards and named:
            for child in list(sequence):
                sequence.remove(child)
            etree.SubElement(sequence, f"{XS}any", minOccurs="0", maxOccurs="unbounded", processContents="skip")
    for element in list(root.iter(f"{XS}element")):
        children = [c for c in element if c.tag == f"{XS}element"]
        if children:
            sequence = etree.SubElement(etree.SubElement(element, f"{XS}complexType"), f"{XS}sequence")
            sequence.extend(children)
    return root


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(_repair(_load(XSD_DIR / f"{name}.xsd")))


def _namespaced(document: str) -> etree._Element:
    root = etree.fromstring(document.encode())
    for node in root.iter():
        if isinstance(node.tag, str) and not node.tag.startswith("{"):
            node.tag = f"{{{NS}}}{node.tag}"
    return root


def validate(document: str, name: str) -> etree._Element:
    """Raise AssertionError with the schema's complaints unless ``document`` is valid."""
    xsd = schema(name)
    root = _namespaced(document)
    if not xsd.validate(root):
        errors = "\n".join(f"  line {e.line}: {e.message}" for e in xsd.error_log)
        raise AssertionError(f"document is not valid against {name}.xsd:\n{errors}\n{document[:2000]}")
    return etree.fromstring(document.encode())
