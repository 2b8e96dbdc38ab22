"""``onevm show``: the VM's sections (information, monitoring, permissions,
disks, NICs, snapshots, history, templates)."""

from __future__ import annotations

import time

from oneedge.cli import show, states
from oneedge.cli.document import text
from oneedge.cli.fmt import period, timestamp, unit
from oneedge.cli.table import Column

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

#: VM states in which the last history record is where the VM is.
ON_HOST = frozenset({"3", "5", "8"})


def host(vm: Element) -> str:
    """Host of the last history record while the VM is on it (ACTIVE, SUSPENDED, POWEROFF)."""
    if vm.findtext("STATE") not in ON_HOST:
        return ""
    records = vm.findall("HISTORY_RECORDS/HISTORY")
    return records[-1].findtext("HOSTNAME", "") if records else ""


def ips(vm: Element) -> str:
    return ",".join(ip for nic in vm.iterfind("TEMPLATE/NIC") if (ip := nic.findtext("IP") or nic.findtext("IP6")))


def age(vm: Element) -> str:
    start, end = int(vm.findtext("STIME") or 0), int(vm.findtext("ETIME") or 0)
    return period((end or int(time.time())) - start)


DISKS = [
    Column("ID", "", 3, lambda d: d.findtext("DISK_ID", "")),
    Column("DATASTORE", "", 10, lambda d: d.findtext("DATASTORE", "-"), left=True),
    Column("TARGET", "", 6, lambda d: d.findtext("TARGET", "-"), left=True),
    Column("IMAGE", "", 35, lambda d: d.findtext("IMAGE", "") or d.findtext("TYPE", "-").lower(), left=True),
    Column("SIZE", "", 9, lambda d: unit(float(d.findtext("SIZE") or 0), "M") if d.findtext("SIZE") else "-"),
    Column("TYPE", "", 4, lambda d: d.findtext("TYPE", "-").lower()[:4], left=True),
    Column("SAVE", "", 4, lambda d: d.findtext("SAVE", "NO"), left=True),
]
NICS = [
    Column("ID", "", 3, lambda n: n.findtext("NIC_ID", "")),
    Column("NETWORK", "", 19, lambda n: n.findtext("NETWORK", "-"), left=True),
    Column("BRIDGE", "", 12, lambda n: n.findtext("BRIDGE", "-"), left=True),
    Column("IP", "", 15, lambda n: n.findtext("IP", "-"), left=True),
    Column("MAC", "", 17, lambda n: n.findtext("MAC", "-"), left=True),
]
SNAPSHOTS = [
    Column("ID", "", 4, lambda s: s.findtext("SNAPSHOT_ID", "")),
    Column("TIME", "", 12, lambda s: timestamp(s.findtext("TIME") or 0, seconds=False)),
    Column("NAME", "", 14, lambda s: s.findtext("NAME", ""), left=True),
    Column("HYPERVISOR_ID", "", 15, lambda s: s.findtext("HYPERVISOR_ID", ""), left=True),
]
HISTORY = [
    Column("SEQ", "", 3, lambda h: h.findtext("SEQ", "")),
    Column("UID", "", 4, lambda h: h.findtext("UID", "")),
    Column("REQ", "", 5, lambda h: h.findtext("REQUEST_ID", "-")),
    Column("HOST", "", 15, lambda h: h.findtext("HOSTNAME", ""), left=True),
    Column("ACTION", "", 16, lambda h: h.findtext("ACTION", "none"), left=True),
    Column("DS", "", 3, lambda h: h.findtext("DS_ID", "")),
    Column("START", "", 14, lambda h: timestamp(h.findtext("STIME") or 0)),
    Column("TIME", "", 13, lambda h: period(_span(h, "STIME", "ETIME"))),
    Column("PROLOG", "", 13, lambda h: period(_span(h, "PSTIME", "PETIME"))),
]


def _span(h: Element, start: str, end: str) -> int:
    s, e = int(h.findtext(start) or 0), int(h.findtext(end) or 0)
    return 0 if s == 0 else (e or int(time.time())) - s


def render(ctx: Context, vm: Element, args: argparse.Namespace) -> None:
    records = vm.findall("HISTORY_RECORDS/HISTORY")
    last = records[-1] if records else None
    state, lcm = vm.findtext("STATE"), vm.findtext("LCM_STATE")
    show.header(ctx, f"VIRTUAL MACHINE {vm.findtext('ID')} INFORMATION", first=True)
    show.pairs(ctx, [
        ("ID", vm.findtext("ID", "")), ("NAME", vm.findtext("NAME", "")),
        ("USER", vm.findtext("UNAME", "")), ("GROUP", vm.findtext("GNAME", "")),
        ("STATE", states.name(states.VM, state)),
        ("LCM_STATE", states.name(states.LCM, lcm)),
        ("LOCK", "None" if vm.find("LOCK") is None else text(vm, "LOCK/LOCKED")),
        ("RESCHED", "Yes" if vm.findtext("RESCHED") == "1" else "No"),
        ("HOST", host(vm) or "-"),
        ("CLUSTER ID", last.findtext("CID", "-") if last is not None else "-"),
        ("START TIME", timestamp(vm.findtext("STIME") or 0)),
        ("END TIME", timestamp(vm.findtext("ETIME") or 0)),
        ("DEPLOY ID", vm.findtext("DEPLOY_ID") or "-"),
    ])
    monitoring = vm.find("MONITORING")
    show.header(ctx, "VIRTUAL MACHINE MONITORING")
    if monitoring is not None:
        show.pairs(ctx, [(c.tag, c.text or "") for c in monitoring if len(c) == 0])
    show.permissions(ctx, vm)
    show.table(ctx, "VM DISKS", DISKS, vm.findall("TEMPLATE/DISK"))
    show.table(ctx, "VM NICS", NICS, vm.findall("TEMPLATE/NIC"))
    show.table(ctx, "SNAPSHOTS", SNAPSHOTS, vm.findall("TEMPLATE/SNAPSHOT"))
    show.table(ctx, "VIRTUAL MACHINE HISTORY", HISTORY, records)
    show.template(ctx, "USER TEMPLATE", vm.find("USER_TEMPLATE"))
    show.template(ctx, "VIRTUAL MACHINE TEMPLATE", vm.find("TEMPLATE"))
