"""Programmatic migrators: Python modules beside a descriptor (``V1_to_V2.py``).

A migrator may define ``pre_up(ctx)``, run before the descriptor's changes
(create directories, fix owners and modes), and ``up(ctx)``, run after them
to move what an automatic diff cannot (renamed keys, split files)::

    def up(ctx):
        def move(old, new):
            new.template.set('NEW_KEY', old.template.get('OLD_KEY'))
        ctx.process("/etc/one/oned.conf", "ONE", move)
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from oneedge.onecfg.errors import OnecfgError
from oneedge.onecfg.formats import format_class
from oneedge.onecfg.formats.base import ConfigFile
from oneedge.onecfg.sandbox import Sandbox

LOG = logging.getLogger("onecfg")


def load_migrator(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"onecfg_migrator_{path.stem.replace('.', '_')}", path)
    if spec is None or spec.loader is None:
        raise OnecfgError(f"cannot load migrator {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any error in third-party code
        raise OnecfgError(f"cannot load migrator {path}: {exc}") from None
    return module


class MigrationContext:
    """What a migrator may touch: the sandbox, never the live files."""

    def __init__(self, sandbox: Sandbox, old: dict[str, ConfigFile], new: dict[str, ConfigFile]) -> None:
        self.sandbox = sandbox
        self.old, self.new = old, new
        self.log = LOG

    def path(self, name: str) -> Path:
        return self.sandbox.path(name)

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def mkdir(self, name: str, mode: int = 0o750, owner: str | None = None, group: str | None = None) -> None:
        self.path(name).mkdir(parents=True, exist_ok=True)
        self.path(name).chmod(mode)

    def chmod(self, name: str, mode: int) -> None:
        self.path(name).chmod(mode)

    def chown(self, name: str, owner: str | None, group: str | None) -> None:
        self.sandbox.chown(name, owner, group)

    def process(self, name: str, cls: str, fn: Callable[[ConfigFile, ConfigFile], None]) -> None:
        """Call ``fn(old, new)``: the file before and after this step; ``new`` is saved."""
        if name not in self.new:
            if not self.exists(name):
                LOG.warning("Missing file '%s' for migrator", name)
                return
            loaded = format_class(cls).load(self.path(name))
            self.old[name], self.new[name] = loaded.copy(), loaded
        LOG.info("Update file '%s' via migrator", name)
        fn(self.old[name], self.new[name])
        self.new[name].save(self.path(name))


def run(module: ModuleType | None, hook: str, ctx: MigrationContext) -> None:
    func = getattr(module, hook, None) if module is not None else None
    if func is None:
        return
    try:
        func(ctx)
    except OnecfgError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error in third-party code
        raise OnecfgError(f"migrator {hook} failed: {exc}") from None
