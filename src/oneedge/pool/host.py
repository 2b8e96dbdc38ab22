"""Hosts: ``<HOST>`` documents (host.xsd), their states, capacity share and monitoring records.

A host is owned by oneadmin (as ``Host::insert_replace`` forces) and carries
no permissions. Its HOST_SHARE is the capacity the scheduler and the life
cycle work with: totals from monitoring, maxima after reservations, usage
summed over the VMs placed on it. Monitoring records live in their own table,
one ``<MONITORING>`` body per host and time, as OpenNebula's host_monitoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.db.records import records
from oneedge.db.schema import metadata, pool_table
from oneedge.pool import xml
from oneedge.pool.object import AdminOwned, PoolObject
from oneedge.pool.types import ObjectType
from oneedge.template import SingleAttribute, Template

table = pool_table(
    "host_pool",
    sa.Column("state", sa.Integer, nullable=False, index=True),
    sa.Column("cid", sa.Integer, nullable=False, index=True),
)

#: One ``<MONITORING>`` body per host and monitoring time (OpenNebula's host_monitoring).
monitoring_table = sa.Table(
    "host_monitoring",
    metadata,
    sa.Column("hid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_mon_time", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=False),
)


class HostState(IntEnum):
    """``Host::HostState``; the numbers are wire format."""

    INIT = 0
    MONITORING_MONITORED = 1
    MONITORED = 2
    ERROR = 3
    DISABLED = 4
    MONITORING_ERROR = 5
    MONITORING_INIT = 6
    MONITORING_DISABLED = 7
    OFFLINE = 8


class HostStatus(IntEnum):
    """The argument of ``one.host.status``."""

    ENABLED = 0
    DISABLED = 1
    OFFLINE = 2


# Element order of HOST_SHARE's scalar counters and of its sub-documents (host.xsd).
_SHARE_COUNTERS = ("MEM_USAGE", "CPU_USAGE", "TOTAL_MEM", "TOTAL_CPU", "MAX_MEM", "MAX_CPU",
                   "RUNNING_VMS", "VMS_THREAD")
_DS_FIELDS = ("FREE_MB", "ID", "TOTAL_MB", "USED_MB", "REPLICA_CACHE", "REPLICA_CACHE_SIZE", "REPLICA_IMAGES")
_PCI_FIELDS = ("ADDRESS", "BUS", "CLASS", "CLASS_NAME", "DEVICE", "DEVICE_NAME", "DOMAIN", "FUNCTION",
               "NUMA_NODE", "PROFILES", "SHORT_ADDRESS", "SLOT", "TYPE", "UUID", "VENDOR", "VENDOR_NAME", "VMID")
_PCI_OPTIONAL = {"PROFILES", "UUID"}
#: Template attributes of the last monitoring that an offline host drops.
_MONITORED_ATTRIBUTES = ("TOTALCPU", "TOTALMEMORY", "FREECPU", "FREEMEMORY", "USEDCPU", "USEDMEMORY")


@dataclass(frozen=True)
class HostShare:
    """A read-only snapshot of HOST_SHARE. CPU in percent of one core, memory in KB, disk in MB."""

    mem_usage: int
    cpu_usage: int
    total_mem: int
    total_cpu: int
    max_mem: int
    max_cpu: int
    running_vms: int
    vms_thread: int
    disk_usage: int
    max_disk: int
    free_disk: int
    used_disk: int


@dataclass(frozen=True)
class NumaCore:
    id: int
    cpus: str
    dedicated: str = "NO"
    free: int = 0


@dataclass(frozen=True)
class HugePage:
    size: int
    pages: int
    usage: int = 0


@dataclass(frozen=True)
class NumaNode:
    node_id: int
    memory_total: int
    memory_usage: int = 0
    distance: str = ""
    cores: tuple[NumaCore, ...] = ()
    hugepages: tuple[HugePage, ...] = ()

    def to_xml(self) -> etree._Element:
        node = etree.Element("NODE")
        for core in self.cores:
            node.append(xml.element("CORE", CPUS=core.cpus, DEDICATED=core.dedicated, FREE=core.free, ID=core.id))
        for page in self.hugepages:
            node.append(xml.element("HUGEPAGE", PAGES=page.pages, SIZE=page.size, USAGE=page.usage))
        node.append(xml.element("MEMORY", DISTANCE=self.distance, TOTAL=self.memory_total, USAGE=self.memory_usage))
        xml.sub(node, "NODE_ID", self.node_id)
        return node


def reserved(total: int, reservation: str) -> int:
    """What is left of ``total`` after a RESERVED_CPU/RESERVED_MEM value ("" none, "10%" or an amount).

    An unreadable reservation reserves nothing, as ``set_reserved_metric`` does.
    """
    text = reservation.strip()
    if not text:
        return total
    percent = text.endswith("%")
    try:
        value = int(text[:-1] if percent else text)
    except ValueError:
        return total
    return int(total * (1 - value / 100.0)) if percent else total - value


class Host(AdminOwned, PoolObject):
    TABLE = table
    TYPE = ObjectType.HOST
    ROOT = "HOST"

    @classmethod
    def new(cls, name: str, im_mad: str, vm_mad: str, cluster_id: int, cluster: str) -> Host:
        root = xml.element("HOST", ID=-1, NAME=name, STATE=int(HostState.INIT), PREV_STATE=int(HostState.INIT),
                           IM_MAD=im_mad, VM_MAD=vm_mad, CLUSTER_ID=cluster_id, CLUSTER=cluster)
        share = xml.sub(root, "HOST_SHARE")
        for tag in _SHARE_COUNTERS:
            xml.sub(share, tag, 1 if tag == "VMS_THREAD" else 0)
        share.append(xml.element("DATASTORES", DISK_USAGE=0, FREE_DISK=0, MAX_DISK=0, USED_DISK=0))
        xml.sub(share, "PCI_DEVICES")
        xml.sub(share, "NUMA_NODES")
        xml.sub(root, "VMS")
        root.append(Template([SingleAttribute("RESERVED_CPU", ""), SingleAttribute("RESERVED_MEM", ""),
                              SingleAttribute("IM_MAD", im_mad), SingleAttribute("VM_MAD", vm_mad)]).to_xml())
        xml.sub(root, "MONITORING")
        return cls(root)


    def columns(self) -> dict[str, object]:
        return {"state": int(self.state), "cid": self.cluster_id}

    # -- fields -------------------------------------------------------------------------
    @property
    def state(self) -> HostState:
        return HostState(self.get_int("STATE"))

    def set_state(self, state: HostState) -> HostState:
        """Move to ``state``; PREV_STATE keeps the one left, which is returned."""
        old = self.state
        self.set("PREV_STATE", int(old))
        self.set("STATE", int(state))
        return old

    # -- one.host.status (Host::enable, disable, offline) ----------------------------------
    def enable(self) -> None:
        """Back to MONITORED if a disabled host has known capacity, else to INIT to be monitored."""
        monitored = self.state is HostState.DISABLED and self.share().total_cpu > 0
        self.set_state(HostState.MONITORED if monitored else HostState.INIT)

    def disable(self) -> None:
        self.set_state(HostState.DISABLED)

    def offline(self) -> None:
        """OFFLINE, forgetting the monitored capacity."""
        self.set_state(HostState.OFFLINE)
        self.reset_capacity()
        template = self.template
        for name in _MONITORED_ATTRIBUTES:
            template.remove(name)
        self.template = template

    @property
    def cluster_id(self) -> int:
        return self.get_int("CLUSTER_ID", -1)

    @property
    def im_mad(self) -> str:
        return self.get("IM_MAD", "") or ""

    @property
    def vm_mad(self) -> str:
        return self.get("VM_MAD", "") or ""

    def set_drivers(self, im_mad: str, vm_mad: str) -> None:
        self.set("IM_MAD", im_mad)
        self.set("VM_MAD", vm_mad)

    # -- capacity -------------------------------------------------------------------------
    def share(self) -> HostShare:
        def count(path: str) -> int:
            return self.get_int(f"HOST_SHARE/{path}")

        return HostShare(*(count(tag) for tag in _SHARE_COUNTERS),
                         *(count(f"DATASTORES/{tag}") for tag in ("DISK_USAGE", "MAX_DISK", "FREE_DISK", "USED_DISK")))

    def _add(self, path: str, delta: int) -> None:
        self.set(f"HOST_SHARE/{path}", self.get_int(f"HOST_SHARE/{path}") + delta)

    @property
    def vms(self) -> set[int]:
        return xml.id_set(self.root.find("VMS"))

    def add_vm(self, vm_id: int, cpu: int, mem: int, disk: int = 0) -> None:
        """Place a VM: list it and add its CPU (percent), memory (KB) and disk (MB) to the usage."""
        vms = self.vms
        if vm_id in vms:
            raise ValueError(f"VM {vm_id} is already in host {self.oid}.")
        self.root.replace(self.root.find("VMS"), xml.ids("VMS", vms | {vm_id}))
        self._add("CPU_USAGE", cpu)
        self._add("MEM_USAGE", mem)
        self._add("DATASTORES/DISK_USAGE", disk)
        self._add("RUNNING_VMS", 1)

    def del_vm(self, vm_id: int, cpu: int, mem: int, disk: int = 0) -> None:
        """Undo :meth:`add_vm` with the same figures."""
        vms = self.vms
        if vm_id not in vms:
            raise ValueError(f"VM {vm_id} is not in host {self.oid}.")
        self.root.replace(self.root.find("VMS"), xml.ids("VMS", vms - {vm_id}))
        self._add("CPU_USAGE", -cpu)
        self._add("MEM_USAGE", -mem)
        self._add("DATASTORES/DISK_USAGE", -disk)
        self._add("RUNNING_VMS", -1)

    def set_capacity(self, total_cpu: int, total_mem: int, reserved_cpu: str = "", reserved_mem: str = "") -> None:
        """Monitored totals; MAX_CPU/MAX_MEM are what the reservations leave of them."""
        self.set("HOST_SHARE/TOTAL_CPU", total_cpu)
        self.set("HOST_SHARE/TOTAL_MEM", total_mem)
        self.set("HOST_SHARE/MAX_CPU", reserved(total_cpu, reserved_cpu))
        self.set("HOST_SHARE/MAX_MEM", reserved(total_mem, reserved_mem))

    def reset_capacity(self) -> None:
        """An offline host offers nothing (``HostShare::reset_capacity``)."""
        for tag in ("TOTAL_CPU", "TOTAL_MEM", "MAX_CPU", "MAX_MEM"):
            self.set(f"HOST_SHARE/{tag}", 0)

    def set_datastores(self, max_disk: int, free_disk: int, used_disk: int,
                       datastores: Iterable[Mapping[str, object]] = ()) -> None:
        """Monitored disk (MB) of the host's local datastore location and of each system DS (``DS`` entries)."""
        node = self.root.find("HOST_SHARE/DATASTORES")
        new = xml.element("DATASTORES", DISK_USAGE=node.findtext("DISK_USAGE", "0"))
        new.extend(_fields("DS", _DS_FIELDS, ds, optional=set(_DS_FIELDS[4:])) for ds in datastores)
        for tag, value in (("FREE_DISK", free_disk), ("MAX_DISK", max_disk), ("USED_DISK", used_disk)):
            xml.sub(new, tag, value)
        node.getparent().replace(node, new)

    def set_pci_devices(self, devices: Iterable[Mapping[str, object]]) -> None:
        """PCI devices as the probes report them; VMID (-1 when free) is kept by the caller."""
        new = etree.Element("PCI_DEVICES")
        new.extend(_fields("PCI", _PCI_FIELDS, device, optional=_PCI_OPTIONAL) for device in devices)
        node = self.root.find("HOST_SHARE/PCI_DEVICES")
        node.getparent().replace(node, new)

    def pci_devices(self) -> list[dict[str, str]]:
        return [{child.tag: child.text or "" for child in pci} for pci in self.root.iterfind("HOST_SHARE/PCI_DEVICES/PCI")]

    def set_numa_nodes(self, nodes: Iterable[NumaNode]) -> None:
        new = etree.Element("NUMA_NODES")
        new.extend(node.to_xml() for node in sorted(nodes, key=lambda n: n.node_id))
        node = self.root.find("HOST_SHARE/NUMA_NODES")
        node.getparent().replace(node, new)

    # -- monitoring ------------------------------------------------------------------------
    def with_monitoring(self, record: str | None) -> str:
        """The document with its MONITORING replaced by a stored record (as ``one.host.info`` shows it)."""
        if record is None:
            return self.body()
        copy = Host.from_body(self.body())
        node = copy.root.find("MONITORING")
        node.getparent().replace(node, xml.parse(record))
        return copy.body()


def _fields(tag: str, order: tuple[str, ...], values: Mapping[str, object], optional: set[str]) -> etree._Element:
    """``<tag>`` with ``values`` in XSD ``order``; unknown or missing required fields are refused."""
    unknown = set(values) - set(order)
    if unknown:
        raise ValueError(f"unknown {tag} fields: {', '.join(sorted(unknown))}")
    missing = [f for f in order if f not in values and f not in optional]
    if missing:
        raise ValueError(f"{tag} lacks {', '.join(missing)}")
    return xml.element(tag, **{f: values[f] for f in order if f in values})


# -- monitoring records ---------------------------------------------------------------------
def add_monitoring(conn: Connection, host_id: int, timestamp: int, record: str) -> None:
    """Store a host's ``<MONITORING>`` record taken at ``timestamp`` (the monitoring daemon's entry point)."""
    root = xml.parse(record)
    if root.tag != "MONITORING":
        raise ValueError(f"expected a <MONITORING> record, got <{root.tag}>")
    conn.execute(sa.insert(monitoring_table).values(hid=host_id, last_mon_time=timestamp, body=xml.tostring(root)))


def last_monitoring(conn: Connection, host_id: int) -> str | None:
    m = monitoring_table
    query = sa.select(m.c.body).where(m.c.hid == host_id).order_by(m.c.last_mon_time.desc()).limit(1)
    return conn.execute(query).scalar_one_or_none()


def monitoring_records(conn: Connection, host_ids: sa.Select | list[int], seconds: int, now: int) -> list[str]:
    """Records of the hosts, by host then time: all (``seconds`` -1), the last of each (0) or the last ``seconds``."""
    return records(conn, monitoring_table, "hid", "last_mon_time", host_ids, seconds, now)


def drop_monitoring(conn: Connection, host_id: int) -> None:
    conn.execute(sa.delete(monitoring_table).where(monitoring_table.c.hid == host_id))
