"""Probe output: the flat subset of OpenNebula's template language that probes print.

``NAME = value``, ``NAME = "quoted \\" value"`` and ``NAME = [ KEY = value, ... ]``
(vectors may span lines), ``#`` comment lines. Names are upper-cased, as
OpenNebula's parser does. This is the daemon's hot path (one call per
message, and one per VM of a MONITOR_VM message), so it is a pair of
regular expressions rather than the full lossless parser of
``oneedge.template``; anything else in the text raises ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_ATTRIBUTE = re.compile(
    r'\s*(?:#[^\n]*\n\s*)*([A-Za-z_][\w.\-]*)\s*=\s*'
    rf'(?:{_QUOTED}|\[((?:[^\]"]|"(?:[^"\\]|\\.)*")*)\]|([^\s"\[\]]*))',
)
_ITEM = re.compile(rf'\s*,?\s*([A-Za-z_][\w.\-]*)\s*=\s*(?:{_QUOTED}|([^,\s"\]]*))\s*')
_UNESCAPE = re.compile(r"\\(.)")
_TRAILER = re.compile(r"\s*(?:#[^\n]*)?\s*")

Value = str | dict[str, str]


def _text(quoted: str | None, bare: str | None) -> str:
    if quoted is not None:
        return _UNESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
    return bare or ""


def _vector(body: str) -> dict[str, str]:
    items: dict[str, str] = {}
    pos, end = 0, len(body.rstrip())
    while pos < end:
        match = _ITEM.match(body, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"bad vector item at {body[pos:pos + 40]!r}")
        items[match.group(1).upper()] = _text(match.group(2), match.group(3))
        pos = match.end()
    return items


def attributes(text: str) -> Iterator[tuple[str, Value]]:
    """(NAME, value) pairs in order; a vector's value is a dict of its items."""
    pos, end = 0, len(text)
    while pos < end:
        match = _ATTRIBUTE.match(text, pos)
        if match is None:
            trailer = _TRAILER.match(text, pos)
            if trailer is not None and trailer.end() == end:
                return
            raise ValueError(f"bad attribute at {text[pos:pos + 40]!r}")
        name = match.group(1).upper()
        if match.group(3) is not None:
            yield name, _vector(match.group(3))
        else:
            yield name, _text(match.group(2), match.group(4))
        pos = match.end()


def single(pairs: list[tuple[str, Value]]) -> dict[str, str]:
    """The single (non-vector) attributes; the last of a repeated name wins."""
    return {name: value for name, value in pairs if isinstance(value, str)}


def vectors(pairs: list[tuple[str, Value]], name: str) -> list[dict[str, str]]:
    return [value for key, value in pairs if key == name and isinstance(value, dict)]
