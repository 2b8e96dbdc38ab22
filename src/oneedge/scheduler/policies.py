"""Placement policies: weighers that rank the hosts and datastores a VM may use.

A weigher returns a number per candidate, bigger is better. For each
Demand, the policy's weighers are normalized over the candidates (divided by
the largest absolute value, as OpenNebula's SchedulerPolicy scales them),
multiplied by their weight and summed. OpenNebula's policies are rank
expressions (SchedulerTemplate::get_policy); a VM's SCHED_RANK
(SCHED_DS_RANK) replaces the default policy's rank, as RankHostPolicy does.
Adding a policy is one class and one registry line.

NOTE: ranks naming a host's usage counters (RUNNING_VMS, CPU_USAGE,
MEM_USAGE) see the placements made earlier in the same cycle, so striping
spreads and packing packs even when MAX_HOST allows several VMs per host;
OpenNebula ranks once per cycle. Normalization keeps the cycle's first scale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import ClassVar

from oneedge.scheduler.expr import Attributes, ExpressionError, Rank, compile_rank
from oneedge.scheduler.model import Demand, Load

log = logging.getLogger("oneedge.scheduler")

#: Host attributes whose value follows the cycle's placements.
LOAD_ATTRIBUTES = frozenset({"RUNNING_VMS", "CPU_USAGE", "MEM_USAGE"})


class LoadedAttributes(Mapping[str, tuple[str, ...]]):
    """A host's attributes with its usage counters taken from a Load."""

    __slots__ = ("base", "load")

    def __init__(self, base: Attributes, load: Load) -> None:
        self.base = base
        self.load = load

    def __getitem__(self, name: str) -> tuple[str, ...]:
        values = self.base[name]
        if name in LOAD_ATTRIBUTES:
            counter = {"RUNNING_VMS": self.load.running_vms, "CPU_USAGE": self.load.cpu_usage,
                       "MEM_USAGE": self.load.mem_usage}[name]
            return (str(counter), *values[1:])
        return values

    def __iter__(self) -> Iterator[str]:
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)


class Weigher:
    """A rank expression, evaluated on a candidate's attributes; 0 when it cannot be parsed."""

    def __init__(self, text: str, weight: float = 1.0) -> None:
        self.text = text
        self.weight = weight
        try:
            self.rank: Rank | None = compile_rank(text)
        except ExpressionError as exc:
            log.error("Computing rank, expression: %s, error: %s", text, exc)
            self.rank = None
        #: Whether the value changes as VMs are placed on the host.
        self.dynamic = self.rank is not None and bool(self.rank.names & LOAD_ATTRIBUTES)

    def weigh(self, attributes: Attributes, load: Load | None = None) -> float:
        if self.rank is None:
            return 0.0
        return float(self.rank(LoadedAttributes(attributes, load) if self.dynamic and load else attributes))


class Policy:
    """Ranks candidates: ``weighers`` for a Demand, by default one rank expression."""

    number: ClassVar[int]
    rank: ClassVar[str] = ""

    def __init__(self, rank: str = "") -> None:
        # Only the Custom policies take their rank from the configuration.
        self.default_rank = self.rank or rank

    def vm_rank(self, demand: Demand) -> str:
        return demand.rank

    def weighers(self, demand: Demand) -> list[Weigher]:
        rank = self.vm_rank(demand) or self.default_rank
        return [Weigher(rank)] if rank else []


class Packing(Policy):
    """0: use as few hosts as possible: the busiest first."""

    number, rank = 0, "RUNNING_VMS"


class Striping(Policy):
    """1: spread VMs: the emptiest first."""

    number, rank = 1, "- RUNNING_VMS"


class LoadAware(Policy):
    """2: the hosts with the most free CPU (monitored) first."""

    number, rank = 2, "FREE_CPU"


class Custom(Policy):
    """3: DEFAULT_SCHED's RANK expression."""

    number = 3


class Fixed(Policy):
    """4: the PRIORITY attribute of the host or its cluster."""

    number, rank = 4, "PRIORITY"


class DatastorePolicy(Policy):
    def vm_rank(self, demand: Demand) -> str:
        return demand.ds_rank


class DatastorePacking(DatastorePolicy):
    """0: fill the datastore with the least free space first."""

    number, rank = 0, "- FREE_MB"


class DatastoreStriping(DatastorePolicy):
    """1: the datastore with the most free space first."""

    number, rank = 1, "FREE_MB"


class DatastoreCustom(DatastorePolicy):
    """2: DEFAULT_DS_SCHED's RANK expression."""

    number = 2


class DatastoreFixed(DatastorePolicy):
    """3: the PRIORITY attribute of the datastore."""

    number, rank = 3, "PRIORITY"


#: DEFAULT_SCHED/POLICY and DEFAULT_DS_SCHED/POLICY numbers (sched.conf).
HOST_POLICIES: dict[int, type[Policy]] = {p.number: p for p in (Packing, Striping, LoadAware, Custom, Fixed)}
DS_POLICIES: dict[int, type[Policy]] = {p.number: p for p in (DatastorePacking, DatastoreStriping,
                                                                DatastoreCustom, DatastoreFixed)}


def normalized_scores(weighers: list[Weigher], raw: list[list[float]]) -> tuple[list[float], list[float]]:
    """Scores of candidates from raw[candidate][weigher], and each weigher's scale (largest |value|)."""
    scales = [max((abs(row[i]) for row in raw), default=0.0) or 1.0 for i in range(len(weighers))]
    scores = [sum(w.weight * row[i] / scales[i] for i, w in enumerate(weighers)) for row in raw]
    return scores, scales
