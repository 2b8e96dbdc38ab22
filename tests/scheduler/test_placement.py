"""The placement function: policies, filters, failures, limits, rescheduling; input untouched."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.model import Demand, Failure, PendingVM, Placement, Snapshot
from oneedge.scheduler.placement import place

from .fakes import datastore, host, vms

UNLIMITED = SchedulerSettings(max_dispatch=0, max_host=0)


def counts(plan) -> Counter[int]:
    return Counter(p.host_id for p in plan.placements)


def test_striping_spreads_and_packing_packs() -> None:
    hosts = tuple(host(i) for i in range(4))
    snapshot = Snapshot(hosts, (datastore(),), vms(8))
    assert counts(place(snapshot, UNLIMITED)) == {0: 2, 1: 2, 2: 2, 3: 2}
    packed = place(snapshot, SchedulerSettings(max_dispatch=0, max_host=0, policy=0))
    assert counts(packed) == {0: 8}  # 8 CPUs fit the first host exactly


def test_packing_prefers_busy_hosts_and_overflows_when_full() -> None:
    hosts = (host(0), host(1, vms=5, used_cpu=600), host(2, vms=1))
    plan = place(Snapshot(hosts, (datastore(),), vms(4)), SchedulerSettings(max_dispatch=0, max_host=0, policy=0))
    assert [p.host_id for p in plan.placements] == [1, 1, 2, 2]


def test_load_aware_and_fixed_and_custom_policies() -> None:
    hosts = (host(0, PRIORITY="1"), host(1, PRIORITY="9"), host(2, PRIORITY="5"))
    snapshot = Snapshot(hosts, (datastore(),), vms(1))
    assert place(snapshot, SchedulerSettings(policy=4)).placements[0].host_id == 1
    custom = SchedulerSettings(policy=3, rank="- PRIORITY")
    assert place(snapshot, custom).placements[0].host_id == 0
    # A VM's SCHED_RANK replaces the default policy.
    ranked = Snapshot(hosts, (datastore(),), vms(1, rank="PRIORITY * -1 + 6"))
    assert place(ranked, SchedulerSettings(policy=4)).placements[0].host_id == 0


def test_capacity_and_overcommit() -> None:
    small = host(0, cpu=100, mem=1024 * 1024)
    plan = place(Snapshot((small,), (datastore(),), vms(2)), UNLIMITED)
    assert [p.vm_id for p in plan.placements] == [0]
    assert plan.failure_of(1) is Failure.NOT_DISPATCHED
    none_fit = place(Snapshot((small,), (datastore(),), vms(1, cpu=200)), UNLIMITED)
    assert none_fit.unplaced[0].message == "Cannot dispatch VM: No host with enough capacity to deploy the VM"


def test_requirements_filter_and_messages() -> None:
    hosts = (host(0, HYPERVISOR="kvm"), host(1, HYPERVISOR="lxc"))
    plan = place(Snapshot(hosts, (datastore(),), vms(2, requirements='HYPERVISOR = "lx*"')), UNLIMITED)
    assert {p.host_id for p in plan.placements} == {1}
    impossible = place(Snapshot(hosts, (datastore(),), vms(1, requirements="HYPERVISOR = xen")), UNLIMITED)
    (unplaced,) = impossible.unplaced
    assert unplaced.failure is Failure.NO_MATCH
    assert unplaced.message == "Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: HYPERVISOR = xen"
    broken = place(Snapshot(hosts, (datastore(),), vms(1, requirements="HYPERVISOR =")), UNLIMITED)
    assert broken.unplaced[0].failure is Failure.REQUIREMENTS_ERROR
    assert broken.unplaced[0].message.startswith("Error in SCHED_REQUIREMENTS: 'HYPERVISOR =', error: syntax error")


def test_failure_is_the_first_filter_no_host_passed() -> None:
    hosts = (host(0, cpu=50), host(1, cpu=50))
    # Not authorized on any host wins over capacity.
    assert place(Snapshot(hosts, (datastore(),), vms(1, hosts_allowed=frozenset())), UNLIMITED) \
        .unplaced[0].failure is Failure.NOT_AUTHORIZED
    assert place(Snapshot(hosts, (datastore(),), vms(1, hosts_allowed=frozenset({1}))), UNLIMITED) \
        .unplaced[0].failure is Failure.NO_CAPACITY
    assert place(Snapshot((), (datastore(),), vms(1)), UNLIMITED).unplaced[0].failure is Failure.NO_HOSTS


def test_cluster_requirements_and_datastores() -> None:
    hosts = (host(0, cluster=100), host(1, cluster=101))
    stores = (datastore(0, clusters=(100,)), datastore(1, clusters=(101,)))
    plan = place(Snapshot(hosts, stores, vms(2, requirements="CLUSTER_ID = 101")), UNLIMITED)
    assert {(p.host_id, p.ds_id) for p in plan.placements} == {(1, 1)}
    # A datastore requirement picks the datastore, and with it the cluster.
    plan = place(Snapshot(hosts, stores, vms(1, ds_requirements='"CLUSTERS/ID" @> 100')), UNLIMITED)
    assert plan.placements == (Placement(0, 0, 0),)
    none = place(Snapshot(hosts, stores, vms(1, ds_requirements="ID = 9")), UNLIMITED)
    assert none.unplaced[0].failure is Failure.DS_NO_MATCH
    assert place(Snapshot(hosts, (), vms(1)), UNLIMITED).unplaced[0].failure is Failure.NO_SYSTEM_DS


def test_shared_datastore_capacity_is_charged() -> None:
    shared = datastore(0, shared=True, free=2500)
    plan = place(Snapshot((host(0), host(1)), (shared,), vms(3, disk=1000)), UNLIMITED)
    assert len(plan.placements) == 2
    assert plan.failure_of(2) is Failure.NOT_DISPATCHED
    unmonitored = datastore(0, shared=True, free=0)
    assert place(Snapshot((host(0),), (unmonitored,), vms(1, disk=10)), UNLIMITED).unplaced[0].failure \
        is Failure.DS_NO_CAPACITY


def test_dispatch_limits() -> None:
    hosts = tuple(host(i) for i in range(3))
    plan = place(Snapshot(hosts, (datastore(),), vms(10)), SchedulerSettings(max_dispatch=4, max_host=1))
    assert len(plan.placements) == 3  # MAX_HOST = 1 on three hosts
    assert counts(plan) == {0: 1, 1: 1, 2: 1}
    plan = place(Snapshot(hosts, (datastore(),), vms(10)), SchedulerSettings(max_dispatch=4, max_host=2))
    assert len(plan.placements) == 4
    assert [u.failure for u in plan.unplaced].count(Failure.DISPATCH_LIMIT) == 6
    assert all(u.message == "" for u in plan.unplaced if u.failure is Failure.DISPATCH_LIMIT)
    assert len(place(Snapshot(hosts, (datastore(),), vms(10)), SchedulerSettings(max_vm=2, max_host=0)).unplaced) == 0


def test_priority_then_age_decides_who_gets_scarce_capacity() -> None:
    demand = Demand(cpu=800, mem=1024)
    pending = (PendingVM(1, demand), PendingVM(2, demand, priority=5), PendingVM(3, demand))
    plan = place(Snapshot((host(0),), (datastore(),), pending), UNLIMITED)
    assert [p.vm_id for p in plan.placements] == [2]
    pending = (PendingVM(4, demand), PendingVM(3, demand))
    assert [p.vm_id for p in place(Snapshot((host(0),), (datastore(),), pending), UNLIMITED).placements] == [3]


def test_resched_leaves_the_current_host_and_keeps_the_datastore() -> None:
    hosts = (host(0, vms=1, used_cpu=100), host(1))
    stores = (datastore(0), datastore(1))
    plan = place(Snapshot(hosts, stores, vms(1, resched_from=1, resched_ds=1)), UNLIMITED)
    assert plan.placements == (Placement(0, 0, 1, resched=True),)
    alone = place(Snapshot((host(1),), stores, vms(1, resched_from=1, resched_ds=1)), UNLIMITED)
    assert alone.placements == ()


def test_vms_without_cpu_or_memory_fit_anywhere() -> None:
    plan = place(Snapshot((host(0, cpu=0, mem=0),), (datastore(),), vms(2, cpu=0, mem=0)), UNLIMITED)
    assert len(plan.placements) == 2


def test_the_snapshot_is_not_mutated_and_the_plan_is_deterministic() -> None:
    snapshot = Snapshot(tuple(host(i) for i in range(5)), (datastore(),), vms(20) + vms(5, first=20, cpu=50))
    def state(snap: Snapshot) -> object:
        return repr(snap), [(dict(h.attributes), dict(h.ds_free)) for h in snap.hosts]

    before = state(snapshot)
    first, second = place(snapshot, UNLIMITED), place(snapshot, UNLIMITED)
    assert state(snapshot) == before and first == second


def test_log_names_the_filter_that_dropped_each_host(caplog: pytest.LogCaptureFixture) -> None:
    hosts = (host(0, HYPERVISOR="kvm"), host(1, cpu=10), host(2, HYPERVISOR="lxc"))
    with caplog.at_level(logging.DEBUG, logger="oneedge.scheduler"):
        place(Snapshot(hosts, (datastore(),), vms(1, requirements="HYPERVISOR = kvm")), UNLIMITED)
    text = caplog.text
    assert "Host 1 discarded for VM 0 by Capacity: Not enough CPU capacity: 100/10" in text
    assert "Host 2 discarded for VM 0 by Requirements" in text
    assert "dropped by Capacity: 1, Requirements: 1" in text
