"""Start a VM's QEMU: checks first, then QEMU daemonized and paused, its cgroup, taps, go.

QEMU is started with ``-daemonize``: its first process exits once every
device, socket and file is set up, with QEMU's own error message and a
non-zero status when any is not (a missing disk, a bad option). The VM
starts paused (``-S``) until its taps are on their bridges; a failure at
any step kills QEMU and removes its runtime files, so nothing is left.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from kvmhost import cgroups
from kvmhost.qmp import Qmp
from kvmhost.runtime import Runtime

#: Memory QEMU itself needs beyond the guest's (MB), for the free memory check.
OVERHEAD_MB = 64


class LaunchError(RuntimeError):
    """The VM could not start; the message says why (shown to the user)."""


def available_mb() -> int:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    raise LaunchError("cannot read MemAvailable from /proc/meminfo")


def check(runtime: Runtime, request: dict[str, Any]) -> None:
    pid = runtime.pid()
    if pid is not None:
        raise LaunchError(f"VM is already running on this host (QEMU pid {pid})")
    for path in request.get("files", []):
        if not os.path.exists(path):
            raise LaunchError(f"missing image file {path}")
    needed, free = int(request["memory_mb"]), available_mb()
    if needed + OVERHEAD_MB > free:
        raise LaunchError(f"not enough free memory on the host: the VM needs {needed} MB "
                          f"(+{OVERHEAD_MB} MB for QEMU), {free} MB available")
    for tap, bridge in request.get("bridges", {}).items():
        if bridge and not os.path.isdir(f"/sys/class/net/{bridge}/bridge"):
            raise LaunchError(f"bridge {bridge} for {tap} does not exist on the host")


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode:
        raise LaunchError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def plug(bridges: dict[str, str]) -> None:
    """Put each tap QEMU opened on its bridge (as libvirt does for a bridged interface)."""
    for tap, bridge in bridges.items():
        if bridge:
            _ip("link", "set", tap, "master", bridge)
        _ip("link", "set", tap, "up")


def launch(runtime: Runtime, request: dict[str, Any], run: bool = True) -> dict[str, Any]:
    """Start QEMU with ``request["argv"]``; answers {pid, cgroup, cgroup_note}. ``run``: cont at the end."""
    check(runtime, request)
    runtime.clean()
    os.makedirs(runtime.dir, mode=0o750)
    os.makedirs(runtime.vm_dir, exist_ok=True)
    try:
        done = subprocess.run(request["argv"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              cwd=runtime.vm_dir, timeout=60)
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if "warning:" not in line]
            raise LaunchError((lines[-1] if lines else f"QEMU exited with status {done.returncode}").strip())
        pid = runtime.pid()
        if pid is None:
            raise LaunchError("QEMU exited right after starting")
        cgroup, note = cgroups.place(pid, runtime.key, float(request.get("cpu", 1)))
        if cgroup:
            with open(runtime.path("cgroup"), "w") as handle:
                handle.write(cgroup)
        plug(request.get("bridges", {}))
        with Qmp(runtime.qmp) as qmp:
            if request.get("vnc_password"):
                qmp.command("change-vnc-password", password=request["vnc_password"])
            if run:
                qmp.command("cont")
    except BaseException as exc:
        runtime.kill()
        runtime.clean()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise LaunchError("QEMU did not finish starting within 60 s") from None
        raise
    return {"pid": pid, "cgroup": cgroup, "cgroup_note": note}
