"""Monitoring records: probe data in, ``<MONITORING>`` documents out (host.xsd, vm.xsd), and reading them.

Pure translation (as OpenNebula's HostMonitoringTemplate and
VirtualMachineMonitorInfo do); the daemon's writer stores the results.
Host records live in ``host_monitoring`` (``oneedge.pool.host``), VM records
in ``vm_monitoring`` (``oneedge.pool.vm``), one per VM and poll time, as
OpenNebula's tables; the schema creates both.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.db import records as db_records
from oneedge.monitor import probe_data
from oneedge.monitor.probe_data import Value
from oneedge.pool.vm import monitoring_table as vm_monitoring


def _int(value: str | None) -> int:
    """Probe numbers as integers ("12.7" -> 12); anything unreadable is 0, as OpenNebula's xpath reads."""
    try:
        return int(float(value)) if value else 0
    except ValueError:
        return 0


def host_record(host_id: int, timestamp: int, pairs: list[tuple[str, Value]]) -> str:
    """A host's ``<MONITORING>`` from MONITOR_HOST data (FREECPU, USEDMEMORY, NETRX, MEMORY_NODE, HUGEPAGE...)."""
    single = probe_data.single(pairs)
    parts = [f"<MONITORING><TIMESTAMP>{timestamp}</TIMESTAMP><ID>{host_id}</ID><CAPACITY>"]
    for tag, name in (("FREE_CPU", "FREECPU"), ("FREE_MEMORY", "FREEMEMORY"), ("USED_CPU", "USEDCPU"),
                      ("USED_MEMORY", "USEDMEMORY")):
        parts.append(f"<{tag}>{_int(single.get(name))}</{tag}>")
    parts.append(f"</CAPACITY><SYSTEM><NETRX>{_int(single.get('NETRX'))}</NETRX>"
                 f"<NETTX>{_int(single.get('NETTX'))}</NETTX></SYSTEM>")
    nodes: dict[int, tuple[list[str], dict[str, str]]] = {}
    for page in probe_data.vectors(pairs, "HUGEPAGE"):
        node = nodes.setdefault(_int(page.get("NODE_ID")), ([], {}))
        node[0].append(f"<HUGEPAGE><FREE>{_int(page.get('FREE'))}</FREE><SIZE>{_int(page.get('SIZE'))}</SIZE></HUGEPAGE>")
    for memory in probe_data.vectors(pairs, "MEMORY_NODE"):
        nodes.setdefault(_int(memory.get("NODE_ID")), ([], {}))[1].update(memory)
    for node_id in sorted(nodes):
        pages, memory = nodes[node_id]
        parts.append(f"<NUMA_NODE>{''.join(pages)}<MEMORY><FREE>{_int(memory.get('FREE'))}</FREE>"
                     f"<USED>{_int(memory.get('USED'))}</USED></MEMORY><NODE_ID>{node_id}</NODE_ID></NUMA_NODE>")
    parts.append("</MONITORING>")
    return "".join(parts)


#: vm.xsd's MONITORING elements before and after ID and TIMESTAMP; the rest follow (xs:any).
_VM_HEAD = ("CPU", "DISKRDBYTES", "DISKRDIOPS", "DISKWRBYTES", "DISKWRIOPS")
_VM_MID = ("MEMORY", "NETRX", "NETTX")


def vm_record(vm_id: int, timestamp: int, pairs: list[tuple[str, Value]]) -> str:
    """A VM's ``<MONITORING>`` from its probe data (CPU, MEMORY, DISK*, NET*, DISK_SIZE=[ID,SIZE], STATE...)."""
    single = probe_data.single(pairs)
    parts = ["<MONITORING>"]
    parts.extend(f"<{tag}>{escape(single[tag])}</{tag}>" for tag in _VM_HEAD if tag in single)
    for disk in probe_data.vectors(pairs, "DISK_SIZE"):
        parts.append(f"<DISK_SIZE><ID>{_int(disk.get('ID'))}</ID><SIZE>{_int(disk.get('SIZE'))}</SIZE></DISK_SIZE>")
    parts.append(f"<ID>{vm_id}</ID>")
    parts.extend(f"<{tag}>{escape(single[tag])}</{tag}>" for tag in _VM_MID if tag in single)
    parts.append(f"<TIMESTAMP>{timestamp}</TIMESTAMP>")
    known = {*_VM_HEAD, *_VM_MID, "ID", "TIMESTAMP"}
    parts.extend(f"<{name}>{escape(value)}</{name}>" for name, value in single.items() if name not in known)
    parts.append("</MONITORING>")
    return "".join(parts)


#: vm_pool.xsd's short MONITORING keeps these (VirtualMachine::to_xml_short).
_VM_SHORT = ("CPU", "MEMORY", "STATE")


def vm_short_record(single: dict[str, str]) -> str:
    """The reduced ``<MONITORING>`` of a VM's short document (``one.vmpool.info``) from its probe data."""
    return "<MONITORING>" + "".join(f"<{tag}>{escape(single[tag])}</{tag}>" for tag in _VM_SHORT
                                    if tag in single) + "</MONITORING>"


_LAST_POLL = re.compile(r"<LAST_POLL>(\d*)</LAST_POLL>")
_MONITORING = re.compile(r"<MONITORING/>|<MONITORING>.*?</MONITORING>", re.S)


def with_monitoring(body: str, timestamp: int, record: str) -> str | None:
    """The VM document ``body`` with ``record`` as its MONITORING and ``timestamp`` as LAST_POLL;
    None when it holds a newer record already.

    Textual, to stay cheap: the first LAST_POLL and the first MONITORING after
    it are the VM's own, as everything before them in vm.xsd's order (ID to
    DEPLOY_ID) is escaped text; user templates come after.
    """
    poll = _LAST_POLL.search(body)
    if poll is None or int(poll.group(1) or 0) > timestamp:
        return None
    monitoring = _MONITORING.search(body, poll.end())
    if monitoring is None:
        return None
    return (f"{body[:poll.start()]}<LAST_POLL>{timestamp}</LAST_POLL>{body[poll.end():monitoring.start()]}"
            f"{record}{body[monitoring.end():]}")


def short_with_monitoring(short_body: str, timestamp: int, short_record: str) -> str:
    """The short VM document with ``short_record`` as its MONITORING and ``timestamp`` as LAST_POLL.

    Parsed: here user vectors (GRAPHICS) come before MONITORING. It is small.
    """
    root = etree.fromstring(short_body)
    root.find("LAST_POLL").text = str(timestamp)
    root.replace(root.find("MONITORING"), etree.fromstring(short_record))
    return etree.tostring(root, encoding="unicode")


def numeric(pairs: list[tuple[str, Value]], names: tuple[str, ...]) -> bool:
    """Whether the named single attributes that are present are numbers (else the record is refused)."""
    single = probe_data.single(pairs)
    for name in names:
        if name in single:
            try:
                float(single[name])
            except ValueError:
                return False
    return True


def vm_records(conn: Connection, vm_ids: sa.Select | list[int], seconds: int, now: int) -> list[str]:
    """Records of the VMs, by VM then time: all (``seconds`` -1), the last of each (0) or the last ``seconds``."""
    return db_records.records(conn, vm_monitoring, "vmid", "last_poll", vm_ids, seconds, now)
