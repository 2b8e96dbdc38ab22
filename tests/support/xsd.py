"""Validate documents against OpenNebula 6.10's own XSDs (../shared/data/opennebula-xsd/6.10).

OpenNebula's documents carry no namespace while its XSDs declare one, so a
copy of the document is moved into the schema's namespace before validating.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

SHARED = Path(__file__).resolve().parents[3] / "shared"
XSD_DIR = SHARED / "data" / "opennebula-xsd" / "6.10"
NS = "http://opennebula.org/XMLSchema"


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"{name}.xsd")))


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
