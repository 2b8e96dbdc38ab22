"""Patch modes chosen by the administrator: globally, per file, per file and version.

``--patch-modes skip,replace:/etc/one/oned.conf:5.10.0`` uses skip and
replace for oned.conf on the step leading to 5.10.0 only.
"""

from __future__ import annotations

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats.base import MODES
from oneedge.onecfg.versions import version_key


class PatchModes:
    def __init__(self, specs: list[str] | tuple[str, ...] = ()) -> None:
        self.rules: dict[tuple[str | None, tuple[int, ...] | None], tuple[str, ...]] = {}
        for spec in specs:
            modes_text, _, rest = spec.partition(":")
            name, _, version = rest.partition(":")
            modes = tuple(m.strip() for m in modes_text.split(",") if m.strip())
            for mode in modes:
                if mode not in MODES:
                    raise OnecfgError(f"invalid patch mode {mode!r} in {spec!r}: use {', '.join(MODES)}")
            if name and not name.startswith("/"):
                raise OnecfgError(f"invalid patch mode file {name!r} in {spec!r}: use an absolute path")
            self.rules[(name or None, version_key(version) if version else None)] = modes

    def for_file(self, name: str, version: str) -> tuple[str, ...]:
        key = version_key(version)
        for candidate in ((name, key), (name, None), (None, key), (None, None)):
            if candidate in self.rules:
                return self.rules[candidate]
        return ()
