"""Scheduler benchmark: 10,000 pending VMs over 1,000 hosts, one placement cycle.

Run: ``.venv/bin/python bench/scheduler_bench.py [--vms N] [--hosts N] [--templates N]``.
Hosts are real ``<HOST>`` documents (flattened as the service does), VMs come
from a handful of templates with SCHED_REQUIREMENTS and the default
AUTOMATIC_REQUIREMENTS, in two clusters. Prints the time to build the
snapshot's host views and the time of ``place`` per policy; the target is
under 2 s per cycle.
"""

from __future__ import annotations

import argparse
import time

from lxml import etree

from oneedge.pool.host import Host
from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.expr import DATASTORE_PATHS, flatten
from oneedge.scheduler.model import DatastoreView, Demand, PendingVM, Snapshot
from oneedge.scheduler.placement import place
from oneedge.scheduler.snapshot import host_view


def hosts(count: int) -> list[Host]:
    out = []
    for i in range(count):
        cluster = 100 + i % 2
        host = Host.new(f"node{i:04d}", "dummy", "dummy", cluster, f"cluster{cluster}")
        host.oid = i
        host.set_capacity(800 + 100 * (i % 5), 16 * 1024 * 1024)
        host.set_datastores(500_000, 400_000, 100_000)
        template = host.template
        template.set("HYPERVISOR", "kvm" if i % 10 else "lxc")
        template.set("RACK", f"r{i % 20}")
        host.template = template
        out.append(host)
    return out


def demands(templates: int) -> list[Demand]:
    automatic = "(CLUSTER_ID = 100 | CLUSTER_ID = 101) & !(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)"
    out = []
    for t in range(templates):
        user = [f'HYPERVISOR = "kvm"', f'RACK != "r{t}"', "", 'NAME = "node0*"'][t % 4]
        requirements = f"{automatic} & ( {user} )" if user else automatic
        out.append(Demand(cpu=10 * (1 + t % 3), mem=65536 * (1 + t % 4), disk=1024,
                          requirements=requirements, ds_requirements='"CLUSTERS/ID" @> 100 | "CLUSTERS/ID" @> 101'))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=1_000)
    parser.add_argument("--templates", type=int, default=10)
    args = parser.parse_args()
    documents = hosts(args.hosts)
    start = time.perf_counter()
    views = tuple(host_view(host, {}) for host in documents)
    built = time.perf_counter() - start
    print(f"host views: {args.hosts} hosts flattened in {built:.3f} s")
    document = etree.fromstring("<DATASTORE><ID>0</ID><CLUSTERS><ID>100</ID><ID>101</ID></CLUSTERS></DATASTORE>")
    ds = DatastoreView(0, frozenset({100, 101}), shared=False, monitored=True, free_mb=0,
                       attributes=flatten(document, DATASTORE_PATHS))
    kinds = demands(args.templates)
    vms = tuple(PendingVM(i, kinds[i % len(kinds)]) for i in range(args.vms))
    snapshot = Snapshot(views, (ds,), vms)
    for policy in (0, 1, 2):
        settings = SchedulerSettings(max_vm=0, max_dispatch=0, max_host=0, policy=policy)
        start = time.perf_counter()
        plan = place(snapshot, settings)
        elapsed = time.perf_counter() - start
        used = len({p.host_id for p in plan.placements})
        print(f"policy {policy}: {len(plan.placements)} of {args.vms} VMs placed on {used} hosts, "
              f"{len(plan.unplaced)} unplaced, in {elapsed:.3f} s")


if __name__ == "__main__":
    main()
