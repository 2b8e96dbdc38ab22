"""The per-VM log, ``<home>/vms/<id>/vm.log``, in OpenNebula's format:
``Mon Jan 01 10:00:00 2024 [Z0][VM][I]: New LCM state is BOOT``.

Lines are queued by the lifecycle (after commit, under the write lock) and
written by a thread of their own, in order, so file I/O never holds up
transactions. Without the thread (a manager not running) lines are written
at once.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from oneedge.lcm.effects import log_time

log = logging.getLogger("oneedge.lcm")

Line = tuple[int, float, str, str, str]


class VmLog:
    def __init__(self, home: Path) -> None:
        self.root = home / "vms"
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def path(self, vm_id: int) -> Path:
        return self.root / str(vm_id) / "vm.log"

    def write(self, vm_id: int, now: float, module: str, level: str, message: str) -> None:
        if self._thread is None:
            self._append([(vm_id, now, module, level, message)])
        else:
            self._queue.put((vm_id, now, module, level, message))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vm-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while True:
            lines = [self._queue.get()]
            while not self._queue.empty() and lines[-1] is not None:
                lines.append(self._queue.get_nowait())
            done = lines[-1] is None
            self._append([line for line in lines if line is not None])
            if done:
                return

    def _append(self, lines: list[Line]) -> None:
        by_vm: dict[int, list[str]] = {}
        for vm_id, now, module, level, message in lines:
            by_vm.setdefault(vm_id, []).append(f"{log_time(now)} [Z0][{module}][{level}]: {message}\n")
        for vm_id, texts in by_vm.items():
            path = self.path(vm_id)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a") as handle:
                    handle.write("".join(texts))
            except OSError as exc:
                # A log that cannot be written is reported, never fatal to the VM.
                log.warning("cannot write %s: %s", path, exc)
