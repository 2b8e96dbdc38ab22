"""The configuration's own state: its version and the pre-upgrade snapshot.

Kept in ``ROOT/etc/onecfg.conf`` (YAML), apart from the product version:
the configuration may lag behind the installed code until upgraded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from oneedge.onecfg.errors import OnecfgError

SETTINGS = "etc/onecfg.conf"


@dataclass
class Settings:
    version: str | None = None
    backup: str | None = None  # absolute path (inside the root) of the snapshot

    @classmethod
    def load(cls, root: Path) -> Settings:
        path = root / SETTINGS
        if not path.exists():
            return cls()
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OnecfgError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
        if not isinstance(doc, dict):
            raise OnecfgError(f"cannot read {path}: expected a mapping")
        version = doc.get("version")
        return cls(None if version is None else str(version), doc.get("backup"))

    def to_text(self) -> str:
        doc = {"version": self.version}
        if self.backup:
            doc["backup"] = self.backup
        return "# onecfg state: version of the configuration files\n" + yaml.safe_dump(doc, sort_keys=False)

    def save(self, root: Path) -> None:
        path = root / SETTINGS
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_text(), encoding="utf-8")
