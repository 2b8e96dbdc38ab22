"""How expressions find an object's attributes (OpenNebula's ``ObjectXML::search``).

A name is looked up under each of the object kind's search paths (for a host:
``/HOST/TEMPLATE/``, ``/HOST/HOST_SHARE/``, ``/HOST/`` ...); every element
found, in document order, is a value. ``=``, ``<`` and ``>`` take the first
value that reads as the type compared; ``@>`` looks at all of them. A name
starting with ``/`` is an absolute path. Documents are flattened once into an
immutable mapping name -> values, so evaluating an expression never touches XML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from lxml import etree

#: Where OpenNebula's scheduler searches host attributes (HostXML::host_paths).
HOST_PATHS = ("/HOST/TEMPLATE/", "/HOST/HOST_SHARE/", "/HOST/HOST_SHARE/DATASTORES/",
              "/HOST/MONITORING/CAPACITY/", "/HOST/MONITORING/SYSTEM/", "/HOST/", "/HOST/CLUSTER_TEMPLATE/")
#: Where it searches datastore attributes (DatastoreXML::ds_paths).
DATASTORE_PATHS = ("/DATASTORE/TEMPLATE/", "/DATASTORE/")

Attributes = Mapping[str, tuple[str, ...]]

_INT = re.compile(r"\s*[+-]?\d+")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")


def flatten(root: etree._Element, paths: tuple[str, ...]) -> Attributes:
    """Every value an expression can name in the document under ``root``.

    Keys are the element paths relative to each search path (``CPU``,
    ``CAPACITY/FREE_CPU``, ``CLUSTERS/ID``...) and the absolute paths; values
    keep document order across search paths, as an XPath union does. Only
    leaf elements have values: an element with children (``TEMPLATE``) is a
    container, not something to compare.
    """
    found: dict[str, list[str]] = {}
    prefixes = {path.rstrip("/"): path for path in paths}

    def walk(element: etree._Element, path: str) -> None:
        children = [child for child in element if isinstance(child.tag, str)]
        for child in children:
            walk(child, f"{path}/{child.tag}")
        if children:
            return
        text = element.text or ""
        found.setdefault(path, []).append(text)
        parts = path.split("/")
        for cut in range(2, len(parts)):
            if "/".join(parts[:cut]) in prefixes:
                found.setdefault("/".join(parts[cut:]), []).append(text)

    walk(root, f"/{root.tag}")
    return MappingProxyType({name: tuple(values) for name, values in found.items()})


def first_int(values: tuple[str, ...]) -> int | None:
    """The first value that reads as an integer, as C++ ``istream >> int`` reads it ("12abc" is 12)."""
    for value in values:
        match = _INT.match(value)
        if match:
            return int(match.group())
    return None


def all_ints(values: tuple[str, ...]) -> list[int]:
    return [int(m.group()) for m in map(_INT.match, values) if m]


def first_float(values: tuple[str, ...]) -> float | None:
    for value in values:
        match = _FLOAT.match(value)
        if match:
            return float(match.group())
    return None


def all_floats(values: tuple[str, ...]) -> list[float]:
    return [float(m.group()) for m in map(_FLOAT.match, values) if m]
