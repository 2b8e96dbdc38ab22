"""The actions behind each ``onecfg`` subcommand, apart from argument parsing."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

import yaml

from oneedge.onecfg import versions
from oneedge.onecfg.change import Change
from oneedge.onecfg.errors import OnecfgError, PatchError
from oneedge.onecfg.formats import format_class
from oneedge.onecfg.modes import PatchModes
from oneedge.onecfg.registry import MANAGED_DIRS, Registry
from oneedge.onecfg.sandbox import BACKUPS, FileChange, Sandbox
from oneedge.onecfg.settings import Settings

LOG = logging.getLogger("onecfg")


def registry_for(descriptors: Path | None, registry: Path | None = None) -> Registry:
    """An explicit registry, else the one beside the descriptors, else the built-in one."""
    if registry is not None:
        return Registry.load(registry)
    if descriptors is not None and (descriptors / "files.yaml").is_file():
        return Registry.load(descriptors / "files.yaml")
    return Registry.load()


def init(root: Path, version: str, force: bool = False) -> None:
    versions.version_key(version)
    settings = Settings.load(root)
    if settings.version is not None and not force:
        raise OnecfgError(f"configuration in {root} is already at version {settings.version} (use --force)")
    settings.version = version
    settings.save(root)


def status(root: Path, descriptors: Path | None) -> dict[str, Any]:
    settings = Settings.load(root)
    out: dict[str, Any] = {"config_version": settings.version, "snapshot": settings.backup}
    if descriptors is not None:
        out["available_version"] = versions.newest(descriptors)
        out["steps"] = (
            [f"{a} -> {b}" for a, b, _ in versions.chain(descriptors, settings.version)]
            if settings.version
            else []
        )
    return out


def validate(root: Path, registry: Registry) -> tuple[int, list[str]]:
    """Parse every managed file; return how many were checked and the problems."""
    managed, unknown = registry.scan(root)
    problems = [f"unclassified file '{name}'" for name in unknown]
    for name, entry in managed.items():
        assert entry.cls is not None
        try:
            format_class(entry.cls).load(root / name.lstrip("/"))
        except OnecfgError as exc:
            problems.append(f"{name}: {exc}")
    return len(managed), problems


def pristine_contents(root: Path, descriptors: Path, pristine: Path | None) -> dict[str, str]:
    """The files as shipped in the configuration's current version."""
    version = Settings.load(root).version
    if version is None:
        raise OnecfgError(f"configuration version unknown in {root}: run 'onecfg init' first")
    if pristine is not None:
        managed, _ = registry_for(descriptors).scan(pristine)
        return {n: (pristine / n.lstrip("/")).read_text(encoding="utf-8") for n in managed}
    for start, end, path in versions.steps(descriptors):
        if versions.version_key(end) == versions.version_key(version):
            desc = versions.load_descriptor(path)
            return {n: p.content for n, p in desc.patches.items() if p.content is not None and p.action != "delete"}
    raise OnecfgError(f"no pristine files known for version {version}: give --pristine DIR")


def diff(root: Path, descriptors: Path, pristine: Path | None) -> dict[str, Any]:
    """The administrator's customizations: a patch document, file by file."""
    registry = registry_for(descriptors)
    shipped = pristine_contents(root, descriptors, pristine)
    managed, _ = registry.scan(root)
    patches: dict[str, Any] = {}
    for name in sorted(set(managed) | set(shipped)):
        entry = managed.get(name) or registry.lookup(name)
        if entry is None or entry.cls is None:
            continue
        cls = format_class(entry.cls)
        path = root / name.lstrip("/")
        if name not in shipped:
            patches[name] = {"class": entry.cls, "action": "create", "content": path.read_text(encoding="utf-8")}
        elif name not in managed:
            patches[name] = {"class": entry.cls, "action": "delete"}
        else:
            mine, dist = cls.load(path), cls.from_text(shipped[name], name)
            if not mine.same(dist):
                changes = dist.diff(mine)
                if changes:
                    patches[name] = {"class": entry.cls, "action": "apply", "changes": changes}
    return patches


def diff_text(patches: dict[str, Any]) -> str:
    lines = []
    for name, info in patches.items():
        lines.append(f"{name} ({info['action']})")
        if info["action"] == "apply":
            cls = format_class(info["class"])
            lines += ["  " + h for h in cls("").hints(info["changes"])]
    return "\n".join(lines) + ("\n" if lines else "")


def diff_yaml(patches: dict[str, Any]) -> str:
    doc: dict[str, Any] = {}
    for name, info in patches.items():
        entry = {k: v for k, v in info.items() if k != "changes"}
        if "changes" in info:
            entry["change"] = [c.to_dict() for c in info["changes"]]
        doc[name] = entry
    return "---\n" + yaml.safe_dump({"patches": doc}, sort_keys=False, allow_unicode=True, width=4096)


def patch(root: Path, patch_file: Path, modes: PatchModes, noop: bool, unprivileged: bool) -> list[FileChange]:
    """Apply a diff document (from ``onecfg diff --format yaml``) to the tree."""
    try:
        doc = yaml.safe_load(patch_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OnecfgError(f"cannot read patch file {patch_file}: {' '.join(str(exc).split())}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("patches"), dict):
        raise OnecfgError(f"patch file {patch_file}: needs a 'patches' mapping")
    version = Settings.load(root).version or "0"
    with Sandbox(root, None, unprivileged) as sandbox:
        for name, info in doc["patches"].items():
            path = sandbox.path(name)
            action = info.get("action")
            try:
                if action == "create":
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(info.get("content") or "", encoding="utf-8")
                elif action == "delete":
                    if path.exists():
                        path.unlink()
                elif action == "apply":
                    cls = format_class(str(info.get("class")))
                    obj = cls.load(path)
                    changes = [Change.from_dict(c) for c in info.get("change") or []]
                    file_modes = modes.for_file(name, version)
                    for line in obj.hints(changes, obj.patch(changes, file_modes)):
                        LOG.debug("Patch %s", line)
                    obj.save(path)
            except PatchError as exc:
                raise OnecfgError(f"patch of '{name}' failed: conflict: {exc}") from None
            except OnecfgError as exc:
                raise OnecfgError(f"patch of '{name}' failed: {exc}") from None
        changes = sandbox.changes()
        if not noop:
            sandbox.commit(changes)
    return changes


def snapshot(root: Path) -> str | None:
    """Copy the configuration aside before a package upgrade (once).

    The next ``upgrade`` reads from this copy, as the package may have
    replaced some files meanwhile.  Returns the snapshot path, or None when
    one is already pending.
    """
    settings = Settings.load(root)
    if settings.version is None:
        raise OnecfgError(f"configuration version unknown in {root}: run 'onecfg init' first")
    if settings.backup:
        return None
    target = root / BACKUPS / ("snapshot-" + time.strftime("%Y-%m-%d_%H:%M:%S"))
    try:
        for rel in MANAGED_DIRS:
            if (root / rel).is_dir():
                shutil.copytree(root / rel, target / rel, symlinks=True)
            elif (root / rel).is_file():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / rel, target / rel)
        settings.backup = "/" + target.relative_to(root).as_posix()
        settings.save(root)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise OnecfgError(f"cannot snapshot the configuration into {target}: {exc}") from None
    return settings.backup
