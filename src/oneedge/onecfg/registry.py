"""Which files onecfg manages: their format, owner, group and mode.

Entries are glob patterns tried in order (``*`` stays within a directory,
``**`` crosses them); ``catch`` entries flag files nobody classified.  The
format is OpenNebula's ``files.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats import canonical

BUILTIN = Path(__file__).with_name("files.yaml")
# Directories and files, relative to the root, that onecfg manages: OpenNebula's
# layout, and a oneedge front-end home (``oneedge up --home``), whose own
# configuration files sit at its top level beside data onecfg must not walk.
MANAGED_DIRS = ("etc/one", "var/lib/one/remotes/etc", "oned.conf", "monitord.conf", "sched.conf")


def managed_files(root: Path) -> list[Path]:
    """Every file under the managed directories of ``root``, and the managed top-level files."""
    out: list[Path] = []
    for rel in MANAGED_DIRS:
        path = root / rel
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink())
        elif path.is_file():
            out.append(path)
    return out


@dataclass(frozen=True)
class Entry:
    pattern: str
    cls: str | None
    owner: str | None
    group: str | None
    mode: str | None
    catch: bool
    regex: re.Pattern[str]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        out.append({"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part)))
    return re.compile("".join(out) + r"\Z")


class Registry:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: Path = BUILTIN) -> Registry:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise OnecfgError(f"cannot read file registry {path}: {exc}") from None
        entries = []
        for item in doc or []:
            if not isinstance(item, dict) or "name" not in item:
                raise OnecfgError(f"{path}: every entry needs a name: {item!r}")
            if item.get("old"):
                continue  # files of releases before 5.6, not handled
            catch = bool(item.get("catch"))
            entries.append(
                Entry(
                    pattern=item["name"],
                    cls=None if catch else canonical(str(item.get("class"))),
                    owner=item.get("owner"),
                    group=item.get("group"),
                    mode=None if item.get("mode") is None else str(item["mode"]),
                    catch=catch,
                    regex=_glob_regex(item["name"]),
                )
            )
        return cls(entries)

    def lookup(self, name: str) -> Entry | None:
        """The first entry matching ``name`` (an absolute path), catch-alls included."""
        for entry in self.entries:
            if entry.regex.match(name):
                return entry
        return None

    def scan(self, root: Path) -> tuple[dict[str, Entry], list[str]]:
        """Managed files under ``root``, and the unclassified ones."""
        managed: dict[str, Entry] = {}
        unknown: list[str] = []
        for path in managed_files(root):
            if not path.is_file():
                continue
            name = "/" + path.relative_to(root).as_posix()
            entry = self.lookup(name)
            if entry is None:
                continue
            if entry.catch:
                unknown.append(name)
            else:
                managed[name] = entry
        return managed, unknown
