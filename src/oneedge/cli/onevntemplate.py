"""``onevntemplate``: manage virtual network templates and instantiate them."""

from __future__ import annotations

from oneedge.cli import owned, show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Table
from oneedge.cli.verbs import (create_verb, delete_verb, list_verb, lock_verbs, ownership_verbs, rename_verb,
                               show_verb, top_verb, update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context

VNTEMPLATE = Kind("VNTEMPLATE", "vntemplate", "vntemplatepool", "VNTEMPLATE", filtered=True)
TABLE = Table(list(owned.columns("Template").values()), ["ID", "USER", "GROUP", "NAME", "REGTIME"])
render = show.owned("TEMPLATE", [("LOCK", show.lock)], "TEMPLATE CONTENTS")


def _instantiate(ctx: Context, a: argparse.Namespace) -> None:
    from oneedge.cli.options import template_input

    extra = template_input(a.file, "VNET") if a.file else ""
    ctx.echo(f"VN ID: {ctx.call('one.vntemplate.instantiate', VNTEMPLATE.to_id(ctx, a.id), a.name or '', extra)}")


def _clone(ctx: Context, a: argparse.Namespace) -> None:
    ctx.echo(f"ID: {ctx.call('one.vntemplate.clone', VNTEMPLATE.to_id(ctx, a.id), a.name)}")


TOOL = Tool("onevntemplate", "Manage OpenNebula virtual network templates", [
    create_verb(VNTEMPLATE),
    Verb("clone", "Creates a copy of a template", _clone, (Arg("id", metavar="VNTEMPLATEID"), Arg("name")),
         ("onevntemplate clone private private-copy",)),
    delete_verb(VNTEMPLATE),
    Verb("instantiate", "Creates a virtual network from a template", _instantiate, (
        Arg("id", metavar="VNTEMPLATEID", help="template name or ID"),
        Arg("file", nargs="?", help="extra template merged into the template"),
        Arg("--name", help="name of the new virtual network")), ("onevntemplate instantiate private --name net1",)),
    update_verb(VNTEMPLATE),
    rename_verb(VNTEMPLATE),
    *ownership_verbs(VNTEMPLATE),
    *lock_verbs(VNTEMPLATE),
    list_verb(VNTEMPLATE, TABLE),
    show_verb(VNTEMPLATE, render),
    top_verb(VNTEMPLATE, TABLE),
])
main = TOOL.run
