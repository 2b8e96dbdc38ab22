"""Disk operations in flight: resize, save-as and disk snapshots of one DISK of a VM.

The API marks the DISK as OpenNebula does (``RESIZE = YES`` with
``SIZE_PREV``; ``HOTPLUG_SAVE_AS_ACTIVE = YES`` with the new image's ID,
SOURCE and snapshot; ``DISK_SNAPSHOT_ACTIVE = YES`` with ``DISK_SNAPSHOT_ID``)
and the state the VM waits in says which operation it is. This module builds
the transfer line of the operation (pure) and settles the document when the
driver answers (:func:`commit`, :func:`rollback`, run as the DISK_COMMIT and
DISK_ROLLBACK effects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.drivers.requests import Transfer
from oneedge.lcm import disk_snapshots as snapshots
from oneedge.lcm.events import Step
from oneedge.lcm.transfer import FRONTEND
from oneedge.pool.vm import LcmState as L
from oneedge.pool.vm import VirtualMachine
from oneedge.rm.api.image import ImageAPI
from oneedge.template import Template, VectorAttribute

if TYPE_CHECKING:
    from oneedge.lcm.effects import Effects, Outcome
    from oneedge.lcm.table import State

#: The marks of each operation on its DISK: the flag first.
RESIZE_MARKS = ("RESIZE", "SIZE_PREV")
SAVEAS_MARKS = ("HOTPLUG_SAVE_AS_ACTIVE", "HOTPLUG_SAVE_AS", "HOTPLUG_SAVE_AS_SOURCE", "HOTPLUG_SAVE_AS_SNAPSHOT_ID")
SNAPSHOT_MARKS = ("DISK_SNAPSHOT_ACTIVE", "DISK_SNAPSHOT_ID")
_FLAGS = (RESIZE_MARKS[0], SAVEAS_MARKS[0], SNAPSHOT_MARKS[0])

RESIZING = {L.DISK_RESIZE, L.DISK_RESIZE_POWEROFF, L.DISK_RESIZE_UNDEPLOYED}
SAVING = {L.HOTPLUG_SAVEAS, L.HOTPLUG_SAVEAS_POWEROFF, L.HOTPLUG_SAVEAS_SUSPENDED, L.HOTPLUG_SAVEAS_UNDEPLOYED,
          L.HOTPLUG_SAVEAS_STOPPED}
CREATING = {L.DISK_SNAPSHOT, L.DISK_SNAPSHOT_POWEROFF, L.DISK_SNAPSHOT_SUSPENDED}
REVERTING = {L.DISK_SNAPSHOT_REVERT_POWEROFF}
DELETING = {L.DISK_SNAPSHOT_DELETE, L.DISK_SNAPSHOT_DELETE_POWEROFF, L.DISK_SNAPSHOT_DELETE_SUSPENDED}
#: Where the disks are on the front-end (the VM left its host), not on the host.
ON_FRONTEND = {L.DISK_RESIZE_UNDEPLOYED, L.HOTPLUG_SAVEAS_UNDEPLOYED, L.HOTPLUG_SAVEAS_STOPPED}

#: Each step's transfer action (the TM phase has the same name, lower case).
ACTIONS: dict[Step, str] = {
    Step.DISK_RESIZE: "RESIZE", Step.DISK_RESIZE_OFFLINE: "RESIZE", Step.DISK_SAVEAS: "CPDS",
    Step.DISK_SNAPSHOT_CREATE: "SNAP_CREATE", Step.DISK_SNAPSHOT_REVERT: "SNAP_REVERT",
    Step.DISK_SNAPSHOT_DELETE: "SNAP_DELETE", Step.DISK_SNAPSHOT_LIVE: "SNAP_CREATE",
}


def _marked(template: Template) -> VectorAttribute | None:
    return next((d for d in template.vectors("DISK")
                 if any((d.get(flag) or "").upper() == "YES" for flag in _FLAGS)), None)


def pending(vm: VirtualMachine) -> VectorAttribute | None:
    """The DISK an operation is in flight on."""
    return _marked(vm.template)


def snapshot_id(disk: VectorAttribute) -> int:
    """The snapshot the operation is about (-1: none)."""
    text = disk.get("DISK_SNAPSHOT_ID") or disk.get("HOTPLUG_SAVE_AS_SNAPSHOT_ID") or "-1"
    return int(text) if text.lstrip("-").isdigit() else -1


def transfer_line(step: Step, vm: VirtualMachine, tm_mad: str, host: str, vm_dir: str) -> Transfer | None:
    """The transfer line of a disk step, as TransferManager::*_command writes it; None without
    a pending disk (nothing to do)."""
    disk = pending(vm)
    if disk is None:
        return None
    disk_id = int(disk.get("DISK_ID") or -1)
    where = FRONTEND if vm.lcm_state in ON_FRONTEND else host
    path = f"{where}:{vm_dir}/disk.{disk_id}"
    tm = disk.get("TM_MAD") or tm_mad
    action = ACTIONS[step]
    if action == "RESIZE":
        return Transfer(action, tm, path, "", disk_id, int(disk.get("SIZE") or 0))
    if action == "CPDS":
        snap = snapshot_id(disk)
        # A snapshot's copy, as the TM helper keeps them (disk.<id>.snap/<snapshot id>).
        source = f"{path}.snap/{snap}" if snap != -1 else path
        return Transfer(action, tm, source, disk.get("HOTPLUG_SAVE_AS_SOURCE") or "", disk_id)
    return Transfer(action, tm, path, str(snapshot_id(disk)), disk_id)


def _clear(disk: VectorAttribute, marks: tuple[str, ...]) -> None:
    for name in marks:
        disk.remove(name)


def commit(effects: Effects, conn: Connection, vm: VirtualMachine, source: State, outcome: Outcome) -> None:
    """The operation of ``source`` (the state the VM waited in) succeeded."""
    template = vm.template
    disk = _marked(template)
    if disk is None:
        return
    lcm, disk_id, snap = source[1], int(disk.get("DISK_ID") or -1), snapshot_id(disk)
    images = effects.core.api(ImageAPI)
    persistent = (disk.get("PERSISTENT") or "").upper() == "YES" and bool(disk.get("IMAGE_ID"))
    if lcm in RESIZING:
        _clear(disk, RESIZE_MARKS)
        # The image is the disk itself only when the TM links it (LN_TARGET NONE): then it grew too.
        if persistent and (disk.get("LN_TARGET") or "").upper() == "NONE":
            images.set_size(conn, int(disk.get("IMAGE_ID") or -1), int(disk.get("SIZE") or 0))
    elif lcm in SAVING:
        images.saved(conn, int(disk.get("HOTPLUG_SAVE_AS") or -1), "")
        _clear(disk, SAVEAS_MARKS)
    else:
        if lcm in CREATING or lcm in REVERTING:
            snapshots.activate(vm.root, disk_id, snap)
        if lcm in REVERTING:
            disk.set("SIZE", str(snapshots.size(vm.root, disk_id, snap) or disk.get("SIZE") or 0))
        if lcm in DELETING:
            snapshots.delete(vm.root, disk_id, snap)
        _clear(disk, SNAPSHOT_MARKS)
    vm.template = template


def rollback(effects: Effects, conn: Connection, vm: VirtualMachine, source: State, outcome: Outcome) -> None:
    """The operation of ``source`` failed: the disk is as it was; a new snapshot goes, a new
    image is in ERROR with the driver's message."""
    template = vm.template
    disk = _marked(template)
    if disk is None:
        return
    lcm, disk_id = source[1], int(disk.get("DISK_ID") or -1)
    if lcm in RESIZING:
        disk.set("SIZE", disk.get("SIZE_PREV") or disk.get("SIZE") or "0")
        _clear(disk, RESIZE_MARKS)
    elif lcm in SAVING:
        effects.core.api(ImageAPI).saved(conn, int(disk.get("HOTPLUG_SAVE_AS") or -1),
                                         outcome.message or "Error saving the disk")
        _clear(disk, SAVEAS_MARKS)
    else:
        if lcm in CREATING:
            snapshots.delete(vm.root, disk_id, snapshot_id(disk))
        _clear(disk, SNAPSHOT_MARKS)
    vm.template = template
