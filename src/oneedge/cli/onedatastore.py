"""``onedatastore``: manage datastores."""

from __future__ import annotations

from oneedge.cli import show, states
from oneedge.cli.command import Arg, Tool
from oneedge.cli.fmt import unit
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (action_verb, create_verb, delete_verb, list_verb, ownership_verbs, rename_verb,
                               show_verb, top_verb, update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context

DATASTORE = Kind("DATASTORE", "datastore", "datastorepool", "DATASTORE")


def _avail(e: object) -> str:
    total, free = float(e.findtext("TOTAL_MB") or 0), float(e.findtext("FREE_MB") or 0)  # type: ignore[attr-defined]
    return f"{round(free * 100 / total)}%" if total else "-"


TABLE = Table([
    Column("ID", "ONE identifier for the Datastore", 4, lambda e: e.findtext("ID", ""), adjust=True),
    Column("USER", "Username of the Datastore owner", 8, lambda e: e.findtext("UNAME", ""), left=True),
    Column("GROUP", "Group of the Datastore", 8, lambda e: e.findtext("GNAME", ""), left=True),
    Column("NAME", "Name of the Datastore", 13, lambda e: e.findtext("NAME", ""), left=True, expand=True),
    Column("SIZE", "Total Datastore size", 6, lambda e: unit(float(e.findtext("TOTAL_MB") or 0), "M")),
    Column("AVAIL", "Free Datastore size (%)", 5, _avail, left=True),
    Column("CLUSTERS", "Cluster IDs", 8, lambda e: show.id_list(e.find("CLUSTERS")) or "-", left=True),
    Column("IMAGES", "Number of Images", 6, lambda e: str(len(e.findall("IMAGES/ID")))),
    Column("TYPE", "Datastore type", 4, lambda e: states.short(states.DATASTORE_TYPE, e.findtext("TYPE")), left=True),
    Column("DS", "Datastore driver", 7, lambda e: e.findtext("DS_MAD") or "-", left=True),
    Column("TM", "Transfer driver", 7, lambda e: e.findtext("TM_MAD") or "-", left=True),
    Column("STAT", "State of the Datastore", 4, lambda e: states.short(states.DATASTORE, e.findtext("STATE")), left=True),
], ["ID", "NAME", "SIZE", "AVAIL", "CLUSTERS", "IMAGES", "TYPE", "DS", "TM", "STAT"])

render = show.owned("DATASTORE", [
    ("CLUSTERS", lambda e: show.id_list(e.find("CLUSTERS"))),
    ("TYPE", lambda e: states.name(states.DATASTORE_TYPE, e.findtext("TYPE"))),
    ("DS_MAD", show.field("DS_MAD")), ("TM_MAD", show.field("TM_MAD")),
    ("BASE PATH", show.field("BASE_PATH")), ("DISK_TYPE", show.field("DISK_TYPE")),
    ("STATE", lambda e: states.name(states.DATASTORE, e.findtext("STATE"))),
    ("TOTAL", lambda e: unit(float(e.findtext("TOTAL_MB") or 0), "M")),
    ("FREE", lambda e: unit(float(e.findtext("FREE_MB") or 0), "M")),
    ("USED", lambda e: unit(float(e.findtext("USED_MB") or 0), "M")),
    ("IMAGES", lambda e: show.id_list(e.find("IMAGES"))),
], "DATASTORE TEMPLATE")


def _cluster(ctx: Context, a: argparse.Namespace) -> tuple[int]:
    if not a.cluster:
        return (-1,)
    from oneedge.cli.onecluster import CLUSTER

    return (CLUSTER.to_id(ctx, a.cluster),)


CLUSTER_ARG = Arg("-c", "--cluster", help="cluster name or ID to add the new object to")

TOOL = Tool("onedatastore", "Manage OpenNebula datastores", [
    create_verb(DATASTORE, _cluster, (CLUSTER_ARG,)),
    delete_verb(DATASTORE),
    update_verb(DATASTORE),
    rename_verb(DATASTORE),
    *ownership_verbs(DATASTORE),
    action_verb(DATASTORE, "enable", "Enables datastores", "enable", lambda a: (True,), done="enabled"),
    action_verb(DATASTORE, "disable", "Disables datastores", "enable", lambda a: (False,), done="disabled"),
    list_verb(DATASTORE, TABLE),
    show_verb(DATASTORE, render),
    top_verb(DATASTORE, TABLE),
])
main = TOOL.run
