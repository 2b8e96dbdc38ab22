"""Versions and upgrade descriptors (``V1_to_V2.yaml``, OpenNebula's format)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from oneedge.onecfg.change import Change
from oneedge.onecfg.errors import DescriptorError, OnecfgError
from oneedge.onecfg.formats import canonical

_STEP = re.compile(r"^(?P<from>\d+(?:\.\d+)*)_to_(?P<to>\d+(?:\.\d+)*)\.yaml$")
ACTIONS = (None, "create", "delete", "apply")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def version_key(version: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(?:\.\d+)*", str(version)):
        raise OnecfgError(f"invalid version {version!r}: use digits and dots, e.g. 5.10.0")
    parts = [int(p) for p in str(version).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class FilePatch:
    """What one upgrade step does to one file."""

    name: str
    cls: str
    owner: str | None = None
    group: str | None = None
    mode: str | None = None
    action: str | None = None
    content: str | None = None
    changes: list[Change] = field(default_factory=list)
    old_digest: str | None = None  # digest of the file as shipped in the older version

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class": self.cls}
        for key in ("owner", "group", "mode", "action"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.action == "apply":
            out["change"] = [c.to_dict() for c in self.changes]
        if self.content is not None:
            out["content"] = self.content
        if self.old_digest is not None:
            out["old_digest"] = self.old_digest
        return out


@dataclass
class Descriptor:
    from_version: str
    to_version: str
    patches: dict[str, FilePatch]
    path: Path | None = None

    @property
    def migrator(self) -> Path | None:
        """The Python migrator shipped beside the descriptor, if any."""
        if self.path is None:
            return None
        candidate = self.path.with_suffix(".py")
        return candidate if candidate.is_file() else None

    def to_yaml(self) -> str:
        doc = {"patches": {name: p.to_dict() for name, p in self.patches.items()}}
        text: str = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096, indent=4)
        return "---\n" + text


class _Dumper(_DUMPER):  # type: ignore[misc,valid-type]
    """Multi-line strings as literal blocks, so descriptors stay readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def load_descriptor(path: Path) -> Descriptor:
    match = _STEP.match(path.name)
    if match is None:
        raise DescriptorError(f"{path}: descriptor names must be V1_to_V2.yaml")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DescriptorError(f"{path}: cannot read descriptor: {' '.join(str(exc).split())}") from None
    patches_doc = (doc or {}).get("patches") if isinstance(doc, dict) else None
    if not isinstance(patches_doc, dict):
        raise DescriptorError(f"{path}: a descriptor needs a 'patches' mapping")
    patches: dict[str, FilePatch] = {}
    for name, info in patches_doc.items():
        if not isinstance(name, str) or not name.startswith("/") or not isinstance(info, dict):
            raise DescriptorError(f"{path}: invalid entry {name!r}")
        action = info.get("action")
        if action not in ACTIONS:
            raise DescriptorError(f"{path}: {name}: invalid action {action!r}")
        try:
            patch = FilePatch(
                name=name,
                cls=canonical(str(info.get("class"))),
                owner=info.get("owner"),
                group=info.get("group"),
                mode=None if info.get("mode") is None else str(info["mode"]),
                action=action,
                content=info.get("content"),
                changes=[Change.from_dict(c) for c in info.get("change") or []],
                old_digest=info.get("old_digest"),
            )
        except OnecfgError as exc:
            raise DescriptorError(f"{path}: {name}: {exc}") from None
        patches[name] = patch
    return Descriptor(match["from"], match["to"], patches, path)


def steps(directory: Path) -> list[tuple[str, str, Path]]:
    """(from, to, path) of every descriptor in ``directory``."""
    if not directory.is_dir():
        raise DescriptorError(f"descriptors directory {directory} not found")
    out = []
    for path in sorted(directory.iterdir()):
        match = _STEP.match(path.name)
        if match:
            out.append((match["from"], match["to"], path))
    return out


def chain(directory: Path, start: str, target: str | None = None) -> list[tuple[str, str, Path]]:
    """The steps leading from ``start`` to ``target`` (default: the newest)."""
    available = steps(directory)
    goal = version_key(target) if target else None
    if goal is not None and goal < version_key(start):
        raise DescriptorError(f"cannot go back from {start} to {target}")
    out: list[tuple[str, str, Path]] = []
    current = version_key(start)
    while goal is None or current < goal:
        options = [s for s in available if version_key(s[0]) == current]
        if goal is not None:
            options = [s for s in options if version_key(s[1]) <= goal]
        if not options:
            break
        step = max(options, key=lambda s: version_key(s[1]))
        out.append(step)
        current = version_key(step[1])
    if goal is not None and current != goal:
        raise DescriptorError(f"no descriptors lead from {start} to {target} in {directory}")
    return out


def newest(directory: Path) -> str | None:
    found = [s[1] for s in steps(directory)]
    return max(found, key=version_key) if found else None
