"""Which drivers a step uses and with what: the StepRequest of a VM's step.

The VMM is the placement's VM_MAD and the TM its TM_MAD (the system
datastore's); NICs bring their VN_MADs. A host whose VMM driver is simulated
(``SIMULATED``, the dummy one) has no disks or networks to act on, so its
transfers and networks go to the dummy TM and VNM instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.datastore import layout
from oneedge.drivers.runner import DriverPool
from oneedge.lcm import disks, transfer
from oneedge.lcm.events import Step
from oneedge.lcm.networks import context_networks
from oneedge.lcm.requests import vm_context
from oneedge.lcm.steps import TRANSFER_PHASES, StepRequest
from oneedge.pool.host import Host
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import LcmState, VirtualMachine

if TYPE_CHECKING:
    from oneedge.nebula import Core

SIMULATED_TM, SIMULATED_VNM = "dummy", "dummy"
#: Steps whose transfer script is needed, with the script they run.
_SCRIPTS = {**{step: step for step in TRANSFER_PHASES}, Step.ATTACH_DISK: Step.PROLOG_ATTACH,
            Step.DETACH_DISK: Step.EPILOG_DETACH, Step.CLEANUP: Step.CLEANUP, Step.MIGRATE: Step.MIGRATE,
            Step.EPILOG_POWEROFF: Step.EPILOG}


def simulated(drivers: DriverPool, vm_mad: str) -> bool:
    if not drivers.has("vmm", vm_mad):
        return False
    return bool(getattr(drivers.runner("vmm", vm_mad).driver, "SIMULATED", False))


#: Where the element a hotplug step acts on is, how it is marked, and its ID attribute.
_TARGETS = {
    **{step: ("TEMPLATE/DISK", "ATTACH", "DISK_ID") for step in (
        Step.ATTACH_DISK, Step.DETACH_DISK, Step.PROLOG_ATTACH, Step.EPILOG_DETACH)},
    Step.ATTACH_NIC: ("TEMPLATE/NIC", "ATTACH", "NIC_ID"), Step.DETACH_NIC: ("TEMPLATE/NIC", "ATTACH", "NIC_ID"),
    **{step: ("TEMPLATE/SNAPSHOT", "ACTIVE", "SNAPSHOT_ID") for step in (
        Step.SNAPSHOT_CREATE, Step.SNAPSHOT_REVERT, Step.SNAPSHOT_DELETE)},
}


def _target(vm: VirtualMachine, step: Step) -> tuple[int, str]:
    """The disk, NIC or snapshot a hotplug step acts on, and its HYPERVISOR_ID (snapshots)."""
    if step not in _TARGETS:
        return -1, ""
    path, flag, key = _TARGETS[step]
    for node in vm.root.iterfind(path):
        if (node.findtext(flag) or "").upper() == "YES":
            return int(node.findtext(key) or -1), node.findtext("HYPERVISOR_ID") or ""
    return -1, ""


def _placement(core: Core, conn: Connection, vm: VirtualMachine, host: Host | None) -> tuple[int, Host | None]:
    """The history record (index) and host a step acts on: the current placement, except a
    VM leaving its host in SAVE_MIGRATE, saved (or shut down) where it runs, on the previous
    placement (OpenNebula's get_previous_hostname)."""
    records = vm.histories()
    if vm.lcm_state is not LcmState.SAVE_MIGRATE or len(records) < 2:
        return -1, host
    hosts = core.pools[ObjectType.HOST]
    host_id = records[-2].get_int("HID")
    return -2, hosts.get(conn, host_id) if hosts.exists(conn, host_id) else None


def step_request(core: Core, conn: Connection, drivers: DriverPool, vm: VirtualMachine, host: Host | None,
                 step: Step) -> StepRequest:
    placement, host = _placement(core, conn, vm, host)
    last = vm.histories()[placement] if vm.histories() else None
    vm_mad = last.get("VM_MAD") if last is not None else ""
    tm_mad = last.get("TM_MAD") if last is not None else ""
    vn_mads = sorted({nic.findtext("VN_MAD") or "" for nic in vm.nics()} - {""})
    if simulated(drivers, vm_mad):
        tm_mad = SIMULATED_TM
        vn_mads = [SIMULATED_VNM] if vn_mads else []
    ctx = vm_context(vm, host, placement)
    transfers: list = []
    if step in _SCRIPTS:
        ds_id = last.get_int("DS_ID") if last is not None else -1
        vm_dir = f"{layout.base_path(core.home, ds_id)}/{vm.oid}"
        transfers = transfer.plan(_SCRIPTS[step], vm, tm_mad, ctx.host, ctx.previous_host, vm_dir)
        if any(line.action == "CONTEXT" for line in transfers):
            ctx = replace(ctx, networks=context_networks(core.pools, conn, vm))
    target_id, hypervisor_id = _target(vm, step)
    if step in disks.ACTIONS:
        ds_id = last.get_int("DS_ID") if last is not None else -1
        line = disks.transfer_line(step, vm, tm_mad, ctx.host, f"{layout.base_path(core.home, ds_id)}/{vm.oid}")
        transfers = [] if line is None else [line]
        disk = disks.pending(vm)
        target_id = -1 if disk is None else int(disk.get("DISK_ID") or -1)
        hypervisor_id = str(-1 if disk is None else disks.snapshot_id(disk))
    return StepRequest(step, ctx, vm_mad, tm_mad, tuple(vn_mads), tuple(transfers), target_id, hypervisor_id)
