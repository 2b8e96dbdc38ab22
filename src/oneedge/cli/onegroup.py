"""``onegroup``: manage groups."""

from __future__ import annotations

from oneedge.cli import quota, show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import USER, Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import delete_verb, for_each, list_verb, show_verb, top_verb, update_verb

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

GROUP = Kind("GROUP", "group", "grouppool", "GROUP")


def _rows(root: Element) -> Iterable[quota.QuotaRow]:
    return quota.rows(root, "GROUP", "DEFAULT_GROUP_QUOTAS/VM_QUOTA/VM")


TABLE = Table([
    Column("ID", "ONE identifier for the Group", 4, lambda r: r.el.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the Group", 15, lambda r: r.el.findtext("NAME", ""), left=True, expand=True),
    Column("USERS", "Number of Users in this group", 5, lambda r: str(len(r.el.findall("USERS/ID")))),
    *quota.columns(9, 17, 11),
], ["ID", "NAME", "USERS", "VMS", "MEMORY", "CPU"])


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    show.header(ctx, f"GROUP {root.findtext('ID')} INFORMATION", first=True)
    show.pairs(ctx, [("ID", root.findtext("ID", "")), ("NAME", root.findtext("NAME", ""))])
    show.template(ctx, "GROUP TEMPLATE", root.find("TEMPLATE"))
    show.header(ctx, "USERS")
    ctx.echo("ID")
    for uid in root.iterfind("USERS/ID"):
        ctx.echo(f"{uid.text:>2}")
    admins = show.id_list(root.find("ADMINS"))
    if admins:
        show.header(ctx, "ADMINS")
        ctx.echo(admins)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.verbs import allocate

    return allocate(ctx, GROUP, a.name)


def _admin_verb(name: str, summary: str, method: str) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> int:
        uid = USER.to_id(ctx, a.owner)
        return for_each(ctx, GROUP, a.ids, lambda gid: ctx.call(method, gid, uid), name)

    return Verb(name, summary, run, (Arg("ids", metavar="RANGE", help="group IDs, names, lists and ranges"),
                                     Arg("owner", metavar="USER", help="user name or ID")), (f"onegroup {name} edge alice",))


TOOL = Tool("onegroup", "Manage OpenNebula groups", [
    Verb("create", "Creates a new group", _create, (Arg("name", help="group name"),), ("onegroup create edge",)),
    delete_verb(GROUP),
    update_verb(GROUP),
    _admin_verb("addadmin", "Makes a user an administrator of the group", "one.group.addadmin"),
    _admin_verb("deladmin", "Removes a user from the group's administrators", "one.group.deladmin"),
    list_verb(GROUP, TABLE, _rows),
    show_verb(GROUP, render),
    top_verb(GROUP, TABLE, _rows),
])
main = TOOL.run
