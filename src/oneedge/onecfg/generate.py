"""Generating an upgrade descriptor from the pristine files of two versions."""

from __future__ import annotations

import logging
from pathlib import Path

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats import format_class
from oneedge.onecfg.registry import Registry
from oneedge.onecfg.versions import Descriptor, FilePatch, sha256, version_key

LOG = logging.getLogger("onecfg")


def generate(old_root: Path, new_root: Path, from_version: str, to_version: str, registry: Registry) -> Descriptor:
    if version_key(from_version) >= version_key(to_version):
        raise OnecfgError(f"--from-version {from_version} must be older than --to-version {to_version}")
    for root in (old_root, new_root):
        if not root.is_dir():
            raise OnecfgError(f"directory {root} not found")
    old_files, old_unknown = registry.scan(old_root)
    new_files, new_unknown = registry.scan(new_root)
    unknown = sorted(set(old_unknown) | set(new_unknown))
    if unknown:
        raise OnecfgError(f"unclassified file '{unknown[0]}' (add it to the file registry)")
    patches: dict[str, FilePatch] = {}
    for name in sorted(set(old_files) | set(new_files), key=_order):
        entry = new_files.get(name) or old_files[name]
        assert entry.cls is not None
        patch = FilePatch(name, entry.cls, entry.owner, entry.group, entry.mode)
        old_path, new_path = old_root / name.lstrip("/"), new_root / name.lstrip("/")
        cls = format_class(entry.cls)
        if name not in new_files:
            patch.action = "delete"
            patch.content = old_path.read_text(encoding="utf-8")
        elif name not in old_files:
            patch.action = "create"
            patch.content = new_path.read_text(encoding="utf-8")
        else:
            old_obj, new_obj = cls.load(old_path), cls.load(new_path)
            patch.content = new_obj.to_text()
            patch.old_digest = sha256(old_obj.to_text())
            if not old_obj.same(new_obj):
                changes = old_obj.diff(new_obj)
                if changes:
                    patch.action = "apply"
                    patch.changes = changes
        LOG.debug("%s: %s", name, patch.action or "no change that matters")
        patches[name] = patch
    return Descriptor(from_version, to_version, patches)


def _order(name: str) -> tuple[int, str]:
    """/etc files first, as in OpenNebula's descriptors."""
    return (0 if name.startswith("/etc/") else 1, name)
