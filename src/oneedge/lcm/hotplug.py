"""Finishing a hotplug: what a pending attach, detach, snapshot or resize leaves in the VM.

The API marks the pending element with ``ATTACH = "YES"`` (a DISK or NIC) or
``ACTIVE = "YES"`` (a SNAPSHOT), as OpenNebula does, and records the action
in the history; a hotplug resize keeps the old figures in ``TEMPLATE/RESIZE``.
When the driver answers, :func:`commit` or :func:`rollback` settles it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.lcm.capacity import capacity
from oneedge.pool.vm import HistoryAction, VirtualMachine
from oneedge.rm.api.image import ImageAPI
from oneedge.rm.api.vnet import VirtualNetworkAPI
from oneedge.template import Template, VectorAttribute

if TYPE_CHECKING:
    from oneedge.lcm.effects import Effects, Outcome


def _pending(template: Template, name: str, flag: str) -> VectorAttribute | None:
    return next((v for v in template.vectors(name) if (v.get(flag) or "").upper() == "YES"), None)


def _action(vm: VirtualMachine) -> HistoryAction:
    last = vm.last_history()
    return HistoryAction(last.get_int("ACTION")) if last is not None else HistoryAction.NONE


def _drop(effects: Effects, conn: Connection, vm: VirtualMachine, template: Template,
          element: VectorAttribute) -> None:
    """Remove a DISK (freeing its image) or a NIC (freeing its lease) from the VM."""
    template.discard(element)
    if element.name == "DISK" and element.get("IMAGE_ID"):
        effects.core.api(ImageAPI).release(conn, int(element.get("IMAGE_ID") or -1), vm.oid)
    if element.name == "NIC" and element.get("AR_ID"):
        effects.release_nic(conn, effects.core.api(VirtualNetworkAPI), vm.oid, element.get("NETWORK_ID"),
                            element.get("IP") or element.get("IP6") or element.get("MAC") or "")


def commit(effects: Effects, conn: Connection, vm: VirtualMachine, outcome: Outcome) -> None:
    template = vm.template
    action = _action(vm)
    kind = {HistoryAction.DISK_ATTACH: "DISK", HistoryAction.DISK_DETACH: "DISK",
            HistoryAction.NIC_ATTACH: "NIC", HistoryAction.NIC_DETACH: "NIC"}.get(action)
    if kind is not None:
        element = _pending(template, kind, "ATTACH")
        if element is not None:
            if action in (HistoryAction.DISK_DETACH, HistoryAction.NIC_DETACH):
                _drop(effects, conn, vm, template, element)
            else:
                element.remove("ATTACH")
    snapshot = _pending(template, "SNAPSHOT", "ACTIVE")
    if snapshot is not None:
        if action is HistoryAction.SNAPSHOT_DELETE:
            template.discard(snapshot)
        else:
            snapshot.remove("ACTIVE")
            if action is HistoryAction.SNAPSHOT_CREATE and outcome.hypervisor_id:
                snapshot.set("HYPERVISOR_ID", outcome.hypervisor_id)
    template.remove("RESIZE")
    vm.template = template


def rollback(effects: Effects, conn: Connection, vm: VirtualMachine) -> None:
    template = vm.template
    action = _action(vm)
    for kind in ("DISK", "NIC"):
        element = _pending(template, kind, "ATTACH")
        if element is None:
            continue
        if action in (HistoryAction.DISK_ATTACH, HistoryAction.NIC_ATTACH):
            _drop(effects, conn, vm, template, element)
        else:
            element.remove("ATTACH")
    snapshot = _pending(template, "SNAPSHOT", "ACTIVE")
    if snapshot is not None:
        if action is HistoryAction.SNAPSHOT_CREATE:
            template.discard(snapshot)
        else:
            snapshot.remove("ACTIVE")
    resize = template.vectors("RESIZE")
    if resize:
        new = capacity(vm)
        for name in ("CPU", "MEMORY", "VCPU"):
            if resize[0].get(name):
                template.set(name, resize[0].get(name) or "")
        template.remove("RESIZE")
        vm.template = template
        effects.move_capacity(conn, vm, new)
        return
    vm.template = template
