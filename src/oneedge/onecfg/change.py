"""Elemental changes between two versions of a configuration file.

A change is one operation (``set``, ``ins`` or ``rm``) on a ``key`` found at
``path``; ``value`` is the new value and ``old`` the previous one.  ``extra``
holds format-specific details (``multiple`` for repeated ONE attributes,
``index`` for ordered YAML arrays, ``export`` for shell variables).  The YAML
form is the one of OpenNebula's upgrade descriptors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from oneedge.onecfg.errors import DescriptorError

STATES = ("set", "ins", "rm")


class _Missing:
    """Marks an absent ``value`` or ``old`` (``None`` is a valid YAML value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class Change:
    state: str
    path: list[Any] = field(default_factory=list)
    key: Any = None
    value: Any = MISSING
    old: Any = MISSING
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise DescriptorError(f"invalid change state {self.state!r}: use one of {', '.join(STATES)}")

    @classmethod
    def from_dict(cls, data: object) -> Change:
        if not isinstance(data, dict) or "state" not in data:
            raise DescriptorError(f"a change must be a mapping with a 'state': {data!r}")
        path = data.get("path") or []
        if not isinstance(path, list):
            raise DescriptorError(f"the path of a change must be a list: {path!r}")
        extra = data.get("extra") or {}
        return cls(
            state=str(data["state"]),
            path=list(path),
            key=data.get("key"),
            value=data.get("value", MISSING),
            old=data.get("old", MISSING),
            extra=dict(extra),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path), "key": self.key}
        if self.value is not MISSING:
            out["value"] = self.value
        if self.old is not MISSING:
            out["old"] = self.old
        out["state"] = self.state
        out["extra"] = dict(self.extra)
        return out

    def location(self, sections: dict[str, str] | None = None) -> str:
        """``VM_MAD[NAME="kvm"]/ARGUMENTS``; a ``/`` for the whole file."""
        parts = [str(p) for p in self.path]
        if sections and len(parts) >= 2 and parts[0] in sections:
            parts[0:2] = [f"{parts[0]}[{sections[parts[0]]}={parts[1]}]"]
        if self.key is not None:
            parts.append(str(self.key))
        return "/".join(parts) or "/"

    def hint(self, sections: dict[str, str] | None = None) -> str:
        """The printed form: ``ins DB/TIMEOUT = "2500"``, ``rm LOG/DEBUG``."""
        text = f"{self.state} {self.location(sections)}"
        shown = self.value if self.value is not MISSING else self.old
        if shown is not MISSING and not (self.state == "set" and self.value is MISSING):
            text += f" = {_show(shown)}"
        if "export" in self.extra:
            text += " (export)" if self.extra["export"] else " (unexport)"
        return text


def _show(value: Any) -> str:
    if isinstance(value, str) and value.startswith('"') and value.endswith('"') and len(value) > 1:
        value = value[1:-1]  # ONE values keep their quotes in descriptors
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:197] + "..."
