"""``onehost``: manage hosts."""

from __future__ import annotations

from oneedge.cli import show, states
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.fmt import unit
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import action_verb, delete_verb, list_verb, rename_verb, show_verb, top_verb, update_verb

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

HOST = Kind("HOST", "host", "hostpool", "HOST")
ENABLED, DISABLED, OFFLINE = 0, 1, 2


def _num(e: Element, path: str) -> float:
    return float(e.findtext(f"HOST_SHARE/{path}") or 0)


def _pct(used: float, total: float) -> str:
    return f"{round(used * 100 / total) if total else 0}%"


def _alloc_cpu(e: Element) -> str:
    used, total = _num(e, "CPU_USAGE"), _num(e, "MAX_CPU")
    return f"{used:g} / {total:g} ({_pct(used, total)})"


def _alloc_mem(e: Element) -> str:
    used, total = _num(e, "MEM_USAGE"), _num(e, "MAX_MEM")
    return f"{unit(used)} / {unit(total)} ({_pct(used, total)})"


TABLE = Table([
    Column("ID", "ONE identifier for Host", 4, lambda e: e.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the Host", 15, lambda e: e.findtext("NAME", ""), left=True, expand=True),
    Column("CLUSTER", "Name of the Cluster", 9, lambda e: e.findtext("CLUSTER") or "-", left=True),
    Column("TVM", "Total Virtual Machines allocated to the Host", 3,
           lambda e: e.findtext("HOST_SHARE/RUNNING_VMS") or "0"),
    Column("TCPU", "Total CPU percentage", 4, lambda e: f"{_num(e, 'TOTAL_CPU'):g}"),
    Column("ACPU", "Available cpu percentage (not reserved by VMs)", 4,
           lambda e: f"{_num(e, 'MAX_CPU') - _num(e, 'CPU_USAGE'):g}"),
    Column("TMEM", "Total Memory", 7, lambda e: unit(_num(e, "TOTAL_MEM"))),
    Column("AMEM", "Available Memory (not reserved by VMs)", 7,
           lambda e: unit(_num(e, "MAX_MEM") - _num(e, "MEM_USAGE"))),
    Column("ALLOCATED_CPU", "Allocated CPU", 18, _alloc_cpu),
    Column("ALLOCATED_MEM", "Allocated MEM", 18, _alloc_mem),
    Column("STAT", "Host status", 6, lambda e: states.short(states.HOST, e.findtext("STATE")), left=True),
], ["ID", "NAME", "CLUSTER", "TVM", "ALLOCATED_CPU", "ALLOCATED_MEM", "STAT"])


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    show.fields(ctx, root, f"HOST {root.findtext('ID')} INFORMATION", [
        ("ID", show.field("ID")), ("NAME", show.field("NAME")), ("CLUSTER", show.field("CLUSTER")),
        ("STATE", lambda e: states.name(states.HOST, e.findtext("STATE"))),
        ("IM_MAD", show.field("IM_MAD")), ("VM_MAD", show.field("VM_MAD")),
        ("LAST MONITORING TIME", lambda e: _stamp(e.findtext("MONITORING/TIMESTAMP"))),
    ], first=True)
    show.fields(ctx, root, "HOST SHARES", [
        ("RUNNING VMS", show.field("HOST_SHARE/RUNNING_VMS", "0")),
        ("MEMORY", lambda e: ""),
        ("  TOTAL", lambda e: unit(_num(e, "TOTAL_MEM"))),
        ("  TOTAL +/- RESERVED", lambda e: unit(_num(e, "MAX_MEM"))),
        ("  USED (REAL)", lambda e: unit(float(e.findtext("MONITORING/CAPACITY/USED_MEMORY") or 0))),
        ("  USED (ALLOCATED)", lambda e: unit(_num(e, "MEM_USAGE"))),
        ("CPU", lambda e: ""),
        ("  TOTAL", lambda e: f"{_num(e, 'TOTAL_CPU'):g}"),
        ("  TOTAL +/- RESERVED", lambda e: f"{_num(e, 'MAX_CPU'):g}"),
        ("  USED (REAL)", lambda e: e.findtext("MONITORING/CAPACITY/USED_CPU") or "0"),
        ("  USED (ALLOCATED)", lambda e: f"{_num(e, 'CPU_USAGE'):g}"),
    ])
    show.template(ctx, "MONITORING INFORMATION", root.find("TEMPLATE"))
    vms = show.id_list(root.find("VMS"))
    show.header(ctx, "VIRTUAL MACHINES")
    if vms:
        ctx.echo(vms)


def _stamp(value: str | None) -> str:
    from oneedge.cli.fmt import timestamp

    return timestamp(value or 0)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.errors import CliError
    from oneedge.cli.verbs import allocate

    im, vm = a.im or a.type, a.vm or a.type
    if not im or not vm:
        raise CliError("onehost create: give --type, or both --im and --vm", 2)
    cluster = -1
    if a.cluster:
        from oneedge.cli.onecluster import CLUSTER

        cluster = CLUSTER.to_id(ctx, a.cluster)
    return allocate(ctx, HOST, a.name, im, vm, cluster)


def _flush(ctx: Context, a: argparse.Namespace) -> int:
    """Disable the hosts, then reschedule (or recreate) every VM whose last history is on them."""
    from oneedge.cli.onevm import VM
    from oneedge.cli.verbs import for_each

    def flush(hid: int) -> None:
        ctx.call("one.host.status", hid, DISABLED)
        for vm in VM.fetch_pool(ctx).iterfind("VM"):
            records = vm.findall("HISTORY_RECORDS/HISTORY")
            if records and records[-1].findtext("HID") == str(hid):
                oid = int(vm.findtext("ID", "-1"))
                if a.recreate:
                    ctx.call("one.vm.recover", oid, 4)
                else:
                    ctx.call("one.vm.action", "resched", oid)

    return for_each(ctx, HOST, a.ids, flush, "flushed")


def _status(name: str, summary: str, status: int) -> Verb:
    return action_verb(HOST, name, summary, "status", lambda a: (status,), done=f"{name}d")


TOOL = Tool("onehost", "Manage OpenNebula hosts", [
    Verb("create", "Adds a host to the pool", _create, (
        Arg("name", help="host name (how the front-end reaches it)"),
        Arg("-t", "--type", help="hypervisor driver for both --im and --vm: kvm, lxc, firecracker, dummy..."),
        Arg("-i", "--im", help="information driver"), Arg("--vm", help="virtualization driver"),
        Arg("-c", "--cluster", help="cluster name or ID")), ("onehost create node1 --type kvm -c default",)),
    delete_verb(HOST),
    update_verb(HOST),
    rename_verb(HOST),
    _status("enable", "Enables hosts (the scheduler may place VMs on them)", ENABLED),
    _status("disable", "Disables hosts (kept monitored, no new VMs)", DISABLED),
    _status("offline", "Sets hosts offline (not monitored, no new VMs)", OFFLINE),
    Verb("flush", "Disables hosts and moves their VMs elsewhere", _flush, (
        Arg("ids", metavar="RANGE", help="host IDs, names, lists and ranges"),
        Arg("--recreate", action="store_true", help="recreate the VMs (recover --recreate) instead of resched")),
        ("onehost flush node1",)),
    list_verb(HOST, TABLE),
    show_verb(HOST, render),
    top_verb(HOST, TABLE),
])
main = TOOL.run
