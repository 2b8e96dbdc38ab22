"""Where a VM's QEMU keeps its runtime files on this host, and how to find and stop it.

``/run/oneedge-kvm/<key>/`` holds ``qemu.pid``, the monitor sockets
``qmp.sock`` (actions) and ``poll.sock`` (state queries, so a long action
never blocks monitoring), ``serial.sock`` (the console, for a person or a
test) and ``cgroup`` (the path of the VM's cgroup, if any). The key is made
by the front-end from the host and the VM directory, so two hosts sharing
a file system, or two front-ends on one host, never share runtime files.
The serial console log stays in the VM directory (``serial.log``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from dataclasses import dataclass

RUN_ROOT = os.environ.get("ONEEDGE_KVM_RUN", "/run/oneedge-kvm")
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Runtime:
    key: str
    vm_dir: str

    @classmethod
    def of(cls, key: str, vm_dir: str) -> "Runtime":
        if not _KEY.match(key) or key in (".", ".."):
            raise ValueError(f"bad runtime key {key!r}")
        if not os.path.isabs(vm_dir):
            raise ValueError(f"the VM directory must be absolute: {vm_dir!r}")
        return cls(key, vm_dir)

    @property
    def dir(self) -> str:
        return os.path.join(RUN_ROOT, self.key)

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    @property
    def qmp(self) -> str:
        return self.path("qmp.sock")

    @property
    def poll_qmp(self) -> str:
        return self.path("poll.sock")

    @property
    def serial_log(self) -> str:
        return os.path.join(self.vm_dir, "serial.log")

    def pid(self) -> int | None:
        """QEMU's pid if it is running (a pid file naming a dead or foreign process counts as none)."""
        try:
            with open(self.path("qemu.pid")) as handle:
                pid = int(handle.read().strip() or 0)
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except (OSError, ValueError):
            return None
        if not pid or not argv or b"qemu" not in os.path.basename(argv[0]):
            return None
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return None
        except OSError:
            return None
        return pid

    def wait_gone(self, pid: int, timeout: float) -> bool:
        """Whether ``pid`` exited within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not os.path.exists(f"/proc/{pid}") or self.pid() is None:
                return True
            time.sleep(0.02)
        return False

    def kill(self) -> None:
        """SIGKILL QEMU if it runs and wait for it to go."""
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not self.wait_gone(pid, 10):
            raise RuntimeError(f"QEMU (pid {pid}) did not exit after SIGKILL")

    def clean(self) -> None:
        """Remove the runtime directory and the VM's cgroup; QEMU must be gone."""
        try:
            with open(self.path("cgroup")) as handle:
                cgroup = handle.read().strip()
        except OSError:
            cgroup = ""
        if cgroup:
            _rmdir_cgroup(cgroup)
        shutil.rmtree(self.dir, ignore_errors=True)


def _rmdir_cgroup(path: str, timeout: float = 5.0) -> None:
    """Remove a cgroup; it stays busy until the kernel has reaped its last process."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
