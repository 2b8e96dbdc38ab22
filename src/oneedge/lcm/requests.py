"""Driver requests from documents: pure functions, facts in, frozen values out."""

from __future__ import annotations

from oneedge.drivers.dummy.script import ATTRIBUTES
from oneedge.drivers.requests import HostContext, VmContext
from oneedge.pool.host import Host
from oneedge.pool.vm import VirtualMachine


def _script(*templates: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for values in templates:
        merged.update({k: v for k, v in values.items() if k in ATTRIBUTES})
    return merged


def _singles(obj: VirtualMachine | Host | None, path: str) -> dict[str, str]:
    node = None if obj is None else obj.root.find(path)
    if node is None:
        return {}
    return {child.tag: child.text or "" for child in node if len(child) == 0}


def vm_context(vm: VirtualMachine, host: Host | None, placement: int = -1) -> VmContext:
    """The context of an action on ``vm`` at a placement: the history record at index
    ``placement``, the current one (the last) unless told.

    ``host`` is the placement's host document (None when the host is gone).
    The dummy script merges the host's TEMPLATE under the VM's USER_TEMPLATE.
    """
    records = vm.histories()
    index = len(records) + placement
    last = records[index] if records and index >= 0 else None
    previous = records[index - 1].get("HOSTNAME") if index > 0 else ""
    script = _script(_singles(host, "TEMPLATE"), _singles(vm, "USER_TEMPLATE"))
    return VmContext(
        vm_id=vm.oid, document=vm.body(), host=last.get("HOSTNAME") if last else "",
        host_document=host.body() if host is not None else "", host_id=last.get_int("HID") if last else -1,
        ds_id=last.get_int("DS_ID") if last else -1, deploy_id=vm.deploy_id, previous_host=previous,
        script=script)


def host_context(host: Host) -> HostContext:
    return HostContext(host.oid, host.name, host.body(), _script(_singles(host, "TEMPLATE")))
