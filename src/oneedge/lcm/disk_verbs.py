"""``one.vm.diskresize``, ``disksaveas`` and ``disksnapshotcreate/revert/delete/rename``.

Each call is one write transaction: the DISK is marked (see
``oneedge.lcm.disks``), its snapshot added or a new image made as OpenNebula's
``RequestManagerVirtualMachine.cc`` and ``DispatchManagerActions.cc`` do,
and the state table applied; a refusal changes nothing. A mixin of
``VirtualMachineActionsAPI``, which provides ``vm``, ``lcm`` and ``core``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy.engine import Connection

from oneedge.errors import action_error
from oneedge.lcm import disk_snapshots as snapshots
from oneedge.lcm import machine
from oneedge.lcm.disks import SAVEAS_MARKS, SNAPSHOT_MARKS
from oneedge.lcm.events import VERBS, Event
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vm import VirtualMachine
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template, VectorAttribute

NO_DISK = "VM disk does not exist"


def _disk(template: Template, disk_id: int, missing: str = NO_DISK) -> VectorAttribute:
    disk = next((d for d in template.vectors("DISK") if d.get("DISK_ID") == str(disk_id)), None)
    if disk is None:
        raise action_error(missing)
    return disk


def _mark(disk: VectorAttribute, marks: tuple[str, ...], *values: object) -> None:
    disk.set(marks[0], "YES")
    for name, value in zip(marks[1:], values):
        disk.set(name, str(value))


class DiskVerbs:
    core: Any
    lcm: Any

    def vm(self, req: Request, conn: Connection, vm_id: int, op: AuthOp) -> VirtualMachine: ...

    def _disk_operation(self, req: Request, vm_id: int, event: Event,
                        edit: Callable[[Connection, VirtualMachine, Template], int]) -> int:
        """Check the state allows ``event``, let ``edit`` change the VM's TEMPLATE (and answer
        the call's result), then apply the event."""
        with self.core.store.write() as conn:
            vm = self.vm(req, conn, vm_id, AuthOp.MANAGE)
            try:
                machine.transition((vm.state, vm.lcm_state), event)
            except machine.NotAllowed:
                raise action_error(f"Could not {VERBS[event]} VM {vm.oid}, wrong state "
                                   f"{machine.state_name((vm.state, vm.lcm_state))}.", vm.oid) from None
            template = vm.template
            result = edit(conn, vm, template)
            vm.template = template
            self.lcm.transition(conn, vm, event, req=req)
        return result

    # -- resize -------------------------------------------------------------------------------
    def disk_resize(self, req: Request, vm_id: int, disk_id: int, size_text: str) -> int:
        try:
            size = int(size_text.strip())
        except ValueError:
            raise action_error("Disk SIZE is not a valid integer") from None

        def edit(conn: Connection, vm: VirtualMachine, template: Template) -> int:
            disk = _disk(template, disk_id)
            current = int(disk.get("SIZE") or 0)
            if size <= current:
                raise action_error("New disk size has to be greater than current one", vm.oid)
            disk.set("SIZE", str(size))
            disk.set("RESIZE", "YES")
            disk.set("SIZE_PREV", str(current))
            return vm.oid

        return self._disk_operation(req, vm_id, Event.DISK_RESIZE, edit)

    # -- save-as ------------------------------------------------------------------------------
    def disk_saveas(self, req: Request, vm_id: int, disk_id: int, name: str, image_type: str,
                    snap_id: int = -1) -> int:
        def edit(conn: Connection, vm: VirtualMachine, template: Template) -> int:
            disk = _disk(template, disk_id, "Cannot use DISK. DISK does not exist.")
            if not (disk.get("IMAGE_ID") or "").isdigit():
                raise action_error("Cannot use DISK. DISK does not have a valid IMAGE_ID.", vm.oid)
            size = int(disk.get("SIZE") or 0)
            if snap_id != -1:
                if snapshots.snapshot(vm.root, disk_id, snap_id) is None:
                    raise action_error("Cannot use DISK. Snapshot does not exist.", vm.oid)
                size = snapshots.size(vm.root, disk_id, snap_id)
            saved = {"SAVED_IMAGE_ID": int(disk.get("IMAGE_ID") or -1), "SAVED_DISK_ID": disk_id,
                     "SAVED_VM_ID": vm.oid}
            image = self.core.api(ImageAPI).save_as(conn, req, saved["SAVED_IMAGE_ID"], name, image_type, size,
                                                    saved)
            _mark(disk, SAVEAS_MARKS, image.oid, image.get("SOURCE") or "", snap_id)
            return image.oid

        return self._disk_operation(req, vm_id, Event.DISK_SAVEAS, edit)

    # -- snapshots ----------------------------------------------------------------------------
    def disk_snapshot_create(self, req: Request, vm_id: int, disk_id: int, name: str) -> int:
        def edit(conn: Connection, vm: VirtualMachine, template: Template) -> int:
            disk = _disk(template, disk_id)
            if not disk.get("IMAGE_ID"):
                raise action_error("Cannot make snapshots on volatile disks", vm.oid)
            snap_id = snapshots.create(vm.root, disk_id, name, int(disk.get("SIZE") or 0), int(time.time()))
            _mark(disk, SNAPSHOT_MARKS, snap_id)
            return snap_id

        return self._disk_operation(req, vm_id, Event.DISK_SNAPSHOT_CREATE, edit)

    def disk_snapshot_revert(self, req: Request, vm_id: int, disk_id: int, snap_id: int) -> int:
        def edit(conn: Connection, vm: VirtualMachine, template: Template) -> int:
            disk = _disk(template, disk_id)
            if snapshots.snapshot(vm.root, disk_id, snap_id) is None:
                raise action_error(f"Disk id ({disk_id}) or snapshot id ({snap_id}) is not valid.", vm.oid)
            _mark(disk, SNAPSHOT_MARKS, snap_id)
            return vm.oid

        return self._disk_operation(req, vm_id, Event.DISK_SNAPSHOT_REVERT, edit)

    def disk_snapshot_delete(self, req: Request, vm_id: int, disk_id: int, snap_id: int) -> int:
        def edit(conn: Connection, vm: VirtualMachine, template: Template) -> int:
            disk = _disk(template, disk_id)
            reason = snapshots.check_delete(vm.root, disk_id, snap_id)
            if reason:
                raise action_error(reason, vm.oid)
            _mark(disk, SNAPSHOT_MARKS, snap_id)
            return vm.oid

        return self._disk_operation(req, vm_id, Event.DISK_SNAPSHOT_DELETE, edit)

    def disk_snapshot_rename(self, req: Request, vm_id: int, disk_id: int, snap_id: int, name: str) -> int:
        """Only the document changes, in any state (VirtualMachineDiskSnapshotRename)."""
        with self.core.store.write() as conn:
            vm = self.vm(req, conn, vm_id, AuthOp.MANAGE)
            _disk(vm.template, disk_id)
            reason = snapshots.rename(vm.root, disk_id, snap_id, name)
            if reason:
                raise action_error(reason, vm.oid)
            self.core.pools[ObjectType.VM].update(conn, vm)
        return vm_id

    def disk_methods(self) -> list[Method]:
        return [
            method("one.vm.diskresize", self.disk_resize, int, int, str),
            method("one.vm.disksaveas", self.disk_saveas, int, int, str, str, int),
            method("one.vm.disksnapshotcreate", self.disk_snapshot_create, int, int, str),
            method("one.vm.disksnapshotrevert", self.disk_snapshot_revert, int, int, int),
            method("one.vm.disksnapshotdelete", self.disk_snapshot_delete, int, int, int),
            method("one.vm.disksnapshotrename", self.disk_snapshot_rename, int, int, int, str),
        ]
