"""Simple: plain text and XML files, compared and patched as whole text.

The change is a unified diff; patching applies its hunks where their context
is found (searching near the expected line first), like ``patch(1)``.
"""

from __future__ import annotations

import difflib
import re

from oneedge.onecfg.change import Change
from oneedge.onecfg.errors import PatchError
from oneedge.onecfg.formats.base import ConfigFile, PatchReport

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_EOL = "\\ No newline at end of file"


class Simple(ConfigFile):
    def similar(self, other: ConfigFile) -> bool:
        return self.same(other)

    def diff(self, other: ConfigFile) -> list[Change]:
        if self.same(other):
            return []
        old = _lines(self.to_text())
        new = _lines(other.to_text())
        text = "".join(_eol(line) for line in difflib.unified_diff(old, new, "old", "new"))
        return [Change("set", [], None, value=text)]

    def apply(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        if change.state != "set" or not isinstance(change.value, str):
            raise PatchError(f"invalid change for a Simple file: {change.state}")
        try:
            self.text = apply_unified_diff(self.text, change.value)
        except PatchError as exc:
            return self.conflict(change, modes, str(exc))
        return PatchReport(change, True)

    def hints(self, changes: list[Change], reports: list[PatchReport] | None = None) -> list[str]:
        lines = super().hints(changes, reports)
        return [line.split(" = ", 1)[0] + " (text diff)" if " = " in line else line for line in lines]


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n" + _NO_EOL + "\n"
    return lines


def _eol(line: str) -> str:
    return line if line.endswith("\n") else line + "\n"


def apply_unified_diff(text: str, diff: str) -> str:
    """Apply a unified diff to ``text``; raise PatchError when a hunk does not fit."""
    lines = text.splitlines(keepends=True)
    hunks: list[tuple[int, list[str], list[str]]] = []
    current: tuple[int, list[str], list[str]] | None = None
    previous_kind = " "
    for raw in diff.splitlines(keepends=True):
        match = _HUNK.match(raw)
        if match:
            current = (int(match.group(1)), [], [])
            hunks.append(current)
            continue
        if current is None or raw.startswith(("--- ", "+++ ")):
            continue
        if raw.rstrip("\n") == _NO_EOL:
            _strip_eol(current, previous_kind)
            continue
        kind, body = raw[:1], raw[1:]
        previous_kind = kind
        if kind in (" ", "-"):
            current[1].append(body)
        if kind in (" ", "+"):
            current[2].append(body)
    offset = 0
    for start, old, new in hunks:
        expected = max(start - 1 + offset, 0) if old else start + offset
        at = _find(lines, old, expected)
        if at is None:
            raise PatchError(f"hunk at line {start} does not match the customized file")
        lines[at : at + len(old)] = new
        offset += len(new) - len(old)
    return "".join(lines)


def _strip_eol(hunk: tuple[int, list[str], list[str]], kind: str) -> None:
    """Apply a 'No newline at end of file' marker to the line just read."""
    sides = {" ": (hunk[1], hunk[2]), "-": (hunk[1],), "+": (hunk[2],)}[kind]
    for side in sides:
        if side and side[-1].endswith("\n"):
            side[-1] = side[-1][:-1]


def _find(lines: list[str], block: list[str], expected: int) -> int | None:
    if not block:
        return min(expected, len(lines))
    size = len(block)
    candidates = range(len(lines) - size + 1)
    for at in sorted(candidates, key=lambda i: abs(i - expected)):
        if lines[at : at + size] == block:
            return at
    return None

