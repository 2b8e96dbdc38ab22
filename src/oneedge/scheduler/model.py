"""The scheduler's input and output: frozen snapshots in, a frozen plan out.

Nothing here reads the database or knows about XML; ``snapshot.py`` builds
these from documents and ``placement.place`` turns a Snapshot into a Plan.
Capacity units are OpenNebula's: CPU in percent of a core, memory in KB,
disk in MB.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from oneedge.scheduler.expr import Attributes



def _empty() -> Mapping:
    return MappingProxyType({})


class Failure(Enum):
    """Why a VM stays pending (OpenNebula's SchedulerFailure), with the SCHED_MESSAGE text."""

    NO_HOSTS = "Cannot dispatch VM: No hosts enabled to run VMs"
    NOT_AUTHORIZED = "Cannot dispatch VM: User is not authorized to use any host"
    NO_CAPACITY = "Cannot dispatch VM: No host with enough capacity to deploy the VM"
    NO_MATCH = "Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: {requirements}"
    REQUIREMENTS_ERROR = "Error in SCHED_REQUIREMENTS: '{requirements}', error: {error}"
    NO_SYSTEM_DS = "Cannot dispatch VM: No system datastores found to run VMs"
    DS_NOT_AUTHORIZED = "Cannot dispatch VM: User is not authorized to use any system datastore"
    DS_NO_CAPACITY = "Cannot dispatch VM: No system datastore with enough capacity for the VM"
    DS_NO_MATCH = ("Cannot dispatch VM: No system datastore meets capacity and SCHED_DS_REQUIREMENTS: "
                   "{ds_requirements}")
    DS_REQUIREMENTS_ERROR = "Error in SCHED_DS_REQUIREMENTS: '{ds_requirements}', error: {error}"
    NOT_DISPATCHED = ("Cannot dispatch VM to any Host. Possible reasons: Not enough capacity in Host or "
                      "System DS, dispatch limit reached, or limit of free leases reached.")
    #: MAX_DISPATCH was reached before the VM's turn: not the VM's fault, nothing is written.
    DISPATCH_LIMIT = ""

    def message(self, demand: Demand, error: str = "") -> str:
        return self.value.format(requirements=demand.requirements, ds_requirements=demand.ds_requirements,
                                 error=error)


@dataclass(frozen=True)
class HostView:
    """A host that can run VMs (MONITORED), as the cycle starts."""

    id: int
    name: str
    cluster_id: int
    max_cpu: int
    cpu_usage: int
    max_mem: int
    mem_usage: int
    running_vms: int
    #: HOST_SHARE/DATASTORES/FREE_DISK: local system datastores without a DS entry of their own.
    free_disk: int = 0
    #: Free MB of each local system datastore the host reports (HOST_SHARE/DATASTORES/DS).
    ds_free: Mapping[int, int] = field(default_factory=_empty, compare=False)
    attributes: Attributes = field(default_factory=_empty, repr=False, compare=False)


@dataclass(frozen=True)
class DatastoreView:
    """A READY system datastore."""

    id: int
    cluster_ids: frozenset[int]
    #: Shared (SHARED = YES): one capacity for every host; else each host's local disk counts.
    shared: bool
    #: Whether the datastore reported any capacity (a shared one that did not cannot take VMs).
    monitored: bool
    free_mb: int
    attributes: Attributes = field(default_factory=_empty, repr=False, compare=False)


@dataclass(frozen=True)
class Demand:
    """What a VM asks of hosts and datastores. VMs from one template share one Demand,
    so matching and ranking run once for all of them."""

    cpu: int
    mem: int
    disk: int = 0
    #: AUTOMATIC_REQUIREMENTS combined with SCHED_REQUIREMENTS, as the VM's scheduler sees them.
    requirements: str = ""
    #: SCHED_RANK; empty for the default policy.
    rank: str = ""
    ds_requirements: str = ""
    ds_rank: str = ""
    #: Hosts the owner may MANAGE and system datastores it may USE; None: all (oneadmin's group).
    hosts_allowed: frozenset[int] | None = None
    datastores_allowed: frozenset[int] | None = None
    #: A rescheduled VM: the host it leaves and the system datastore it keeps.
    resched_from: int = -1
    resched_ds: int = -1
    #: A stopped or undeployed VM coming back: its disks are already in a shared system DS.
    resume: bool = False

    @property
    def resched(self) -> bool:
        return self.resched_from >= 0


@dataclass(frozen=True)
class PendingVM:
    id: int
    demand: Demand
    #: USER_TEMPLATE/USER_PRIORITY: higher goes first (OpenNebula's UserPriorityPolicy).
    priority: int = 0
    #: The VM's current USER_TEMPLATE/SCHED_MESSAGE, "" if none.
    sched_message: str = ""


@dataclass(frozen=True)
class Snapshot:
    hosts: tuple[HostView, ...]
    datastores: tuple[DatastoreView, ...]
    vms: tuple[PendingVM, ...]


@dataclass(frozen=True)
class Placement:
    vm_id: int
    host_id: int
    ds_id: int
    #: A move of a running VM (one.vm.migrate) rather than a first deployment.
    resched: bool = False


@dataclass(frozen=True)
class Unplaced:
    vm_id: int
    failure: Failure
    #: The SCHED_MESSAGE text, without its time stamp ("" writes nothing).
    message: str


@dataclass(frozen=True)
class Plan:
    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]

    def __iter__(self) -> Iterator[Placement]:
        return iter(self.placements)

    def failure_of(self, vm_id: int) -> Failure | None:
        return next((u.failure for u in self.unplaced if u.vm_id == vm_id), None)


@dataclass(frozen=True)
class Load:
    """A host's usage as placements accumulate during a cycle (a new Load per placement)."""

    cpu_usage: int
    mem_usage: int
    running_vms: int
    #: VMs this cycle placed on the host (checked against MAX_HOST).
    dispatched: int = 0

    @classmethod
    def of(cls, host: HostView) -> Load:
        return cls(host.cpu_usage, host.mem_usage, host.running_vms)

    def plus(self, demand: Demand) -> Load:
        return Load(self.cpu_usage + demand.cpu, self.mem_usage + demand.mem, self.running_vms + 1,
                    self.dispatched + 1)
