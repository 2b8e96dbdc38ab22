"""``one.host.*``, ``one.hostpool.info`` and ``one.hostpool.monitoring``.

Hosts are oneadmin's: creating, updating, renaming, deleting and changing
their status need ADMIN (as OpenNebula's HostAllocate, HostUpdateTemplate,
HostRename, HostDelete, HostStatus). Driver names are only checked to be
non-empty here; checking them against oned.conf's IM_MAD/VM_MAD comes with
the drivers.
"""

from __future__ import annotations

import time
from typing import Callable

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, internal_error
from oneedge.pool import host as hosts
from oneedge.pool.cluster import DEFAULT_CLUSTER_ID
from oneedge.pool.host import Host, HostStatus
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.cluster import ClusterAPI
from oneedge.rm.api.shared import FILTER_ALL, ObjectAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import AuthTarget, Request

_HOSTNAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")

#: What ``one.host.status`` does for each status argument.
STATUS_ACTIONS: dict[HostStatus, Callable[[Host], None]] = {
    HostStatus.ENABLED: Host.enable,
    HostStatus.DISABLED: Host.disable,
    HostStatus.OFFLINE: Host.offline,
}


def check_hostname(name: str) -> None:
    """Host names as HostPool::allocate accepts them (INTERNAL errors, as there)."""
    if not 2 <= len(name) <= 63:
        raise internal_error("Invalid HOSTNAME, HOSTNAME length should be greater than 1, "
                             "but smaller than 64 characters")
    if name[0] in "-._":
        raise internal_error(f"Invalid HOSTNAME, first character can't be '{name[0]}'")
    for char in name:
        if char not in _HOSTNAME_CHARS:
            raise internal_error(f"Invalid HOSTNAME, '{char}' is invalid character for a HOSTNAME")


class HostAPI(ObjectAPI[Host]):
    KIND = ObjectType.HOST
    PREFIX = "one.host"
    POOL_PREFIX = "one.hostpool"
    POOL_ROOT = "HOST_POOL"
    VERBS = ("info", "update", "rename", "delete")
    NAME_PER_OWNER = False
    DELETE_OP = AuthOp.ADMIN
    UPDATE_OP = AuthOp.ADMIN
    RENAME_OP = AuthOp.ADMIN

    @property
    def clusters(self) -> ClusterAPI:
        return self.core.api(ClusterAPI)

    # -- hooks ------------------------------------------------------------------------------
    def auth_target(self, conn: Connection, obj: Host) -> AuthTarget:
        # The cluster matters to ACL rules such as "@100 HOST/%100 MANAGE".
        return AuthTarget(ObjectType.HOST, obj.oid, obj.uid, obj.gid, obj.permissions,
                          frozenset({obj.cluster_id} - {-1}))

    def document(self, req: Request, conn: Connection, obj: Host) -> str:
        return obj.with_monitoring(hosts.last_monitoring(conn, obj.oid))

    def after_update(self, req: Request, conn: Connection, obj: Host) -> None:
        # IM_MAD and VM_MAD stay in the template; an empty or missing one keeps the driver.
        template = obj.template
        im_mad = template.get("IM_MAD") or obj.im_mad
        vm_mad = template.get("VM_MAD") or obj.vm_mad
        template.set("IM_MAD", im_mad)
        template.set("VM_MAD", vm_mad)
        obj.template = template
        obj.set_drivers(im_mad, vm_mad)
        self.apply_reservations(conn, obj)

    def before_delete(self, req: Request, conn: Connection, obj: Host) -> None:
        if obj.vms or obj.share().running_vms > 0:
            raise action_error("Cannot delete host. Can not remove a host with running VMs", obj.oid)
        self.clusters.forget(conn, obj)
        hosts.drop_monitoring(conn, obj.oid)

    # -- for the monitor and the scheduler ----------------------------------------------------
    def apply_reservations(self, conn: Connection, host: Host) -> None:
        """Recompute MAX_CPU/MAX_MEM from the host's RESERVED_CPU/MEM, else its cluster's (Host::reserved_capacity)."""
        template = host.template
        rcpu, rmem = template.get("RESERVED_CPU") or "", template.get("RESERVED_MEM") or ""
        if (not rcpu or not rmem) and self.clusters.pool.exists(conn, host.cluster_id):
            cluster = self.clusters.get(conn, host.cluster_id).template
            rcpu = rcpu or cluster.get("RESERVED_CPU") or ""
            rmem = rmem or cluster.get("RESERVED_MEM") or ""
        share = host.share()
        host.set_capacity(share.total_cpu, share.total_mem, rcpu, rmem)

    # -- verbs --------------------------------------------------------------------------------
    def allocate(self, req: Request, name: str, im_mad: str, vm_mad: str, cluster_id: int = -1) -> int:
        if cluster_id == -1:
            cluster_id = DEFAULT_CLUSTER_ID
        with self.core.store.write() as conn:
            cluster = self.clusters.get(conn, cluster_id)
            req.authorize_create(ObjectType.HOST, [cluster_id])
            self.clusters.authorize(req, conn, AuthOp.ADMIN, cluster)
            check_hostname(name)
            if not im_mad:
                raise internal_error("IM_MAD_NAME cannot be empty.")
            if not vm_mad:
                raise internal_error("VMM_MAD_NAME cannot be empty.")
            other = self.pool.get_by_name(conn, name)
            if other is not None:
                raise internal_error(f"NAME is already taken by HOST {other.oid}.")
            host = Host.new(name, im_mad, vm_mad, cluster_id, cluster.name)
            oid = self.pool.allocate(conn, host)
            self.clusters.link(conn, cluster_id, host)
            self.pool.update(conn, host)
        return oid

    def status(self, req: Request, oid: int, status: int) -> int:
        with self.core.store.write() as conn:
            host = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.ADMIN, host)
            try:
                action = STATUS_ACTIONS[HostStatus(status)]
            except ValueError:
                raise internal_error("Wrong status code") from None
            action(host)
            self.pool.update(conn, host)
        return oid

    def pool_info(self, req: Request) -> str:  # type: ignore[override]
        return super().pool_info(req, FILTER_ALL)

    def monitoring(self, req: Request, oid: int) -> str:
        with self.core.store.read() as conn:
            host = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, host, check_lock=False)
            records = hosts.monitoring_records(conn, [oid], -1, int(time.time()))
        return f"<MONITORING_DATA>{''.join(records)}</MONITORING_DATA>"

    def pool_monitoring(self, req: Request, seconds: int = -1) -> str:
        """Records of the hosts the caller may see: all (-1), the last of each (0) or of the last seconds."""
        with self.core.store.read() as conn:
            records = hosts.monitoring_records(conn, self.visible_ids(req), seconds, int(time.time()))
        return f"<MONITORING_DATA>{''.join(records)}</MONITORING_DATA>"

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.host.allocate", self.allocate, str, str, str, int),
            method("one.host.status", self.status, int, int),
            method("one.host.monitoring", self.monitoring, int),
            method("one.hostpool.info", self.pool_info),
            method("one.hostpool.monitoring", self.pool_monitoring, int),
        ]
