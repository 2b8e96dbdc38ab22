"""``onecluster``: manage clusters and the hosts, datastores and networks in them."""

from __future__ import annotations

from oneedge.cli import show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import delete_verb, list_verb, rename_verb, show_verb, top_verb, update_verb

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

CLUSTER = Kind("CLUSTER", "cluster", "clusterpool", "CLUSTER")
#: (member word, element, kind of the member, method suffix)
MEMBERS = (("host", "HOSTS", Kind("HOST", "host", "hostpool", "HOST")),
           ("datastore", "DATASTORES", Kind("DATASTORE", "datastore", "datastorepool", "DATASTORE")),
           ("vnet", "VNETS", Kind("VNET", "vn", "vnpool", "VNET", filtered=True)))


def _count(path: str):  # type: ignore[no-untyped-def]
    return lambda e: str(len(e.findall(f"{path}/ID")))


TABLE = Table([
    Column("ID", "ONE identifier for the Cluster", 4, lambda e: e.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the Cluster", 15, lambda e: e.findtext("NAME", ""), left=True, expand=True),
    Column("HOSTS", "Number of Hosts", 5, _count("HOSTS")),
    Column("VNETS", "Number of Networks", 5, _count("VNETS")),
    Column("DATASTORES", "Number of Datastores", 10, _count("DATASTORES")),
], ["ID", "NAME", "HOSTS", "VNETS", "DATASTORES"])


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    show.header(ctx, f"CLUSTER {root.findtext('ID')} INFORMATION", first=True)
    show.pairs(ctx, [("ID", root.findtext("ID", "")), ("NAME", root.findtext("NAME", ""))])
    show.template(ctx, "CLUSTER TEMPLATE", root.find("TEMPLATE"))
    for _, element, _kind in MEMBERS:
        show.header(ctx, element)
        ids = show.id_list(root.find(element))
        if ids:
            ctx.echo(ids)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.verbs import allocate

    return allocate(ctx, CLUSTER, a.name)


def _member_verbs() -> list[Verb]:
    verbs = []
    for word, _, kind in MEMBERS:
        for action in ("add", "del"):
            def run(ctx: Context, a: argparse.Namespace, kind: Kind = kind, method: str = f"{action}{word}") -> None:
                ctx.call(CLUSTER.method(method), CLUSTER.to_id(ctx, a.id), kind.to_id(ctx, a.member))

            summary = f"{'Adds' if action == 'add' else 'Removes'} a {kind.label.lower()} {'to' if action == 'add' else 'from'} the cluster"
            verbs.append(Verb(f"{action}{word}", summary, run,
                              (Arg("id", metavar="CLUSTERID", help="cluster name or ID"),
                               Arg("member", metavar=f"{word.upper()}ID", help=f"{word} name or ID")),
                              (f"onecluster {action}{word} default 3",)))
    return verbs


TOOL = Tool("onecluster", "Manage OpenNebula clusters", [
    Verb("create", "Creates a new cluster", _create, (Arg("name", help="cluster name"),), ("onecluster create edge",)),
    delete_verb(CLUSTER),
    update_verb(CLUSTER),
    rename_verb(CLUSTER),
    *_member_verbs(),
    list_verb(CLUSTER, TABLE),
    show_verb(CLUSTER, render),
    top_verb(CLUSTER, TABLE),
])
main = TOOL.run
