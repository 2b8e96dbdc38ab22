"""The API core: one class per object kind offering its ``one.*`` methods.

The table below is the registry: a class per line, imported when the
front-end starts, built in this order (so bootstrap objects that others refer
to, such as groups before users, come first).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oneedge.nebula import Core

API_CLASSES: tuple[str, ...] = (
    "oneedge.rm.api.system:SystemAPI",
    "oneedge.rm.api.system:AclAPI",
    "oneedge.rm.api.group:GroupAPI",
    "oneedge.rm.api.user:UserAPI",
    "oneedge.rm.api.cluster:ClusterAPI",
    "oneedge.rm.api.host:HostAPI",
    "oneedge.rm.api.zone:ZoneAPI",
    "oneedge.rm.api.document:DocumentAPI",
    "oneedge.rm.api.hook:HookAPI",
    "oneedge.rm.api.vm:VMAPI",
    "oneedge.rm.api.vm_monitoring:VMMonitoringAPI",
    "oneedge.rm.api.vm_actions:VirtualMachineActionsAPI",
    "oneedge.rm.api.vmtemplate:VMTemplateAPI",
    "oneedge.rm.api.datastore:DatastoreAPI",
    "oneedge.rm.api.image:ImageAPI",
    "oneedge.rm.api.market:MarketAPI",
    "oneedge.rm.api.marketapp:MarketAppAPI",
    "oneedge.rm.api.secgroup:SecurityGroupAPI",
    "oneedge.rm.api.vnet:VirtualNetworkAPI",
    "oneedge.rm.api.vntemplate:VNTemplateAPI",
)


def load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def build(core: Core) -> list[Any]:
    return [load(path)(core) for path in API_CLASSES]
