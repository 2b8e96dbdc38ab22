"""Host and datastore filters: predicates that drop candidates for a Demand.

Each filter is a small class with ``passes``; the order of HOST_FILTERS is
OpenNebula's ``match_host`` order, and the first filter that no host passes
names the VM's failure (so "not authorized" wins over "no capacity", which
wins over "requirements"). Static filters run once per Demand and host at
the start of a cycle; ``dynamic`` ones depend on the Load that placements
accumulate and run again before each placement. Adding a filter is one class
here and one registry line. Filters never mutate what they are given.
"""

from __future__ import annotations

from typing import ClassVar

from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.expr import compile_requirements
from oneedge.scheduler.model import DatastoreView, Demand, Failure, HostView, Load


class HostFilter:
    name: ClassVar[str]
    #: The VM's failure when this filter drops every host still in the running.
    failure: ClassVar[Failure]
    #: Re-checked against the current Load before each placement.
    dynamic: ClassVar[bool] = False

    def __init__(self, settings: SchedulerSettings) -> None:
        self.settings = settings

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        raise NotImplementedError

    def why(self, host: HostView, demand: Demand, load: Load) -> str:
        """Why ``host`` was dropped, for the log."""
        return self.name


class NotCurrentHost(HostFilter):
    """A rescheduled VM must leave its host."""

    name = "NotCurrentHost"
    failure = Failure.NO_HOSTS

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        return host.id != demand.resched_from


class Authorized(HostFilter):
    """The VM's owner may MANAGE the host (ACLs, checked when the snapshot is taken)."""

    name = "Authorized"
    failure = Failure.NOT_AUTHORIZED

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        return demand.hosts_allowed is None or host.id in demand.hosts_allowed


class Capacity(HostFilter):
    """MAX_CPU/MAX_MEM (after reservations and overcommit) minus what is in use covers the VM."""

    name = "Capacity"
    failure = Failure.NO_CAPACITY
    dynamic = True

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        return host.max_cpu - load.cpu_usage >= demand.cpu and host.max_mem - load.mem_usage >= demand.mem

    def why(self, host: HostView, demand: Demand, load: Load) -> str:
        if host.max_cpu - load.cpu_usage < demand.cpu:
            return f"Not enough CPU capacity: {demand.cpu}/{host.max_cpu - load.cpu_usage}"
        return f"Not enough memory: {demand.mem}/{host.max_mem - load.mem_usage}"


class Requirements(HostFilter):
    """SCHED_REQUIREMENTS (with AUTOMATIC_REQUIREMENTS) hold for the host's attributes.

    Evaluated once per distinct expression and host: VMs from different
    templates with the same requirements share the result.
    """

    name = "Requirements"
    failure = Failure.NO_MATCH

    def __init__(self, settings: SchedulerSettings) -> None:
        super().__init__(settings)
        self._results: dict[tuple[str, int], bool] = {}

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        key = (demand.requirements, host.id)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = compile_requirements(demand.requirements)(host.attributes)
        return result

    def why(self, host: HostView, demand: Demand, load: Load) -> str:
        return f"It does not fulfill SCHED_REQUIREMENTS: {demand.requirements}"


class DispatchLimit(HostFilter):
    """MAX_HOST: at most that many VMs go to one host per cycle."""

    name = "DispatchLimit"
    failure = Failure.NOT_DISPATCHED
    dynamic = True

    def passes(self, host: HostView, demand: Demand, load: Load) -> bool:
        return self.settings.max_host <= 0 or load.dispatched < self.settings.max_host


#: Host filters in the order they run.
HOST_FILTERS: tuple[type[HostFilter], ...] = (NotCurrentHost, Authorized, Capacity, Requirements, DispatchLimit)


class DatastoreFilter:
    name: ClassVar[str]
    failure: ClassVar[Failure]

    def passes(self, ds: DatastoreView, demand: Demand) -> bool:
        raise NotImplementedError


class DatastoreAuthorized(DatastoreFilter):
    name = "DatastoreAuthorized"
    failure = Failure.DS_NOT_AUTHORIZED

    def passes(self, ds: DatastoreView, demand: Demand) -> bool:
        return demand.datastores_allowed is None or ds.id in demand.datastores_allowed


class DatastoreCapacity(DatastoreFilter):
    """A shared system DS must be monitored and have room; local ones are checked per host at dispatch."""

    name = "DatastoreCapacity"
    failure = Failure.DS_NO_CAPACITY

    def passes(self, ds: DatastoreView, demand: Demand) -> bool:
        if not ds.shared or demand.resched or demand.resume:
            return True
        return ds.monitored and (demand.disk == 0 or demand.disk < ds.free_mb)


class DatastoreRequirements(DatastoreFilter):
    name = "DatastoreRequirements"
    failure = Failure.DS_NO_MATCH

    def passes(self, ds: DatastoreView, demand: Demand) -> bool:
        return compile_requirements(demand.ds_requirements)(ds.attributes)


DATASTORE_FILTERS: tuple[type[DatastoreFilter], ...] = (DatastoreAuthorized, DatastoreCapacity,
                                                         DatastoreRequirements)
