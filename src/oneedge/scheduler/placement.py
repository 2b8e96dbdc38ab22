"""The placement function: a Snapshot in, a Plan out (OpenNebula's match_schedule + dispatch).

1. Match, once per distinct Demand: run the host filters over every host
   (logging which filter dropped each), the datastore filters over every
   system datastore, and rank the survivors with the policies into a heap.
2. Dispatch, VM by VM in priority then ID order, up to MAX_DISPATCH: take the
   best host from the Demand's heap that still passes the dynamic filters
   (capacity, MAX_HOST) and has a system datastore in its cluster with room;
   charge the VM to the host's Load and the datastore's free space.

Capacity only shrinks during a cycle, so a host that no longer fits a Demand
leaves its heap for good; hosts whose rank follows their load are pushed
again, with a new version, after each placement. The cost is about
demands x hosts for matching plus VMs x log(hosts) for dispatching, not
VMs x hosts. The input is never mutated.
"""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from dataclasses import dataclass, field

from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.expr import ExpressionError, compile_requirements
from oneedge.scheduler.filters import DATASTORE_FILTERS, HOST_FILTERS, HostFilter
from oneedge.scheduler.model import (DatastoreView, Demand, Failure, HostView, Load, PendingVM, Placement, Plan,
                                     Snapshot, Unplaced)
from oneedge.scheduler.policies import DS_POLICIES, HOST_POLICIES, Policy, Weigher, normalized_scores

log = logging.getLogger("oneedge.scheduler")


@dataclass
class _Group:
    """The matching result of one Demand, and its heap of (-score, host id, version)."""

    demand: Demand
    failure: Failure | None = None
    error: str = ""
    heap: list[tuple[float, int, int]] = field(default_factory=list)
    weighers: list[Weigher] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    datastores: list[DatastoreView] = field(default_factory=list)
    #: Whether some weigher follows the hosts' load (then entries carry host versions).
    dynamic: bool = False


class _Cycle:
    """The mutable state of one call to :func:`place`: loads, free space, heaps."""

    def __init__(self, snapshot: Snapshot, settings: SchedulerSettings) -> None:
        self.settings = settings
        self.hosts = {host.id: host for host in snapshot.hosts}
        self.datastores = snapshot.datastores
        self.filters: list[HostFilter] = [cls(settings) for cls in HOST_FILTERS]
        self.dynamic_filters = [f for f in self.filters if f.dynamic]
        self.host_policy: Policy = HOST_POLICIES[settings.policy](settings.rank)
        self.ds_policy: Policy = DS_POLICIES[settings.ds_policy](settings.ds_rank)
        self.loads = {host.id: Load.of(host) for host in snapshot.hosts}
        self.versions = dict.fromkeys(self.hosts, 0)
        self.shared_free = {ds.id: ds.free_mb for ds in snapshot.datastores if ds.shared}
        self.local_free: dict[tuple[int, int], int] = {}
        self.groups: dict[Demand, _Group] = {}
        #: Dynamic groups each host is a candidate of, to push it again after a placement.
        self.watchers: dict[int, list[_Group]] = {}

    # -- matching ---------------------------------------------------------------------
    def group(self, vm: PendingVM) -> _Group:
        group = self.groups.get(vm.demand)
        if group is None:
            group = self.groups[vm.demand] = self.match(vm)
        return group

    def match(self, vm: PendingVM) -> _Group:
        demand = vm.demand
        group = _Group(demand)
        try:
            compile_requirements(demand.requirements)
        except ExpressionError as exc:
            group.failure, group.error = Failure.REQUIREMENTS_ERROR, str(exc)
            return group
        candidates, passed = self.match_hosts(vm)
        if not candidates:
            group.failure = self.host_failure(passed)
            return group
        group.datastores, group.failure, group.error = self.match_datastores(demand)
        if group.failure is not None:
            return group
        group.weighers = self.host_policy.weighers(demand)
        group.dynamic = any(w.dynamic for w in group.weighers)
        raw = [[w.weigh(host.attributes, self.loads[host.id]) for w in group.weighers] for host in candidates]
        scores, group.scales = normalized_scores(group.weighers, raw)
        group.heap = [(-score, host.id, 0) for score, host in zip(scores, candidates)]
        heapq.heapify(group.heap)
        if group.dynamic:
            for host in candidates:
                self.watchers.setdefault(host.id, []).append(group)
        return group

    def match_hosts(self, vm: PendingVM) -> tuple[list[HostView], Counter[int]]:
        """The hosts passing every filter, and how many hosts passed each filter (by index)."""
        demand = vm.demand
        dropped: Counter[str] = Counter()
        passed: Counter[int] = Counter()
        candidates = []
        debug = log.isEnabledFor(logging.DEBUG)
        for host in self.hosts.values():
            load = self.loads[host.id]
            for index, check in enumerate(self.filters):
                if not check.passes(host, demand, load):
                    dropped[check.name] += 1
                    if debug:
                        log.debug("Host %d discarded for VM %d by %s: %s", host.id, vm.id, check.name,
                                  check.why(host, demand, load))
                    break
                passed[index] += 1
            else:
                candidates.append(host)
        if dropped:
            log.info("VM %d (and VMs like it): %d of %d hosts match; dropped by %s", vm.id, len(candidates),
                     len(self.hosts), ", ".join(f"{name}: {count}" for name, count in dropped.items()))
        return candidates, passed

    def host_failure(self, passed: Counter[int]) -> Failure:
        """The failure of the first filter no host passed (OpenNebula's n_auth, n_fits, n_matched)."""
        if not self.hosts:
            return Failure.NO_HOSTS
        for index, check in enumerate(self.filters):
            if passed[index] == 0:
                return check.failure
        return Failure.NOT_DISPATCHED

    def match_datastores(self, demand: Demand) -> tuple[list[DatastoreView], Failure | None, str]:
        if demand.resched:
            # A rescheduled VM keeps its system datastore (Scheduler::match_schedule).
            return [ds for ds in self.datastores if ds.id == demand.resched_ds], None, ""
        if not self.datastores:
            return [], Failure.NO_SYSTEM_DS, ""
        try:
            compile_requirements(demand.ds_requirements)
        except ExpressionError as exc:
            return [], Failure.DS_REQUIREMENTS_ERROR, str(exc)
        survivors = list(self.datastores)
        for cls in DATASTORE_FILTERS:
            check = cls()
            survivors = [ds for ds in survivors if check.passes(ds, demand)]
            if not survivors:
                return [], cls.failure, ""
        weighers = self.ds_policy.weighers(demand)
        scores, _ = normalized_scores(weighers, [[w.weigh(ds.attributes) for w in weighers] for ds in survivors])
        ranked = sorted(zip(scores, survivors), key=lambda pair: (-pair[0], pair[1].id))
        return [ds for _, ds in ranked], None, ""

    # -- dispatching ---------------------------------------------------------------------
    def dispatch(self, vm: PendingVM, group: _Group) -> Placement | None:
        demand = vm.demand
        heap = group.heap
        while heap:
            _, host_id, version = heap[0]
            if group.dynamic and version != self.versions[host_id]:
                heapq.heappop(heap)  # a newer entry of this host is in the heap
                continue
            host, load = self.hosts[host_id], self.loads[host_id]
            if not all(check.passes(host, demand, load) for check in self.dynamic_filters):
                heapq.heappop(heap)
                continue
            ds = self.pick_datastore(group, host)
            if ds is None:
                heapq.heappop(heap)
                continue
            self.charge(host, ds, demand)
            return Placement(vm.id, host.id, ds.id, demand.resched)
        return None

    def pick_datastore(self, group: _Group, host: HostView) -> DatastoreView | None:
        demand = group.demand
        for ds in group.datastores:
            if host.cluster_id not in ds.cluster_ids:
                continue
            if ds.shared:
                fits = ds.monitored and (demand.resched or demand.resume or demand.disk == 0
                                         or demand.disk < self.shared_free[ds.id])
            else:
                free = self.local_free.get((host.id, ds.id), host.ds_free.get(ds.id, host.free_disk))
                fits = demand.disk == 0 or demand.disk < free
            if fits:
                return ds
        return None

    def charge(self, host: HostView, ds: DatastoreView, demand: Demand) -> None:
        load = self.loads[host.id] = self.loads[host.id].plus(demand)
        if ds.shared:
            if not (demand.resched or demand.resume):
                self.shared_free[ds.id] -= demand.disk
        else:
            key = (host.id, ds.id)
            self.local_free[key] = self.local_free.get(key, host.ds_free.get(ds.id, host.free_disk)) - demand.disk
        self.versions[host.id] += 1
        version = self.versions[host.id]
        # Groups of one policy share their rank expression: evaluate each once.
        values: dict[str, float] = {}
        for group in self.watchers.get(host.id, ()):
            score = 0.0
            for weigher, scale in zip(group.weighers, group.scales):
                value = values.get(weigher.text)
                if value is None:
                    value = values[weigher.text] = weigher.weigh(host.attributes, load)
                score += weigher.weight * value / scale
            heapq.heappush(group.heap, (-score, host.id, version))


def place(snapshot: Snapshot, settings: SchedulerSettings) -> Plan:
    """Where each pending VM of ``snapshot`` goes, and why the others stay pending."""
    cycle = _Cycle(snapshot, settings)
    vms = sorted(snapshot.vms, key=lambda vm: vm.id)
    if settings.max_vm > 0:
        vms = vms[:settings.max_vm]
    vms.sort(key=lambda vm: (-vm.priority, vm.id))
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    for vm in vms:
        if 0 < settings.max_dispatch <= len(placements):
            unplaced.append(Unplaced(vm.id, Failure.DISPATCH_LIMIT, ""))
            continue
        group = cycle.group(vm)
        if group.failure is not None:
            unplaced.append(Unplaced(vm.id, group.failure, group.failure.message(vm.demand, group.error)))
            continue
        placement = cycle.dispatch(vm, group)
        if placement is None:
            unplaced.append(Unplaced(vm.id, Failure.NOT_DISPATCHED, Failure.NOT_DISPATCHED.message(vm.demand)))
        else:
            placements.append(placement)
    return Plan(tuple(placements), tuple(unplaced))
