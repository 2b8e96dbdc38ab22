"""``onesecgroup``: manage security groups."""

from __future__ import annotations

from oneedge.cli import owned, show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (create_verb, delete_verb, list_verb, ownership_verbs, rename_verb, show_verb, top_verb,
                               update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

SECGROUP = Kind("SECURITY_GROUP", "secgroup", "secgrouppool", "SECURITY GROUP", filtered=True)


def _count(path: str) -> Column:
    return Column(path, f"Number of VMs with {path.lower()} rules", 8, lambda e: str(len(e.findall(f"{path}_VMS/ID"))))


TABLE = Table([*owned.columns("Security Group").values(), _count("UPDATED"), _count("OUTDATED"), _count("ERROR")],
              ["ID", "USER", "GROUP", "NAME", "UPDATED", "OUTDATED", "ERROR"])


_owned = show.owned("SECURITY GROUP", [], "TEMPLATE")


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    _owned(ctx, root, args)
    show.header(ctx, "VIRTUAL MACHINES")
    show.pairs(ctx, [(state, show.id_list(root.find(f"{state}_VMS")))
                     for state in ("UPDATED", "OUTDATED", "UPDATING", "ERROR")])


def _clone(ctx: Context, a: argparse.Namespace) -> None:
    ctx.echo(f"ID: {ctx.call('one.secgroup.clone', SECGROUP.to_id(ctx, a.id), a.name)}")


def _commit(ctx: Context, a: argparse.Namespace) -> None:
    ctx.call("one.secgroup.commit", SECGROUP.to_id(ctx, a.id), a.recover)


TOOL = Tool("onesecgroup", "Manage OpenNebula security groups", [
    create_verb(SECGROUP),
    Verb("clone", "Creates a copy of a security group", _clone, (Arg("id", metavar="SECGROUPID"), Arg("name")),
         ("onesecgroup clone web web-copy",)),
    delete_verb(SECGROUP),
    update_verb(SECGROUP),
    Verb("commit", "Applies the security group's rules to its VMs", _commit, (
        Arg("id", metavar="SECGROUPID"),
        Arg("--recover", action="store_true", help="only VMs whose update failed or is pending")),
        ("onesecgroup commit web",)),
    rename_verb(SECGROUP),
    *ownership_verbs(SECGROUP),
    list_verb(SECGROUP, TABLE),
    show_verb(SECGROUP, render),
    top_verb(SECGROUP, TABLE),
])
main = TOOL.run
