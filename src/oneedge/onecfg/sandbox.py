"""Transactional file changes: work on a copy, then commit all or nothing.

The managed directories of the root are copied into a private sandbox; the
upgrade runs there.  ``commit`` backs the touched directories up (with a
timestamp), then moves each changed file into place atomically.  If any step
fails, everything done so far is undone and the backup removed, so the root
is left byte-identical (content, mode, owner).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.registry import MANAGED_DIRS, managed_files
from oneedge.onecfg.settings import SETTINGS

BACKUPS = "var/lib/one/backups/config"


@dataclass
class FileChange:
    name: str  # absolute path inside the root
    kind: str  # "create", "update", "delete", or "mkdir" (a directory a migrator made)


class Sandbox:
    def __init__(self, root: Path, read_from: Path | None = None, unprivileged: bool = False) -> None:
        self.root = root
        self.unprivileged = unprivileged
        self.dir = Path(tempfile.mkdtemp(prefix="onecfg-"))
        self.owners: dict[str, tuple[str | None, str | None]] = {}
        source = read_from or root
        for rel in MANAGED_DIRS:
            if (source / rel).is_dir():
                shutil.copytree(source / rel, self.dir / rel, symlinks=True)
            elif (source / rel).is_file():
                shutil.copy2(source / rel, self.dir / rel)
        if (root / SETTINGS).is_file():
            (self.dir / SETTINGS).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / SETTINGS, self.dir / SETTINGS)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name: str) -> Path:
        return self.dir / name.lstrip("/")

    def chown(self, name: str, owner: str | None, group: str | None) -> None:
        """Record the ownership a file gets when committed (unless unprivileged)."""
        if not self.unprivileged:
            _ids(name, owner, group)  # fail now on unknown users, not at commit
            self.owners[name] = (owner, group)

    # --- comparing and committing -------------------------------------------

    def changes(self) -> list[FileChange]:
        made = sorted(set(_dirs(self.dir)) - set(_dirs(self.root)))
        out: list[FileChange] = [FileChange("/" + rel, "mkdir") for rel in made]
        names = set(_files(self.dir)) | set(_files(self.root))
        for rel in sorted(names):
            new, old = self.dir / rel, self.root / rel
            name = "/" + rel
            if new.is_file() and not old.exists():
                out.append(FileChange(name, "create"))
            elif old.is_file() and not new.exists():
                out.append(FileChange(name, "delete"))
            elif new.is_file() and old.is_file():
                if (
                    new.read_bytes() != old.read_bytes()
                    or _mode(new) != _mode(old)
                    or name in self.owners
                ):
                    out.append(FileChange(name, "update"))
        return out

    def commit(self, changes: list[FileChange]) -> Path | None:
        """Put ``changes`` in place; return the backup directory."""
        if not changes:
            return None
        backup = self.root / BACKUPS / time.strftime("%Y-%m-%d_%H:%M:%S", time.localtime())
        suffix = 0
        while backup.exists():
            suffix += 1
            backup = backup.with_name(backup.name.split("+")[0] + f"+{suffix}")
        undo: list[tuple[str, Path, bytes | None, os.stat_result | None]] = []
        created_dirs: list[Path] = []
        current = "backup"
        try:
            created_dirs += _makedirs(backup)
            for rel in [*MANAGED_DIRS, SETTINGS]:
                if (self.root / rel).is_dir():
                    shutil.copytree(self.root / rel, backup / rel, symlinks=True)
                elif (self.root / rel).is_file():
                    (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(self.root / rel, backup / rel)
            for change in changes:
                current = f"{change.kind} {change.name}"
                target = self.root / change.name.lstrip("/")
                before = target.read_bytes() if target.exists() else None
                stat = target.stat() if target.exists() else None
                if change.kind == "delete":
                    undo.append((change.name, target, before, stat))
                    target.unlink()
                    continue
                if change.kind == "mkdir":
                    created_dirs += _makedirs(target)
                    os.chmod(target, _mode(self.path(change.name)))
                    continue
                created_dirs += _makedirs(target.parent)
                undo.append((change.name, target, before, stat))
                self._install(change.name, target, stat)
        except (OSError, OnecfgError) as exc:
            self._rollback(undo, created_dirs)
            raise OnecfgError(f"cannot {current}: {exc}; nothing was changed") from None
        return backup

    def _install(self, name: str, target: Path, stat: os.stat_result | None) -> None:
        source = self.path(name)
        temp = target.with_name(f".{target.name}.onecfg-new")
        try:
            temp.write_bytes(source.read_bytes())
            os.chmod(temp, _mode(source))
            if name in self.owners:
                uid, gid = _ids(name, *self.owners[name])
                os.chown(temp, uid, gid)
            elif stat is not None and (stat.st_uid, stat.st_gid) != (os.getuid(), os.getgid()):
                os.chown(temp, stat.st_uid, stat.st_gid)
            os.replace(temp, target)
        finally:
            if temp.exists():
                temp.unlink()

    def _rollback(self, undo: list[tuple[str, Path, bytes | None, os.stat_result | None]], dirs: list[Path]) -> None:
        for _name, target, before, stat in reversed(undo):
            try:
                if before is None:
                    if target.exists():
                        target.unlink()
                    continue
                target.write_bytes(before)
                if stat is not None:
                    os.chmod(target, stat.st_mode & 0o7777)
                    os.chown(target, stat.st_uid, stat.st_gid)
            except OSError:
                pass  # best effort: report the original error
        for directory in reversed(dirs):
            shutil.rmtree(directory, ignore_errors=True)


def _files(base: Path) -> list[str]:
    out = [p.relative_to(base).as_posix() for p in managed_files(base)]
    if (base / SETTINGS).is_file():
        out.append(SETTINGS)
    return out


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def _dirs(base: Path) -> list[str]:
    """Directories below the managed directories of ``base``, relative to it."""
    out = []
    for rel in MANAGED_DIRS:
        top = base / rel
        if top.is_dir():
            out += [p.relative_to(base).as_posix() for p in top.rglob("*") if p.is_dir() and not p.is_symlink()]
    return out


def _makedirs(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; return the top one created."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    if missing:
        missing[0].mkdir(parents=True)
        return [missing[-1]]
    return []


def _ids(name: str, owner: str | None, group: str | None) -> tuple[int, int]:
    try:
        uid = pwd.getpwnam(owner).pw_uid if owner else -1
        gid = grp.getgrnam(group).gr_gid if group else -1
    except KeyError as exc:
        raise OnecfgError(f"chown {name}: unknown user or group {exc} (use --unprivileged)") from None
    return uid, gid
