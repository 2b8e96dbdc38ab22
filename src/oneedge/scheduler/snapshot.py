"""Documents to the scheduler's frozen views, and the snapshot of one cycle from the database.

Which objects take part is OpenNebula's choice (HostPoolXML, SystemDatastorePoolXML,
VirtualMachinePoolXML): hosts in MONITORED or MONITORING_MONITORED, READY
system datastores, VMs PENDING or asking to be rescheduled (RESCHED = 1 while
RUNNING, UNKNOWN or POWEROFF). What a VM asks is VirtualMachineXML's reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.pool.datastore import Datastore, DatastoreType
from oneedge.pool.host import Host, HostState
from oneedge.errors import RequestError
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.user import User
from oneedge.pool.vm import HistoryAction, LcmState, VirtualMachine, VmState
from oneedge.rm.request import AuthTarget, AuthUser, permits
from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.expr import DATASTORE_PATHS, HOST_PATHS, flatten
from oneedge.scheduler.model import DatastoreView, Demand, HostView, PendingVM, Snapshot

#: Hosts carry no PERMISSIONS: oneadmin's, manageable by the owner only (PoolObject's default).
_HOST_PERMISSIONS = Permissions(1, 1, 0, 0, 0, 0, 0, 0, 0)
_RESUME_ACTIONS = {HistoryAction.STOP, HistoryAction.UNDEPLOY, HistoryAction.UNDEPLOY_HARD}


#: What a cluster's TEMPLATE adds to the attributes of each of its hosts.
ClusterAttributes = tuple[tuple[str, tuple[str, ...]], ...]


def cluster_attributes(cluster_template: etree._Element | None) -> ClusterAttributes:
    """The cluster's template as its hosts see it, under CLUSTER_TEMPLATE (for PRIORITY...)."""
    if cluster_template is None:
        return ()
    wrapper = etree.Element("HOST")
    wrapper.append(etree.fromstring(etree.tostring(cluster_template)))
    wrapper[0].tag = "CLUSTER_TEMPLATE"
    return tuple((name, values) for name, values in flatten(wrapper, HOST_PATHS).items()
                 if name != "/HOST" and not name.startswith("CLUSTER_TEMPLATE"))


def host_view(host: Host, clusters: Mapping[int, ClusterAttributes]) -> HostView:
    """A host with its cluster's ``cluster_attributes`` searchable as CLUSTER_TEMPLATE."""
    attributes = dict(flatten(host.root, HOST_PATHS))
    for name, values in clusters.get(host.cluster_id, ()):
        attributes[name] = attributes.get(name, ()) + values
    share = host.share()
    ds_free = {int(ds.findtext("ID", "-1")): int(ds.findtext("FREE_MB") or 0)
               for ds in host.root.iterfind("HOST_SHARE/DATASTORES/DS")}
    return HostView(host.oid, host.name, host.cluster_id, share.max_cpu, share.cpu_usage, share.max_mem,
                    share.mem_usage, share.running_vms, share.free_disk, MappingProxyType(ds_free),
                    MappingProxyType(attributes))


def datastore_view(ds: Datastore) -> DatastoreView:
    free, total, used = (ds.get_int(tag) for tag in ("FREE_MB", "TOTAL_MB", "USED_MB"))
    limit = ds.get("TEMPLATE/LIMIT_MB")
    if limit and limit.strip().lstrip("-").isdigit():
        free = max(int(limit) - used, 0)
    shared = (ds.get("TEMPLATE/SHARED") or "YES").upper() == "YES"
    return DatastoreView(ds.oid, frozenset(ds.clusters), shared, bool(free or total or used), free,
                         flatten(ds.root, DATASTORE_PATHS))


def _combined(automatic: str, user: str | None) -> str:
    """AUTOMATIC & ( user ), as VirtualMachineXML::init_attributes joins them."""
    if user is None:
        return automatic
    return f"{automatic} & ( {user} )" if automatic else user


def _system_disk(vm: VirtualMachine, memory_mb: int, scale: float) -> int:
    """MB the VM takes in its system datastore (VirtualMachineXML::init_storage_usage)."""
    total = 0.0
    for disk in vm.disks():
        size = disk.findtext("SIZE")
        if not size or not size.strip().isdigit():
            continue
        mb = int(size) + int(disk.findtext("DISK_SNAPSHOT_TOTAL_SIZE") or 0)
        if disk.findtext("IMAGE_ID") is None:
            total += mb  # volatile
        else:
            clone = (disk.findtext("CLONE") or "").upper() == "YES"
            target = disk.findtext("CLONE_TARGET" if clone else "LN_TARGET") or ""
            total += mb if target.upper() == "SYSTEM" else 0
    if memory_mb > 0 and scale >= 0:
        total += memory_mb * scale
    return int(total)


def pending_vm(vm: VirtualMachine, settings: SchedulerSettings, hosts_allowed: frozenset[int] | None,
               datastores_allowed: frozenset[int] | None) -> PendingVM:
    def text(path: str) -> str | None:
        return vm.root.findtext(path)

    try:
        cpu, memory = float(text("TEMPLATE/CPU") or 0), int(text("TEMPLATE/MEMORY") or 0)
    except ValueError:
        cpu, memory = 0.0, 0
    # VirtualMachineXML::get_capacity: no CPU or no memory means no demand at all.
    capacity = (int(cpu * 100), memory * 1024, _system_disk(vm, memory, settings.memory_system_ds_scale)) \
        if cpu and memory else (0, 0, 0)
    history = vm.last_history()
    resched = vm.get_int("RESCHED") == 1 and vm.state is not VmState.PENDING
    rank = text("USER_TEMPLATE/SCHED_RANK")
    demand = Demand(
        *capacity,
        requirements=_combined(text("TEMPLATE/AUTOMATIC_REQUIREMENTS") or "", text("USER_TEMPLATE/SCHED_REQUIREMENTS")),
        rank=rank if rank is not None else text("USER_TEMPLATE/RANK") or "",
        ds_requirements=_combined(text("TEMPLATE/AUTOMATIC_DS_REQUIREMENTS") or "",
                                  text("USER_TEMPLATE/SCHED_DS_REQUIREMENTS")),
        ds_rank=text("USER_TEMPLATE/SCHED_DS_RANK") or "",
        hosts_allowed=hosts_allowed, datastores_allowed=datastores_allowed,
        resched_from=history.get_int("HID") if resched and history else -1,
        resched_ds=history.get_int("DS_ID") if resched and history else -1,
        resume=history is not None and history.get_int("ACTION") in _RESUME_ACTIONS,
    )
    try:
        priority = int(text("USER_TEMPLATE/USER_PRIORITY") or 0)
    except ValueError:
        priority = 0
    return PendingVM(vm.oid, demand, priority, text("USER_TEMPLATE/SCHED_MESSAGE") or "")


class ViewCache:
    """The views of the previous cycle by document: a host or pending VM whose document did
    not change is not parsed again (most of them, from one cycle to the next)."""

    def __init__(self) -> None:
        self.hosts: dict[tuple[str, str], HostView] = {}
        self.vms: dict[tuple[str, object], PendingVM] = {}


def read_snapshot(conn: Connection, pools: Mapping[ObjectType, object], acl, settings: SchedulerSettings,
                  cache: ViewCache | None = None) -> Snapshot:
    """The hosts, system datastores and pending/rescheduled VMs of one cycle, read in ``conn``."""
    cache = cache or ViewCache()
    host_pool, ds_pool, vm_pool = pools[ObjectType.HOST], pools[ObjectType.DATASTORE], pools[ObjectType.VM]
    clusters = {c.oid: c.root.find("TEMPLATE") for c in pools[ObjectType.CLUSTER].objects(conn)}
    clusters_text = "".join(etree.tostring(t, encoding="unicode") for t in clusters.values() if t is not None)
    usable = host_pool.table.c.state.in_([HostState.MONITORED, HostState.MONITORING_MONITORED])
    host_views: dict[tuple[str, str], HostView] = {}
    # NOTE: a cluster's part of its hosts' views is computed once per cycle, not per host.
    cluster_views: dict[int, ClusterAttributes] | None = None
    for body in host_pool.bodies(conn, usable):
        key = (body, clusters_text)
        view = cache.hosts.get(key)
        if view is None:
            if cluster_views is None:
                cluster_views = {oid: cluster_attributes(template) for oid, template in clusters.items()}
            view = host_view(Host.from_body(body), cluster_views)
        host_views[key] = view
    cache.hosts = host_views
    hosts = list(host_views.values())
    datastores = [d for d in ds_pool.objects(conn) if d.ds_type is DatastoreType.SYSTEM_DS and d.enabled]
    c = vm_pool.table.c
    wanted = sa.or_(c.state == VmState.PENDING,
                    sa.and_(c.resched == 1,
                            sa.or_(c.state == VmState.POWEROFF,
                                   sa.and_(c.state == VmState.ACTIVE,
                                           c.lcm_state.in_([LcmState.RUNNING, LcmState.UNKNOWN])))))
    rights: dict[tuple[int, int], tuple[frozenset[int] | None, frozenset[int] | None]] = {}
    vm_views: dict[tuple[str, object], PendingVM] = {}
    query = sa.select(c.body, c.uid, c.gid).where(wanted).order_by(c.oid)
    for body, uid, gid in conn.execute(query):
        owner = (uid, gid)
        if owner not in rights:
            rights[owner] = _rights(conn, pools[ObjectType.USER], acl, uid, gid, hosts, datastores)
        key = (body, rights[owner])
        view = cache.vms.get(key)
        vm_views[key] = view if view is not None else pending_vm(VirtualMachine.from_body(body), settings,
                                                                 *rights[owner])
    cache.vms = vm_views
    return Snapshot(tuple(hosts), tuple(datastore_view(d) for d in datastores), tuple(vm_views.values()))


def _rights(conn: Connection, users, acl, uid: int, gid: int, hosts: list[HostView],
            datastores: list[Datastore]) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """Hosts the VM's owner may MANAGE and system datastores it may USE; None when it may use all.

    VMs of oneadmin or of the oneadmin group skip the check, as in OpenNebula's match_host.
    """
    if uid == 0 or gid == 0:
        return None, None
    try:
        user: User = users.get(conn, uid)
    except RequestError:
        return frozenset(), frozenset()  # a VM whose owner is gone may use nothing
    who = AuthUser(uid, gid, frozenset(user.groups | {gid}), user.name, "")

    def allowed(op: AuthOp, target: AuthTarget) -> bool:
        return permits(who, op, target) or acl.allows(who, op, target)

    host_ids = frozenset(h.id for h in hosts if allowed(
        AuthOp.MANAGE, AuthTarget(ObjectType.HOST, h.id, 0, 0, _HOST_PERMISSIONS, frozenset({h.cluster_id}))))
    ds_ids = frozenset(d.oid for d in datastores if allowed(AuthOp.USE, AuthTarget.of(d, d.clusters)))
    return host_ids, ds_ids
