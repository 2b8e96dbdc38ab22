"""Each VM in its own cgroup, where the host allows it.

cgroup v2 (``/sys/fs/cgroup/cgroup.controllers`` exists): ``oneedge/<key>``
with ``cpu.weight`` from the VM's CPU; cgroup v1: the same under the ``cpu``
hierarchy with ``cpu.shares`` (OpenNebula's CPU x 1024). A host where
neither is writable runs its VMs in the caller's cgroup: ``place`` answers
why, and the VM still starts.
"""

from __future__ import annotations

import os

ROOT = os.environ.get("ONEEDGE_CGROUP_ROOT", "/sys/fs/cgroup")


def _hierarchy() -> tuple[str, str, int] | None:
    """(directory, weight file, scale) of the hierarchy to use."""
    if os.path.exists(os.path.join(ROOT, "cgroup.controllers")):
        return os.path.join(ROOT, "oneedge"), "cpu.weight", 100
    if os.path.exists(os.path.join(ROOT, "cpu", "cpu.shares")):
        return os.path.join(ROOT, "cpu", "oneedge"), "cpu.shares", 1024
    return None


def place(pid: int, key: str, cpu: float) -> tuple[str, str]:
    """Move ``pid`` into a new cgroup for the VM; answers (its path, "") or ("", why not)."""
    hierarchy = _hierarchy()
    if hierarchy is None:
        return "", "no writable cpu cgroup hierarchy"
    parent, weight_file, scale = hierarchy
    path = os.path.join(parent, key)
    try:
        os.makedirs(path, exist_ok=True)
        weight = max(1, min(10000 if scale == 100 else 262144, int(cpu * scale)))
        try:
            with open(os.path.join(path, weight_file), "w") as handle:
                handle.write(str(weight))
        except OSError:
            pass  # the controller may not be enabled for the subtree: membership still counts
        with open(os.path.join(path, "cgroup.procs"), "w") as handle:
            handle.write(str(pid))
    except OSError as exc:
        try:
            os.rmdir(path)
        except OSError:
            pass
        return "", f"cgroup {path}: {exc.strerror or exc}"
    return path, ""
