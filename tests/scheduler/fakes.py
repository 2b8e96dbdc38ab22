"""Hosts, datastores and VMs for placement tests, built from real documents."""

from __future__ import annotations

from lxml import etree

from oneedge.pool.host import Host
from oneedge.scheduler.expr import DATASTORE_PATHS, flatten
from oneedge.scheduler.model import DatastoreView, Demand, HostView, PendingVM
from oneedge.scheduler.snapshot import host_view


def host(oid: int, cpu: int = 800, mem: int = 8 * 1024 * 1024, cluster: int = 0, used_cpu: int = 0,
         used_mem: int = 0, vms: int = 0, **template: str) -> HostView:
    document = Host.new(f"host{oid}", "dummy", "dummy", cluster, f"c{cluster}")
    document.oid = oid
    document.set_capacity(cpu, mem)
    document.set_datastores(100_000, 100_000, 0)
    for tag, value in (("CPU_USAGE", used_cpu), ("MEM_USAGE", used_mem), ("RUNNING_VMS", vms)):
        document.set(f"HOST_SHARE/{tag}", value)
    tmpl = document.template
    for name, value in template.items():
        tmpl.set(name, value)
    document.template = tmpl
    return host_view(document, {})


def datastore(oid: int = 0, clusters: tuple[int, ...] = (0,), shared: bool = False, free: int = 0,
              **template: str) -> DatastoreView:
    document = etree.Element("DATASTORE")
    etree.SubElement(document, "ID").text = str(oid)
    etree.SubElement(document, "FREE_MB").text = str(free)
    ids = etree.SubElement(document, "CLUSTERS")
    for cid in clusters:
        etree.SubElement(ids, "ID").text = str(cid)
    tmpl = etree.SubElement(document, "TEMPLATE")
    for name, value in template.items():
        etree.SubElement(tmpl, name).text = value
    return DatastoreView(oid, frozenset(clusters), shared, free > 0, free, flatten(document, DATASTORE_PATHS))


def vms(count: int, first: int = 0, **demand: object) -> tuple[PendingVM, ...]:
    """``count`` VMs sharing one Demand (as VMs of one template do): 1 CPU, 1 GB by default."""
    shared = Demand(**{"cpu": 100, "mem": 1024 * 1024, **demand})  # type: ignore[arg-type]
    return tuple(PendingVM(first + i, shared) for i in range(count))
