"""Shell: files of variable assignments such as kvmrc or defaultrc.

Each line is kept verbatim; assignment lines (``[export] NAME=value``, a
trailing comment allowed) are understood and edited in place.  Values are
compared as written (quotes kept), and only the last assignment of a
variable counts, as in the shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oneedge.onecfg.change import MISSING, Change
from oneedge.onecfg.errors import OnecfgError, PatchError
from oneedge.onecfg.formats.base import ConfigFile, PatchReport

_ASSIGN = re.compile(r"(?P<lead>[ \t]*(?:export[ \t]+)?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)=")
_EXPORT = re.compile(r"^[ \t]*export((?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)+)[ \t]*(?:#.*)?$")
_WORD = re.compile(r"""(?:[^\s'"\\#]|\\.|'[^']*'|"(?:[^"\\]|\\.)*")*""", re.S)


@dataclass
class _Line:
    text: str  # the whole statement, newline excluded
    end: str  # its newline ("" on the last line without one)
    name: str | None = None
    value_span: tuple[int, int] = (0, 0)

    @property
    def value(self) -> str:
        return self.text[self.value_span[0] : self.value_span[1]]

    @property
    def exported(self) -> bool:
        return self.name is not None and self.text.lstrip().startswith("export")


class Shell(ConfigFile):
    def parse(self) -> None:
        self.lines: list[_Line] = []
        text, pos = self.text, 0
        while pos < len(text):
            end = text.find("\n", pos)
            end = len(text) if end == -1 else end
            match = _ASSIGN.match(text, pos, end)
            if match is None:
                self.lines.append(_Line(text[pos:end], text[end : end + 1]))
                pos = end + 1
                continue
            word = _WORD.match(text, match.end())
            value_end = word.end() if word else match.end()
            if value_end > end:  # a quoted value spanning lines
                end = text.find("\n", value_end)
                end = len(text) if end == -1 else end
            rest = text[value_end:end]
            if rest.strip() and not rest.lstrip().startswith("#"):
                line_no = text.count("\n", 0, pos) + 1
                raise OnecfgError(f"line {line_no}: unexpected text after the value of {match['name']}")
            start = match.end() - pos
            self.lines.append(
                _Line(text[pos:end], text[end : end + 1], match["name"], (start, value_end - pos))
            )
            pos = end + 1

    def to_text(self) -> str:
        return "".join(line.text + line.end for line in self.lines)

    # --- structured view ---------------------------------------------------

    def values(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for line in self.lines:
            if line.name is not None:
                out.setdefault(line.name, []).append(line.value)
        return out

    def exported(self, name: str) -> bool:
        for line in self.lines:
            if line.name == name and line.exported:
                return True
            match = _EXPORT.match(line.text) if line.name is None else None
            if match and name in match.group(1).split():
                return True
        return False

    def diff(self, other: ConfigFile) -> list[Change]:
        if not isinstance(other, Shell):
            raise OnecfgError("cannot compare a Shell file with another format")
        mine, theirs = self.values(), other.values()
        out: list[Change] = []
        for name in sorted(set(mine) | set(theirs)):
            val1 = mine[name][-1] if name in mine else None
            val2 = theirs[name][-1] if name in theirs else None
            exp1, exp2 = self.exported(name), other.exported(name)
            if val1 == val2 and exp1 == exp2:
                continue
            if val1 is not None and val2 is not None:
                change = Change("set", [], name)
                if val1 != val2:
                    change.value, change.old = val2, val1
                if exp1 != exp2:
                    change.extra["export"] = exp2
                out.append(change)
            elif val1 is not None:
                out.append(Change("rm", [], name, old=val1))
            else:
                out.append(Change("ins", [], name, value=val2, extra={"export": exp2}))
        return out

    # --- patch -------------------------------------------------------------

    def _assignments(self, name: str) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.name == name]

    def _set_value(self, index: int, value: str) -> None:
        line = self.lines[index]
        start, end = line.value_span
        line.text = line.text[:start] + value + line.text[end:]
        line.value_span = (start, start + len(value))

    def _keep_last(self, name: str) -> int:
        found = self._assignments(name)
        for index in reversed(found[:-1]):
            del self.lines[index]
        return self._assignments(name)[-1]

    def _set_export(self, name: str, export: bool) -> None:
        if self.exported(name) == export:
            return
        index = self._assignments(name)[-1]
        line = self.lines[index]
        match = _ASSIGN.match(line.text)
        assert match is not None
        lead = match["lead"]
        indent = lead[: len(lead) - len(lead.lstrip())]
        new_lead = f"{indent}export " if export else indent
        shift = len(new_lead) - len(lead)
        line.text = new_lead + line.text[len(lead) :]
        line.value_span = (line.value_span[0] + shift, line.value_span[1] + shift)
        if not export:
            self._drop_from_export_lines(name)

    def _drop_from_export_lines(self, name: str) -> None:
        for index in reversed(range(len(self.lines))):
            line = self.lines[index]
            match = _EXPORT.match(line.text) if line.name is None else None
            if match and name in match.group(1).split():
                names = [n for n in match.group(1).split() if n != name]
                if names:
                    line.text = "export " + " ".join(names)
                else:
                    del self.lines[index]

    def _append(self, name: str, value: str, export: bool) -> None:
        if self.lines and not self.lines[-1].end:
            self.lines[-1].end = "\n"
        text = f"{'export ' if export else ''}{name}={value}"
        start = len(text) - len(value)
        self.lines.append(_Line(text, "\n", name, (start, len(text))))

    def apply(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        name = str(change.key)
        if change.path or change.key is None or _ASSIGN.match(f"{name}=") is None:
            raise PatchError(f"invalid shell variable {change.key!r}")
        found = [self.lines[i].value for i in self._assignments(name)]
        export = change.extra.get("export")
        if change.state == "rm":
            for index in reversed(self._assignments(name)):
                del self.lines[index]
            self._drop_from_export_lines(name)
            return PatchReport(change, bool(found))
        if change.state == "ins":
            value = _text(change.value)
            if not found:
                self._append(name, value, bool(export))
                return PatchReport(change, True)
            if found[-1] != value and "replace" in modes:
                self._set_value(self._keep_last(name), value)
                if export is not None:
                    self._set_export(name, bool(export))
                return PatchReport(change, True, "replace")
            return PatchReport(change, False)
        applied, mode = False, None
        if change.value is not MISSING and change.old is not MISSING:
            if not found:
                return self.conflict(change, modes, f"variable {name} to update is missing")
            if found[-1] == _text(change.old) or "replace" in modes:
                mode = None if found[-1] == _text(change.old) else "replace"
                self._set_value(self._keep_last(name), _text(change.value))
                applied = True
        if export is not None and found and self.exported(name) != bool(export):
            self._set_export(name, bool(export))
            applied = True
        return PatchReport(change, applied, mode)


def _text(value: object) -> str:
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
