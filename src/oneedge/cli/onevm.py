"""``onevm``: manage virtual machines."""

from __future__ import annotations

from oneedge.cli import states
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (list_verb, lock_verbs, ownership_verbs, rename_verb, show_verb, top_verb,
                               update_verb)
from oneedge.cli.vmactions import (WAIT, action, attach_verbs, deploy, disk_verbs, migrate, recover, resize,
                                   snapshot_verbs)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

VM = Kind("VM", "vm", "vmpool", "VM", filtered=True, extra_pool_args=(-1,))


def _host(vm: Element) -> str:
    from oneedge.cli.vmshow import host

    return host(vm)


def _mem(vm: Element) -> str:
    from oneedge.cli.fmt import unit

    return unit(float(vm.findtext("TEMPLATE/MEMORY") or 0), "M")


def _time(vm: Element) -> str:
    from oneedge.cli.vmshow import age

    return age(vm)


def _ips(vm: Element) -> str:
    from oneedge.cli.vmshow import ips

    return ips(vm)


def _cluster(vm: Element) -> str:
    records = vm.findall("HISTORY_RECORDS/HISTORY")
    return records[-1].findtext("CID", "") if records else "NONE"


TABLE = Table([
    Column("ID", "ONE identifier for Virtual Machine", 4, lambda e: e.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the Virtual Machine", 15,
           lambda e: ("*" if e.findtext("RESCHED") == "1" else "") + e.findtext("NAME", ""), left=True, expand=True),
    Column("USER", "Username of the Virtual Machine owner", 8, lambda e: e.findtext("UNAME", ""), left=True),
    Column("GROUP", "Group of the Virtual Machine", 8, lambda e: e.findtext("GNAME", ""), left=True),
    Column("STAT", "Actual status", 4, lambda e: states.vm_short(e.findtext("STATE"), e.findtext("LCM_STATE"))),
    Column("CPU", "CPU asigned to the VM", 4, lambda e: e.findtext("TEMPLATE/CPU") or "0"),
    Column("MEM", "Memory asigned to the VM", 7, _mem),
    Column("HOST", "Host where the VM is running", 10, _host, left=True, expand=True),
    Column("CLUSTER", "Cluster where the VM is running", 10, _cluster, left=True),
    Column("TIME", "Time since the VM was submitted", 10, _time),
    Column("IP", "VM IP addresses", 15, _ips, left=True, adjust=True),
], ["ID", "USER", "GROUP", "NAME", "STAT", "CPU", "MEM", "HOST", "TIME"])


def _render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    from oneedge.cli.vmshow import render

    render(ctx, root, args)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli import quick
    from oneedge.cli.options import template_input

    base = template_input(a.file, "VM") if a.file or not quick.used(a) else ""
    text = quick.template(a, base)
    if a.dry:
        ctx.echo(text.rstrip("\n"))
        return 0
    for _ in range(a.multiple):
        ctx.echo(f"ID: {ctx.call('one.vm.allocate', text, a.hold)}")
    return 0


def _create_verb() -> Verb:
    from oneedge.cli.quick import OPTIONS

    return Verb("create", "Creates a new VM from a template file and/or quick options", _create, (
        Arg("file", nargs="?", help="template file (default: stdin unless quick options are given)"),
        *OPTIONS,
        Arg("--hold", action="store_true", help="create the VM on hold"),
        Arg("-m", "--multiple", type=int, default=1, metavar="N", help="create N VMs"),
        Arg("--dry", action="store_true", help="print the template instead of creating the VM")),
        ("onevm create vm.tmpl", "onevm create --name web --cpu 1 --memory 1G --disk alpine --nic public"))


def _action(name: str, summary: str, hard: bool = False, wait: str | None = None) -> Verb:
    args = (Arg("--hard", action="store_true", help="do not wait for the guest: act at once"),) if hard else ()
    return action(VM, name, summary, args + (WAIT if wait else ()), wait)


TOOL = Tool("onevm", "Manage OpenNebula virtual machines", [
    _create_verb(),
    update_verb(VM),
    rename_verb(VM),
    *ownership_verbs(VM),
    *lock_verbs(VM),
    deploy(VM),
    _action("terminate", "Terminates VMs (shuts them down and deletes them)", hard=True, wait="DONE"),
    _action("undeploy", "Shuts VMs down and frees their host, keeping their disks", hard=True, wait="UNDEPLOYED"),
    _action("poweroff", "Powers VMs off", hard=True, wait="POWEROFF"),
    _action("reboot", "Reboots VMs", hard=True),
    _action("resume", "Resumes stopped, suspended, undeployed or powered-off VMs", wait="RUNNING"),
    _action("hold", "Holds pending VMs (the scheduler leaves them alone)", wait="HOLD"),
    _action("release", "Releases held VMs", wait="PENDING"),
    _action("stop", "Stops VMs, saving their state to the system datastore", wait="STOPPED"),
    _action("suspend", "Suspends VMs, keeping their state on the host", wait="SUSPENDED"),
    _action("resched", "Asks the scheduler to move VMs to another host"),
    _action("unresched", "Cancels a resched request"),
    migrate(VM),
    recover(VM),
    *attach_verbs(VM),
    resize(VM),
    *snapshot_verbs(VM),
    *disk_verbs(VM),
    list_verb(VM, TABLE, examples=("onevm list", "onevm list mine -l ID,NAME,STAT", "onevm list --filter STAT=runn")),
    show_verb(VM, _render),
    top_verb(VM, TABLE),
])
main = TOOL.run
