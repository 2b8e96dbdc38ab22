"""Upgrading a customized configuration, step by step, in a sandbox.

For each file of each step: a file still as shipped in the older version is
replaced by the newer one (byte-identical); a customized file gets the
step's changes patched in, so customizations stay and new defaults arrive.
A conflict aborts the whole upgrade and nothing on disk changes.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from oneedge.onecfg import migrator, versions
from oneedge.onecfg.errors import FileReadError, OnecfgError, PatchError
from oneedge.onecfg.formats import format_class
from oneedge.onecfg.formats.base import ConfigFile
from oneedge.onecfg.modes import PatchModes
from oneedge.onecfg.sandbox import FileChange, Sandbox
from oneedge.onecfg.settings import Settings

LOG = logging.getLogger("onecfg")


@dataclass
class Options:
    to: str | None = None
    modes: PatchModes = field(default_factory=PatchModes)
    noop: bool = False
    unprivileged: bool = False
    strict: bool = False  # do not add each format's safe modes


@dataclass
class Result:
    version: str
    changes: list[FileChange]
    backup: Path | None


def upgrade(root: Path, descriptors: Path, options: Options) -> Result:
    settings = Settings.load(root)
    if settings.version is None:
        raise OnecfgError(f"configuration version unknown in {root}: run 'onecfg init --to VERSION' first")
    plan = versions.chain(descriptors, settings.version, options.to)
    if not plan:
        LOG.warning("No updates available (configuration is %s)", settings.version)
        return Result(settings.version, [], None)
    read_from = root / settings.backup.lstrip("/") if settings.backup else None
    if read_from is not None:
        LOG.warning("Snapshot to update from '%s'", settings.backup)
    with Sandbox(root, read_from, options.unprivileged) as sandbox:
        previous: dict[str, str] = {}
        for start, end, path in plan:
            descriptor = versions.load_descriptor(path)
            LOG.info("Incremental update from %s to %s", start, end)
            previous = _step(sandbox, descriptor, previous, options)
        new_settings = Settings(version=plan[-1][1])
        new_settings.save(sandbox.dir)
        changes = sandbox.changes()
        for change in changes:
            what = "directory" if change.kind == "mkdir" else "file"
            LOG.info("%s %s '%s'", "Create" if change.kind == "mkdir" else change.kind.capitalize(), what, change.name)
        if options.noop:
            return Result(settings.version, changes, None)
        backup = sandbox.commit(changes)
    if backup is not None:
        LOG.warning("Backup of the previous configuration in '%s'", "/" + backup.relative_to(root).as_posix())
    return Result(plan[-1][1], changes, backup)


def _step(sandbox: Sandbox, descriptor: versions.Descriptor, previous: dict[str, str], options: Options) -> dict[str, str]:
    module = migrator.load_migrator(descriptor.migrator) if descriptor.migrator else None
    old: dict[str, ConfigFile] = {}
    new: dict[str, ConfigFile] = {}
    ctx = migrator.MigrationContext(sandbox, old, new)
    migrator.run(module, "pre_up", ctx)
    for name, patch in descriptor.patches.items():
        try:
            _file(sandbox, descriptor, patch, previous.get(name), options, old, new)
        except OnecfgError as exc:
            raise OnecfgError(f"upgrade of '{name}' to {descriptor.to_version} failed: {exc}") from None
    migrator.run(module, "up", ctx)
    return {n: p.content for n, p in descriptor.patches.items() if p.content is not None and p.action != "delete"}


def _file(
    sandbox: Sandbox,
    descriptor: versions.Descriptor,
    patch: versions.FilePatch,
    previous: str | None,
    options: Options,
    old: dict[str, ConfigFile],
    new: dict[str, ConfigFile],
) -> None:
    name, path = patch.name, sandbox.path(patch.name)
    if patch.action == "create":
        if path.exists():
            LOG.info("Skip file '%s' - already exists", name)
            return
        LOG.info("Create file '%s'", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(patch.content or "", encoding="utf-8")
        if patch.mode:
            os.chmod(path, int(patch.mode, 8))
        sandbox.chown(name, patch.owner, patch.group)
        return
    if not path.is_file():
        if patch.action == "apply":
            LOG.info("Skip file '%s' - missing", name)
        return
    if patch.action == "delete":
        LOG.info("Delete file '%s'", name)
        path.unlink()
        return
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileReadError(f"read: {exc}") from None
    known = patch.old_digest is not None or previous is not None
    pristine = versions.sha256(current) == patch.old_digest or current == previous
    if pristine and patch.content is not None:
        if current != patch.content:
            LOG.info("Update file '%s' (as shipped)", name)
            path.write_text(patch.content, encoding="utf-8")
        return
    cls = format_class(patch.cls)
    obj = cls.from_text(current, name)  # raises FileReadError naming the problem
    if patch.action == "apply":
        LOG.info("Update file '%s'", name)
        modes = options.modes.for_file(name, descriptor.to_version)
        if not options.strict:
            modes = modes + tuple(m for m in cls.SAFE_MODES if m not in modes)
        old[name] = obj.copy()
        try:
            reports = obj.patch(patch.changes, modes)
        except PatchError as exc:
            if "replace" in modes and patch.content is not None and cls.__name__ == "Simple":
                LOG.info("Replace file '%s' with the distributed one", name)
                path.write_text(patch.content, encoding="utf-8")
                return
            raise PatchError(f"conflict: {exc}") from None
        for line in obj.hints(patch.changes, reports):
            LOG.debug("Patch %s", line)
        new[name] = obj
    if not known and patch.content is not None:
        # NOTE: without the shipped old file we cannot tell comment-only
        # customizations from the distribution's; like OpenNebula's onecfg
        # we take the distributed file when the meaning is the same.
        dist = cls.from_text(patch.content, name)
        if obj.similar(dist) and not obj.same(dist):
            obj = dist
            new[name] = obj
    text = obj.to_text()
    if text != current:
        path.write_text(text, encoding="utf-8")
