"""Filters as predicates, weighers, policy registries and the configuration."""

from __future__ import annotations

import pytest

from oneedge.scheduler import filters
from oneedge.scheduler.config import SchedulerConfigError, SchedulerSettings
from oneedge.scheduler.model import Demand, Load
from oneedge.scheduler.policies import DS_POLICIES, HOST_POLICIES, Weigher, normalized_scores
from oneedge.template import parse

from .fakes import datastore, host

SETTINGS = SchedulerSettings()


def test_capacity_filter_uses_the_running_load() -> None:
    check = filters.Capacity(SETTINGS)
    h = host(0, cpu=400, mem=4096, used_cpu=200)
    demand = Demand(cpu=200, mem=4096)
    assert check.passes(h, demand, Load.of(h))
    assert not check.passes(h, demand, Load.of(h).plus(Demand(cpu=1, mem=0)))
    assert check.why(h, Demand(cpu=300, mem=1), Load.of(h)) == "Not enough CPU capacity: 300/200"
    assert check.why(h, Demand(cpu=1, mem=5000), Load.of(h)) == "Not enough memory: 5000/4096"
    assert check.dynamic


def test_static_filters() -> None:
    h = host(3, HYPERVISOR="kvm")
    load = Load.of(h)
    assert not filters.NotCurrentHost(SETTINGS).passes(h, Demand(1, 1, resched_from=3), load)
    assert filters.NotCurrentHost(SETTINGS).passes(h, Demand(1, 1), load)
    assert filters.Authorized(SETTINGS).passes(h, Demand(1, 1), load)
    assert not filters.Authorized(SETTINGS).passes(h, Demand(1, 1, hosts_allowed=frozenset({1})), load)
    requirements = filters.Requirements(SETTINGS)
    assert requirements.passes(h, Demand(1, 1, requirements="HYPERVISOR = kvm & ID = 3"), load)
    assert not requirements.passes(h, Demand(1, 1, requirements="HYPERVISOR = xen"), load)


def test_dispatch_limit_is_max_host() -> None:
    h = host(0)
    limit = filters.DispatchLimit(SchedulerSettings(max_host=2))
    load = Load.of(h).plus(Demand(1, 1))
    assert limit.passes(h, Demand(1, 1), load)
    assert not limit.passes(h, Demand(1, 1), load.plus(Demand(1, 1)))
    assert filters.DispatchLimit(SchedulerSettings(max_host=0)).passes(h, Demand(1, 1), load.plus(Demand(1, 1)))


def test_datastore_filters() -> None:
    shared = datastore(0, shared=True, free=100)
    assert filters.DatastoreCapacity().passes(shared, Demand(1, 1, disk=99))
    assert not filters.DatastoreCapacity().passes(shared, Demand(1, 1, disk=100))
    assert filters.DatastoreCapacity().passes(shared, Demand(1, 1, disk=100, resume=True))
    assert filters.DatastoreCapacity().passes(datastore(1), Demand(1, 1, disk=10**9))  # local: per host
    assert filters.DatastoreRequirements().passes(datastore(2, TIER="fast"), Demand(1, 1, ds_requirements="TIER = fast"))
    assert not filters.DatastoreAuthorized().passes(shared, Demand(1, 1, datastores_allowed=frozenset()))


def test_weighers_follow_the_load_only_for_usage_counters() -> None:
    h = host(0, vms=2)
    striping = HOST_POLICIES[1]().weighers(Demand(1, 1))
    (weigher,) = striping
    assert weigher.dynamic and weigher.weigh(h.attributes) == -2
    assert weigher.weigh(h.attributes, Load.of(h).plus(Demand(1, 1))) == -3
    assert not Weigher("FREE_CPU").dynamic
    assert Weigher("RUNNING_VMS +").weigh(h.attributes) == 0  # a broken rank ranks 0, as OpenNebula logs and goes on


def test_policy_registries_are_opennebulas_numbers() -> None:
    ranks = {n: HOST_POLICIES[n]("R").default_rank for n in HOST_POLICIES}
    assert ranks == {0: "RUNNING_VMS", 1: "- RUNNING_VMS", 2: "FREE_CPU", 3: "R", 4: "PRIORITY"}
    assert {n: DS_POLICIES[n]("R").default_rank for n in DS_POLICIES} == {0: "- FREE_MB", 1: "FREE_MB", 2: "R",
                                                                           3: "PRIORITY"}
    assert HOST_POLICIES[1]().weighers(Demand(1, 1, rank="ID"))[0].text == "ID"
    assert DS_POLICIES[1]().weighers(Demand(1, 1, rank="ID", ds_rank="TOTAL_MB"))[0].text == "TOTAL_MB"


def test_normalization_scales_by_the_largest_magnitude_then_weights() -> None:
    weighers = [Weigher("A"), Weigher("B", weight=2.0)]
    scores, scales = normalized_scores(weighers, [[10, 1], [-5, 2], [0, 0]])
    assert scales == [10, 2]
    assert scores == [1.0 + 1.0, -0.5 + 2.0, 0.0]


def test_settings_from_oned_conf() -> None:
    conf = parse('SCHED_INTERVAL = 5\nMAX_HOST = 3\nLIVE_RESCHEDS = 1\n'
                 'DEFAULT_SCHED = [ POLICY = 3, RANK = "FREE_CPU" ]\nDEFAULT_DS_SCHED = [ POLICY = 0 ]\n')
    settings = SchedulerSettings.from_template(conf)
    assert (settings.interval, settings.max_host, settings.live_rescheds) == (5.0, 3, True)
    assert (settings.policy, settings.rank, settings.ds_policy, settings.max_dispatch) == (3, "FREE_CPU", 0, 30)
    for bad, message in (("DEFAULT_SCHED = [ POLICY = 7 ]", "POLICY 7"), ("MAX_VM = lots", "MAX_VM"),
                         ("SCHED_INTERVAL = 0", "SCHED_INTERVAL")):
        with pytest.raises(SchedulerConfigError, match=message):
            SchedulerSettings.from_template(parse(bad))
