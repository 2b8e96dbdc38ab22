"""The per-VM log, ``<home>/vms/<id>/vm.log``, in OpenNebula's format:
``Mon Jan 01 10:00:00 2024 [Z0][VM][I]: New LCM state is BOOT``."""

from __future__ import annotations

import logging
from pathlib import Path

from oneedge.lcm.effects import log_time

log = logging.getLogger("oneedge.lcm")


class VmLog:
    def __init__(self, home: Path) -> None:
        self.root = home / "vms"

    def path(self, vm_id: int) -> Path:
        return self.root / str(vm_id) / "vm.log"

    def write(self, vm_id: int, now: float, module: str, level: str, message: str) -> None:
        """Append one line; a log that cannot be written is reported, never fatal to the VM."""
        path = self.path(vm_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as handle:
                handle.write(f"{log_time(now)} [Z0][{module}][{level}]: {message}\n")
        except OSError as exc:
            log.warning("cannot write %s: %s", path, exc)
