"""Re-emit an edited YAML document while keeping the original layout.

ruamel.yaml keeps comments and order but re-indents the whole document with
one global style.  We dump the document before and after the edit with the
same settings, and carry only the lines that differ into the original text,
re-indented like their neighbours there.  The result is checked by parsing
it; if it does not hold the edited data, the full ruamel dump is used.
"""

from __future__ import annotations

import difflib
import io
from typing import Any

import yaml
from ruamel.yaml import YAML

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def new_yaml() -> YAML:
    rt = YAML(typ="rt")
    rt.version = (1, 1)  # as OpenNebula's Ruby (Psych) reads these files
    rt.preserve_quotes = True
    rt.allow_duplicate_keys = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def dump(data: Any) -> str:
    out = io.StringIO()
    new_yaml().dump(data, out)
    text = out.getvalue()
    # NOTE: ruamel writes the version directive it was asked to read with.
    if text.startswith("%YAML 1.1\n---\n"):
        text = text[len("%YAML 1.1\n---\n") :]
    return text


def load_plain(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def render(original: str, before: Any, after: Any, expected: Any) -> str:
    """Text of ``after`` laid out like ``original`` (whose data is ``before``)."""
    full = dump(after)
    try:
        text = _carry(original, dump(before), full)
        if load_plain(text) == expected:
            return text
    except (yaml.YAMLError, ValueError, KeyError):
        pass
    return full


def _carry(original: str, base: str, edited: str) -> str:
    orig = original.splitlines(keepends=True)
    if orig and not orig[-1].endswith("\n"):
        orig[-1] += "\n"
        strip_end = True
    else:
        strip_end = False
    lines0 = base.splitlines(keepends=True)
    lines1 = edited.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, [x.strip() for x in orig], [x.strip() for x in lines0], autojunk=False)
    to_orig: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            to_orig[b + k] = a + k
    edits: list[tuple[int, int, list[str]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines0, lines1, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            start, end = to_orig[i1], to_orig[i2 - 1] + 1
            if end - start != i2 - i1:
                raise ValueError("edited lines are not contiguous in the original")
        else:
            start = end = to_orig[i1 - 1] + 1 if i1 > 0 else 0
        new = [_reindent(line, lines0, orig, to_orig, i1) for line in lines1[j1:j2]]
        edits.append((start, end, new))
    for start, end, new in reversed(edits):
        orig[start:end] = new
    text = "".join(orig)
    if strip_end and text.endswith("\n") and not original.endswith("\n"):
        text = text[:-1]
    return text


def _reindent(line: str, base: list[str], orig: list[str], to_orig: dict[int, int], at: int) -> str:
    """Indent a new line like the nearest original line of the same depth."""
    if not line.strip():
        return line
    depth = _indent(line)
    for index in range(min(at, len(base)) - 1, -1, -1):
        if index not in to_orig or not base[index].strip():
            continue
        base_depth = _indent(base[index])
        if base_depth <= depth:
            target = _indent(orig[to_orig[index]]) + (depth - base_depth)
            return " " * target + line.lstrip(" ")
    return line
