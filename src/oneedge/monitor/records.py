"""Monitoring records: probe data in, ``<MONITORING>`` documents out (host.xsd, vm.xsd), and the VM table.

Pure translation (as OpenNebula's HostMonitoringTemplate and
VirtualMachineMonitorInfo do); the daemon's writer stores the results.
Host records live in ``host_monitoring`` (``oneedge.pool.host``), VM records
in :data:`vm_monitoring`, one per VM and poll time, as OpenNebula's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from xml.sax.saxutils import escape

from oneedge.monitor import probe_data
from oneedge.monitor.probe_data import Value

#: Its own metadata: created by :func:`create_tables` where it is used (the
#: monitor daemon and the API serving it), not by the core's schema.
metadata = sa.MetaData()

vm_monitoring = sa.Table(
    "vm_monitoring",
    metadata,
    sa.Column("vmid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_poll", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=False),
)


def create_tables(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


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
    m = vm_monitoring
    query = sa.select(m.c.body).where(m.c.vmid.in_(vm_ids))
    if seconds == 0:
        latest = sa.select(m.c.vmid, sa.func.max(m.c.last_poll).label("t")).group_by(m.c.vmid).subquery()
        query = query.join(latest, sa.and_(latest.c.vmid == m.c.vmid, latest.c.t == m.c.last_poll))
    elif seconds > 0:
        query = query.where(m.c.last_poll > now - seconds)
    return list(conn.execute(query.order_by(m.c.vmid, m.c.last_poll)).scalars())
