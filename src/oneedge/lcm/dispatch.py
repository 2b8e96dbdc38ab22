"""Placing VMs: the checks and history records of ``one.vm.deploy`` and ``one.vm.migrate``.

Runs in the caller's write transaction; raises RequestError with
OpenNebula's messages and then nothing has changed. The transition itself is
the lifecycle manager's (``LifeCycleManager.transition``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.errors import action_error
from oneedge.lcm.capacity import capacity
from oneedge.lcm.events import Event
from oneedge.lcm.plan import simulated
from oneedge.pool.datastore import Datastore, DatastoreType
from oneedge.pool.host import Host, HostState
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import HistoryAction, VirtualMachine

if TYPE_CHECKING:
    from oneedge.lcm.manager import LifeCycleManager
    from oneedge.rm.request import Request

#: Hosts a VM cannot be placed on, whatever ``enforce`` says.
_UNUSABLE = {HostState.OFFLINE}


@dataclass(frozen=True)
class Placement:
    host: Host
    datastore: Datastore


def deploy_event(vm: VirtualMachine) -> Event:
    """DEPLOY, or the resuming variants when the VM left its last host stopped or undeployed."""
    last = vm.last_history()
    action = HistoryAction(last.get_int("ACTION")) if last is not None else HistoryAction.NONE
    if action is HistoryAction.STOP:
        return Event.DEPLOY_RESUME
    if action in (HistoryAction.UNDEPLOY, HistoryAction.UNDEPLOY_HARD):
        return Event.DEPLOY_UNDEPLOYED
    return Event.DEPLOY


def fits(host: Host, vm: VirtualMachine) -> str:
    """Why the VM does not fit in the host's free capacity ("" when it does): HostShare::test."""
    cpu, memory = capacity(vm)
    share = host.share()
    free_cpu, free_mem = share.max_cpu - share.cpu_usage, share.max_mem - share.mem_usage
    if cpu > free_cpu:
        return f"Not enough CPU capacity: {cpu}/{free_cpu}."
    if memory > free_mem:
        return f"Not enough memory capacity: {memory}/{free_mem}."
    return ""


class Placer:
    """The checks shared by deploy and migrate."""

    def __init__(self, lcm: LifeCycleManager) -> None:
        self.lcm = lcm
        self.core = lcm.core

    def pool(self, kind: ObjectType):
        return self.core.pools[kind]

    def host(self, conn: Connection, host_id: int) -> Host:
        return self.pool(ObjectType.HOST).get(conn, host_id)  # NO_EXISTS when there is none

    def system_datastore(self, conn: Connection, host: Host, ds_id: int) -> Datastore:
        """The system datastore asked for (in the host's cluster), or the cluster's first one."""
        datastores = self.pool(ObjectType.DATASTORE)
        cluster_id = host.cluster_id
        if ds_id == -1:
            cluster = self.pool(ObjectType.CLUSTER).get(conn, cluster_id)
            for candidate in sorted(cluster.members(ObjectType.DATASTORE)):
                ds = datastores.get(conn, candidate)
                if ds.ds_type is DatastoreType.SYSTEM_DS and ds.enabled:
                    return ds
            raise action_error(f"No system datastore found in cluster [{cluster_id}] of host [{host.oid}].")
        ds = datastores.get(conn, ds_id)
        if ds.ds_type is not DatastoreType.SYSTEM_DS:
            raise action_error(f"Datastore [{ds_id}] is not a system datastore.")
        if cluster_id not in ds.clusters:
            raise action_error(f"Datastore [{ds_id}] and Host [{host.oid}] are not in the same "
                               f"Cluster [{cluster_id}].")
        return ds

    def check_host(self, vm: VirtualMachine, host: Host, enforce: bool) -> None:
        if host.state in _UNUSABLE:
            raise action_error(f"Host [{host.oid}] is {host.state.name} and cannot run VMs.")
        if enforce or (vm.get("TEMPLATE/TOPOLOGY/PIN_POLICY") or "NONE").upper() != "NONE":
            reason = fits(host, vm)
            if reason:
                raise action_error(f"VM [{vm.oid}] does not fit in Host [{host.oid}]. {reason}")

    def check_drivers(self, host: Host, ds: Datastore) -> None:
        drivers = self.lcm.drivers
        if not drivers.has("vmm", host.vm_mad):
            raise action_error(f"Host [{host.oid}] uses VM_MAD {host.vm_mad}, which oned.conf does not configure.")
        if not simulated(drivers, host.vm_mad) and not drivers.has("tm", ds.tm_mad):
            raise action_error(f"Datastore [{ds.oid}] uses TM_MAD {ds.tm_mad}, which oned.conf does not configure.")

    def open_history(self, vm: VirtualMachine, host: Host, ds: Datastore, req: Request) -> None:
        """A new placement record (RequestManagerVirtualMachine::add_history)."""
        vm.add_history(HOSTNAME=host.name, HID=host.oid, CID=host.cluster_id, STIME=int(time.time()),
                       VM_MAD=host.vm_mad, TM_MAD=ds.tm_mad, DS_ID=ds.oid, UID=req.user.uid, GID=req.user.gid)
        template = vm.template
        template.set("TM_MAD_SYSTEM", ds.tm_mad)
        vm.template = template
