"""SYSTEM_HOST data applied to a Host document (OpenNebula's ``Host::update_info``).

Single attributes go to the host's TEMPLATE (HYPERVISOR, MODELNAME,
TOTALCPU...); capacity, datastores, NUMA nodes and PCI devices go to
HOST_SHARE. What the front-end owns there is kept: PCI devices keep the VM
they are assigned to, and NUMA nodes keep their usage when the topology is
unchanged. The caller applies reservations and saves.
"""

from __future__ import annotations

from oneedge.monitor.probe_data import Value, single, vectors
from oneedge.pool.host import HugePage, Host, NumaCore, NumaNode

#: Attributes that describe the share, not the template.
_SHARE_ONLY = {"DS_LOCATION_TOTAL_MB", "DS_LOCATION_FREE_MB", "DS_LOCATION_USED_MB"}


def _int(value: str | None) -> int:
    try:
        return int(float(value)) if value else 0
    except ValueError:
        return 0


def numa_nodes(pairs: list[tuple[str, Value]]) -> list[NumaNode]:
    ids = sorted({_int(v.get("NODE_ID")) for name in ("CORE", "HUGEPAGE", "MEMORY_NODE") for v in vectors(pairs, name)})
    nodes = []
    for node_id in ids:
        cores = tuple(NumaCore(_int(c.get("ID")), ",".join(f"{cpu}:-1" for cpu in (c.get("CPUS") or "").split(",") if cpu))
                      for c in vectors(pairs, "CORE") if _int(c.get("NODE_ID")) == node_id)
        pages = tuple(HugePage(_int(p.get("SIZE")), _int(p.get("PAGES")))
                      for p in vectors(pairs, "HUGEPAGE") if _int(p.get("NODE_ID")) == node_id)
        memory = next((m for m in vectors(pairs, "MEMORY_NODE") if _int(m.get("NODE_ID")) == node_id), {})
        nodes.append(NumaNode(node_id, _int(memory.get("TOTAL")), 0, memory.get("DISTANCE", ""), cores, pages))
    return nodes


def _topology(host: Host) -> list[tuple[str, ...]]:
    return [tuple(sorted(core.get("CPUS", "") for core in node.iterfind("CORE")))
            for node in host.root.iterfind("HOST_SHARE/NUMA_NODES/NODE")]


def apply(host: Host, pairs: list[tuple[str, Value]]) -> None:
    values = single(pairs)
    template = host.template
    for name, value in values.items():
        if name not in _SHARE_ONLY:
            template.set(name, value)
    host.template = template
    share = host.share()
    host.set_capacity(_int(values.get("TOTALCPU")) or share.total_cpu,
                      _int(values.get("TOTALMEMORY")) or share.total_mem)
    host.set_datastores(_int(values.get("DS_LOCATION_TOTAL_MB")), _int(values.get("DS_LOCATION_FREE_MB")),
                        _int(values.get("DS_LOCATION_USED_MB")),
                        [{k: ds.get(k, "0") for k in ("FREE_MB", "ID", "TOTAL_MB", "USED_MB")}
                         for ds in vectors(pairs, "DS")])
    nodes = numa_nodes(pairs)
    if [tuple(sorted(core.cpus for core in node.cores)) for node in nodes] != _topology(host):
        host.set_numa_nodes(nodes)
    assigned = {pci.get("ADDRESS"): pci.get("VMID", "-1") for pci in host.pci_devices()}
    fields = ("ADDRESS", "BUS", "CLASS", "CLASS_NAME", "DEVICE", "DEVICE_NAME", "DOMAIN", "FUNCTION", "NUMA_NODE",
              "SHORT_ADDRESS", "SLOT", "TYPE", "VENDOR", "VENDOR_NAME")
    host.set_pci_devices([{**{k: pci.get(k, "") for k in fields}, "VMID": assigned.get(pci.get("ADDRESS"), "-1")}
                          for pci in vectors(pairs, "PCI")])
