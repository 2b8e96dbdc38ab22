"""The interface every configuration file format implements.

A format object holds the content of one file.  ``diff(other)`` lists the
elemental changes turning this content into ``other``'s; ``patch(changes,
modes)`` applies such a list to a (customized) content.  When a change does
not fit, the patch modes decide: ``skip`` drops it, ``force`` applies it at
the most suitable place, ``replace`` overwrites the customization with the
distribution's value; with none of them it is a conflict (PatchError).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from oneedge.onecfg.change import Change
from oneedge.onecfg.errors import FileReadError, OnecfgError, PatchError

MODES = ("skip", "force", "replace")


@dataclass
class PatchReport:
    """What happened to one change: applied or not, and through which mode."""

    change: Change
    applied: bool
    mode: str | None = None

    def line(self, sections: dict[str, str] | None = None) -> str:
        status = "[OK]" if self.applied else "[--]"
        mode = f" {self.mode}" if self.mode else ""
        return f"{status}{mode} {self.change.hint(sections)}"


class ConfigFile:
    """Base of all formats: text in, text out, nothing supported by default."""

    # Modes added to the administrator's ones unless patching strictly, as
    # each format has a safe way out of its common conflicts.
    SAFE_MODES: ClassVar[tuple[str, ...]] = ()
    SECTIONS: ClassVar[dict[str, str] | None] = None

    def __init__(self, text: str = "") -> None:
        self.text = text

    # --- file operations ---------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ConfigFile:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FileReadError(f"cannot read {path}: {exc}") from None
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, name: str = "<text>") -> ConfigFile:
        obj = cls(text)
        try:
            obj.parse()
        except OnecfgError as exc:
            raise FileReadError(f"cannot parse {name}: {exc}") from None
        return obj

    def parse(self) -> None:
        """Build the structured view of ``self.text``; raise OnecfgError."""

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(self.to_text(), encoding="utf-8")

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        return Path(path).is_file()

    @staticmethod
    def delete(path: str | os.PathLike[str]) -> None:
        Path(path).unlink()

    def copy(self) -> ConfigFile:
        return type(self).from_text(self.to_text())

    def to_text(self) -> str:
        return self.text

    # --- comparison --------------------------------------------------------

    def same(self, other: ConfigFile) -> bool:
        """Identical content, byte for byte."""
        return self.to_text() == other.to_text()

    def similar(self, other: ConfigFile) -> bool:
        """Same meaning: they differ at most in comments and layout."""
        return self.same(other) or not self.diff(other)

    def diff(self, other: ConfigFile) -> list[Change]:
        raise OnecfgError(f"{type(self).__name__}: diff is not supported")

    # --- patching ----------------------------------------------------------

    def patch(self, changes: list[Change], modes: tuple[str, ...] | list[str] = ()) -> list[PatchReport]:
        """Apply ``changes`` in order; all or nothing (content kept on error)."""
        for mode in modes:
            if mode not in MODES:
                raise PatchError(f"unknown patch mode {mode!r}: use {', '.join(MODES)}")
        backup = self.to_text()
        reports: list[PatchReport] = []
        try:
            for change in changes:
                reports.append(self.apply(change, tuple(modes)))
        except PatchError as exc:
            self.text = backup
            self.parse()
            raise PatchError(f"{exc} (change: {change.hint(self.SECTIONS)})") from None
        return reports

    def apply(self, change: Change, modes: tuple[str, ...]) -> PatchReport:
        raise PatchError(f"{type(self).__name__}: patch is not supported")

    def hints(self, changes: list[Change], reports: list[PatchReport] | None = None) -> list[str]:
        """Human-readable lines, one per change (with its outcome if known)."""
        if reports is not None:
            return [report.line(self.SECTIONS) for report in reports]
        return [change.hint(self.SECTIONS) for change in changes]

    @staticmethod
    def conflict(change: Change, modes: tuple[str, ...], why: str) -> PatchReport:
        """Skip when allowed, else raise the conflict."""
        if "skip" in modes:
            return PatchReport(change, False, "skip")
        raise PatchError(why)


def plain(value: Any) -> Any:
    """Plain Python data from ruamel's round-trip types."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value
