"""``one.vm.attach``/``detach``, ``attachnic``/``detachnic``, ``resize`` and ``snapshot*``.

The element being plugged is added to (or marked in) the VM document in the
same transaction as the transition, marked ``ATTACH = "YES"`` (disks, NICs)
or ``ACTIVE = "YES"`` (snapshots) until the driver answers; see
``oneedge.lcm.hotplug`` for how the answer settles it. A mixin of
``VirtualMachineActionsAPI``, which provides ``vm``, ``lcm`` and ``core``.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, action_error
from oneedge.lcm import machine
from oneedge.lcm.capacity import capacity
from oneedge.lcm.dispatch import fits
from oneedge.lcm.events import VERBS, Event
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vm import HistoryAction, LcmState, VirtualMachine, VmState
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.api.shared import parse_template
from oneedge.rm.api.vnet import VirtualNetworkAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import SingleAttribute, Template, VectorAttribute

RUNNING = (VmState.ACTIVE, LcmState.RUNNING)


def _wrong(event: Event, vm: VirtualMachine) -> RequestError:
    return action_error(f"Could not {VERBS[event]} VM {vm.oid}, wrong state "
                        f"{machine.state_name((vm.state, vm.lcm_state))}.", vm.oid)


def _next_id(template: Template, name: str, key: str) -> int:
    ids = [int(v.get(key) or -1) for v in template.vectors(name)]
    return max(ids, default=-1) + 1


def _one_vector(text: str, name: str) -> VectorAttribute:
    vectors = parse_template(text).vectors(name)
    if len(vectors) != 1:
        raise RequestError(ErrorCode.INTERNAL, f"The template must hold exactly one {name} vector")
    return vectors[0]


class HotplugVerbs:
    core: Any

    def vm(self, req: Request, conn: Connection, vm_id: int, op: AuthOp) -> VirtualMachine: ...

    lcm: Any

    def _plug(self, conn: Connection, req: Request, vm: VirtualMachine, event: Event) -> None:
        capabilities = self.lcm.drivers.runner("vmm", vm.last_history().get("VM_MAD")).driver.CAPABILITIES
        if (vm.state, vm.lcm_state) == RUNNING:
            needed = {Event.DISK_ATTACH: capabilities.hotplug_disk, Event.DISK_DETACH: capabilities.hotplug_disk,
                      Event.NIC_ATTACH: capabilities.hotplug_nic, Event.NIC_DETACH: capabilities.hotplug_nic,
                      Event.RESIZE: capabilities.resize}.get(event, capabilities.snapshots)
            if not needed:
                raise action_error(f"Action {event.value} is not supported by driver "
                                   f"{vm.last_history().get('VM_MAD')}", vm.oid)
        self.lcm.transition(conn, vm, event, req=req)

    def _hotplug(self, req: Request, vm_id: int, event: Event, edit) -> int:
        with self.core.store.write() as conn:
            vm = self.vm(req, conn, vm_id, AuthOp.MANAGE)
            try:
                machine.transition((vm.state, vm.lcm_state), event)
            except machine.NotAllowed:
                raise _wrong(event, vm) from None
            result = edit(conn, vm)
            self._plug(conn, req, vm, event)
        return vm_id if result is None else result

    # -- disks ------------------------------------------------------------------------------------
    def attach(self, req: Request, vm_id: int, text: str) -> int:
        disk = _one_vector(text, "DISK")

        def edit(conn: Connection, vm: VirtualMachine) -> None:
            template = vm.template
            # NOTE(e2e): the context CD holds a DISK_ID too, as VirtualMachine::set_up_attach_disk counts it.
            disk.set("DISK_ID", str(max(_next_id(template, "DISK", "DISK_ID"),
                                        _next_id(template, "CONTEXT", "DISK_ID"))))
            if disk.get("IMAGE_ID") is not None or disk.get("IMAGE") is not None:
                self.core.api(ImageAPI).acquire(conn, req, disk, vm.oid, uid=vm.uid, attach=True)
            elif (disk.get("TYPE") or "").lower() not in ("fs", "swap") or not (disk.get("SIZE") or "").isdigit():
                raise action_error("A volatile DISK needs TYPE fs or swap and a SIZE in MB", vm.oid)
            disk.set("ATTACH", "YES")
            template.add(disk)
            vm.template = template

        return self._hotplug(req, vm_id, Event.DISK_ATTACH, edit)

    def detach(self, req: Request, vm_id: int, disk_id: int) -> int:
        def edit(conn: Connection, vm: VirtualMachine) -> None:
            self._mark(vm, "DISK", "DISK_ID", disk_id, "ATTACH",
                       f"Could not detach disk with DISK_ID {disk_id}, it does not exist.")

        return self._hotplug(req, vm_id, Event.DISK_DETACH, edit)

    @staticmethod
    def _mark(vm: VirtualMachine, name: str, key: str, oid: int, flag: str, missing: str) -> VectorAttribute:
        template = vm.template
        for vector in template.vectors(name):
            if vector.get(key) == str(oid):
                vector.set(flag, "YES")
                vm.template = template
                return vector
        raise action_error(missing, vm.oid)

    # -- NICs ---------------------------------------------------------------------------------------
    def attachnic(self, req: Request, vm_id: int, text: str) -> int:
        nic = _one_vector(text, "NIC")

        def edit(conn: Connection, vm: VirtualMachine) -> None:
            template = vm.template
            nic.set("NIC_ID", str(_next_id(template, "NIC", "NIC_ID")))
            self.core.api(VirtualNetworkAPI).allocate_lease(conn, req, nic, vm.oid)
            nic.set("ATTACH", "YES")
            template.add(nic)
            vm.template = template

        return self._hotplug(req, vm_id, Event.NIC_ATTACH, edit)

    def detachnic(self, req: Request, vm_id: int, nic_id: int) -> int:
        def edit(conn: Connection, vm: VirtualMachine) -> None:
            self._mark(vm, "NIC", "NIC_ID", nic_id, "ATTACH", f"Could not find NIC with NIC_ID {nic_id}.")

        return self._hotplug(req, vm_id, Event.NIC_DETACH, edit)

    # -- resize ---------------------------------------------------------------------------------------
    def resize(self, req: Request, vm_id: int, text: str, enforce: bool = False) -> int:
        new = parse_template(text)

        def edit(conn: Connection, vm: VirtualMachine) -> None:
            template = vm.template
            old = capacity(vm)
            if (vm.state, vm.lcm_state) == RUNNING:
                template.add(VectorAttribute("RESIZE", [(n, template.get(n) or "") for n in ("CPU", "MEMORY", "VCPU")
                                                        if template.get(n)]))
            for name, kind in (("CPU", float), ("MEMORY", int), ("VCPU", int)):
                value = new.get(name)
                if value is None:
                    continue
                try:
                    if kind(value) <= 0:
                        raise ValueError
                except ValueError:
                    raise RequestError(ErrorCode.INTERNAL, f"{name} must be a positive number") from None
                template.set(name, value)
            vm.template = template
            if enforce and vm.last_history() is not None and vm.state in (VmState.POWEROFF, VmState.ACTIVE):
                host = self.core.pools[ObjectType.HOST].get(conn, vm.last_history().get_int("HID"))
                cpu, memory = capacity(vm)
                share = host.share()
                if cpu - old[0] > share.max_cpu - share.cpu_usage or memory - old[1] > share.max_mem - share.mem_usage:
                    raise action_error(f"Cannot resize VM {vm.oid}: {fits(host, vm) or 'not enough capacity'}",
                                       vm.oid)
            self.lcm.effects.move_capacity(conn, vm, old)

        return self._hotplug(req, vm_id, Event.RESIZE, edit)

    # -- snapshots ---------------------------------------------------------------------------------------
    def snapshot_create(self, req: Request, vm_id: int, name: str = "") -> int:
        created: list[int] = []

        def edit(conn: Connection, vm: VirtualMachine) -> int:
            template = vm.template
            snap_id = _next_id(template, "SNAPSHOT", "SNAPSHOT_ID")
            template.add(VectorAttribute("SNAPSHOT", [
                ("ACTIVE", "YES"), ("HYPERVISOR_ID", ""), ("NAME", name or f"snapshot-{snap_id}"),
                ("SNAPSHOT_ID", str(snap_id)), ("TIME", str(int(time.time())))]))
            vm.template = template
            created.append(snap_id)
            return snap_id

        return self._hotplug(req, vm_id, Event.SNAPSHOT_CREATE, edit)

    def _snapshot(self, req: Request, vm_id: int, snap_id: int, event: Event) -> int:
        def edit(conn: Connection, vm: VirtualMachine) -> None:
            self._mark(vm, "SNAPSHOT", "SNAPSHOT_ID", snap_id, "ACTIVE",
                       f"Could not find snapshot with SNAPSHOT_ID {snap_id}.")

        return self._hotplug(req, vm_id, event, edit)

    def snapshot_revert(self, req: Request, vm_id: int, snap_id: int) -> int:
        return self._snapshot(req, vm_id, snap_id, Event.SNAPSHOT_REVERT)

    def snapshot_delete(self, req: Request, vm_id: int, snap_id: int) -> int:
        return self._snapshot(req, vm_id, snap_id, Event.SNAPSHOT_DELETE)

    def hotplug_methods(self) -> list[Method]:
        return [
            method("one.vm.attach", self.attach, int, str),
            method("one.vm.detach", self.detach, int, int),
            method("one.vm.attachnic", self.attachnic, int, str),
            method("one.vm.detachnic", self.detachnic, int, int),
            method("one.vm.resize", self.resize, int, str, bool),
            method("one.vm.snapshotcreate", self.snapshot_create, int, str),
            method("one.vm.snapshotrevert", self.snapshot_revert, int, int),
            method("one.vm.snapshotdelete", self.snapshot_delete, int, int),
        ]


__all__ = ["HistoryAction", "HotplugVerbs", "SingleAttribute"]
