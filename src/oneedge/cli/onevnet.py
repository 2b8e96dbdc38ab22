"""``onevnet``: manage virtual networks, their address ranges and leases."""

from __future__ import annotations

from oneedge.cli import owned, show, states
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.errors import CliError
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (create_verb, delete_verb, list_verb, lock_verbs, ownership_verbs, rename_verb,
                               show_verb, top_verb, update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

VNET = Kind("VNET", "vn", "vnpool", "VNET", filtered=True)
ID = Arg("id", metavar="VNETID", help="virtual network name or ID")


def _count(name: str, help: str) -> Column:
    return Column(name, help, 8 if name == "OUTDATED" else 5, lambda e: str(len(e.findall(f"{name}_VMS/ID"))))


TABLE = Table([
    *owned.columns("Virtual Network").values(),
    Column("CLUSTERS", "Cluster IDs", 10, lambda e: show.id_list(e.find("CLUSTERS")) or "-", left=True),
    Column("BRIDGE", "Bridge associated to the Virtual Network", 8, lambda e: e.findtext("BRIDGE", ""), left=True,
           expand=True),
    Column("STATE", "State of the Virtual Network", 5, lambda e: states.short(states.VNET, e.findtext("STATE")),
           left=True),
    Column("LEASES", "Number of this Virtual Networks given leases", 6, lambda e: e.findtext("USED_LEASES", "0")),
    _count("UPDATED", "Number of VMs with updated VN attributes"),
    _count("OUTDATED", "Number of VMs with outdated VN attributes"),
    _count("ERROR", "Number of VMs that failed to update VN attributes"),
], ["ID", "USER", "GROUP", "NAME", "CLUSTERS", "BRIDGE", "STATE", "LEASES", "OUTDATED", "ERROR"])

_info = show.owned("VIRTUAL NETWORK", [
    ("LOCK", show.lock), ("CLUSTERS", lambda e: show.id_list(e.find("CLUSTERS"))),
    ("BRIDGE", show.field("BRIDGE")), ("STATE", lambda e: states.name(states.VNET, e.findtext("STATE"))),
    ("VN_MAD", show.field("VN_MAD")), ("PHYSICAL DEVICE", show.field("PHYDEV")),
    ("VLAN ID", show.field("VLAN_ID")), ("USED LEASES", show.field("USED_LEASES", "0")),
], "VIRTUAL NETWORK TEMPLATE")

LEASES = [
    Column("AR", "", 3, lambda r: r[0]),
    Column("OWNER", "", 15, lambda r: f"V:{r[1].findtext('VM')}" if r[1].findtext("VM") else
           f"N:{r[1].findtext('VNET')}" if r[1].findtext("VNET") else "-", left=True),
    Column("MAC", "", 17, lambda r: r[1].findtext("MAC", "-"), left=True),
    Column("IP", "", 15, lambda r: r[1].findtext("IP", "-"), left=True),
]


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    _info(ctx, root, args)
    show.header(ctx, "ADDRESS RANGE POOL")
    for n, ar in enumerate(root.iterfind("AR_POOL/AR")):
        if n:
            ctx.echo()
        # LEASES is a section of its own below, even when empty.
        show.pairs(ctx, [(c.tag, c.text or "") for c in ar if len(c) == 0 and c.tag != "LEASES"])
    leases = [(ar.findtext("AR_ID", ""), lease) for ar in root.iterfind("AR_POOL/AR") for lease in ar.iterfind("LEASES/LEASE")]
    show.table(ctx, "LEASES", LEASES, leases)


def _cluster(ctx: Context, a: argparse.Namespace) -> tuple[int]:
    from oneedge.cli.onedatastore import _cluster

    return _cluster(ctx, a)


def _ar_template(a: argparse.Namespace) -> str:
    from oneedge.cli.options import template_input

    if a.file:
        return template_input(a.file, "AR")
    if not a.size:
        raise CliError("onevnet addar: give a file or --size with --ip, --mac or --ip6", 2)
    kind = "IP4" if a.ip else "IP6" if a.ip6 else "ETHER"
    parts = [f'TYPE="{kind}"', f'SIZE="{a.size}"']
    for key, value in (("IP", a.ip), ("MAC", a.mac), ("GLOBAL_PREFIX", a.ip6)):
        if value:
            parts.append(f'{key}="{value}"')
    return "AR=[" + ", ".join(parts) + "]"


def _lease(a: argparse.Namespace) -> str:
    key = "MAC" if ":" in a.address and a.address.count(":") == 5 and "." not in a.address else "IP"
    ar = f", AR_ID={a.ar_id}" if a.ar_id is not None else ""
    return f'LEASES=[{key}="{a.address}"{ar}]'


def _call(method: str, build: Callable[[argparse.Namespace], tuple[Any, ...]]
          ) -> Callable[[Context, argparse.Namespace], None]:
    """A verb running ``method(vnet_id, *build(args))``."""
    def run(ctx: Context, a: argparse.Namespace) -> None:
        ctx.call(method, VNET.to_id(ctx, a.id), *build(a))
    return run


def _reserve(ctx: Context, a: argparse.Namespace) -> None:
    lines = [f"SIZE={a.size}"]
    if a.name:
        lines.append(f'NAME="{a.name}"')
    if a.ar_id is not None:
        lines.append(f"AR_ID={a.ar_id}")
    if a.address:
        lines.append(f'{"MAC" if a.address.count(":") == 5 else "IP"}="{a.address}"')
    if a.vnet:
        lines.append(f"NETWORK_ID={VNET.to_id(ctx, a.vnet)}")
    ctx.echo(f"Reservation VNET ID: {ctx.call('one.vn.reserve', VNET.to_id(ctx, a.id), chr(10).join(lines))}")


ADDRESS = (Arg("address", help="IP or MAC address"), Arg("-a", "--ar-id", type=int, help="address range ID"))

TOOL = Tool("onevnet", "Manage OpenNebula virtual networks", [
    create_verb(VNET, _cluster, (Arg("-c", "--cluster", help="cluster name or ID to add the network to"),)),
    delete_verb(VNET),
    update_verb(VNET),
    rename_verb(VNET),
    *ownership_verbs(VNET),
    *lock_verbs(VNET),
    Verb("addar", "Adds an address range", _call("one.vn.add_ar", lambda a: (_ar_template(a),)), (
        ID, Arg("file", nargs="?", help="template with an AR=[...]"), Arg("-s", "--size", type=int),
        Arg("--ip", help="first IPv4"), Arg("--mac", help="first MAC"), Arg("--ip6", help="IPv6 global prefix")),
        ("onevnet addar private --ip 10.0.0.10 --size 100",)),
    Verb("rmar", "Removes an address range", _call("one.vn.rm_ar", lambda a: (a.ar, a.force)), (
        ID, Arg("ar", type=int, metavar="ARID"), Arg("--force", action="store_true", help="even with leases in use")),
        ("onevnet rmar private 1",)),
    Verb("updatear", "Updates an address range", _call("one.vn.update_ar", lambda a: (_ar_update(a),)), (
        ID, Arg("ar", type=int, metavar="ARID"), Arg("file", help="template with the AR's new attributes")),
        ("onevnet updatear private 1 ar.tmpl",)),
    Verb("reserve", "Reserves addresses into a new (or existing) network", _reserve, (
        ID, Arg("name", nargs="?", help="name of the new reservation network"), Arg("-s", "--size", type=int, default=1),
        Arg("-a", "--ar-id", type=int), Arg("--address", help="first IP or MAC to reserve"),
        Arg("--vnet", help="add to this existing reservation network")), ("onevnet reserve private mine -s 10",)),
    Verb("hold", "Puts an address on hold (never leased)", _call("one.vn.hold", lambda a: (_lease(a),)),
         (ID, *ADDRESS), ("onevnet hold private 10.0.0.12",)),
    Verb("release", "Releases a held address", _call("one.vn.release", lambda a: (_lease(a),)),
         (ID, *ADDRESS), ("onevnet release private 10.0.0.12",)),
    list_verb(VNET, TABLE),
    show_verb(VNET, render),
    top_verb(VNET, TABLE),
])


def _ar_update(a: argparse.Namespace) -> str:
    from oneedge.cli.options import template_input

    body = template_input(a.file, "AR").strip()
    if body.startswith("AR"):
        return body
    return "AR=[AR_ID=" + str(a.ar) + ", " + ", ".join(
        line.strip() for line in body.splitlines() if line.strip()) + "]"


main = TOOL.run
