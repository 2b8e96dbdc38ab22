"""``onetemplate``: manage VM templates and instantiate them."""

from __future__ import annotations

from oneedge.cli import owned, show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Table
from oneedge.cli.verbs import (delete_verb, list_verb, lock_verbs, ownership_verbs, rename_verb, show_verb, top_verb,
                               update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context

TEMPLATE = Kind("VMTEMPLATE", "template", "templatepool", "TEMPLATE", filtered=True, info_args=(False, False))
COLUMNS = owned.columns("Template")
TABLE = Table(list(COLUMNS.values()), ["ID", "USER", "GROUP", "NAME", "REGTIME"])
render = show.owned("TEMPLATE", [
    ("LOCK", show.lock),
    ("REGISTER TIME", lambda e: _stamp(e.findtext("REGTIME"))),
], "TEMPLATE CONTENTS")


def _stamp(value: str | None) -> str:
    from oneedge.cli.fmt import timestamp

    return timestamp(value or 0)


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli import quick
    from oneedge.cli.options import template_input
    from oneedge.cli.verbs import allocate

    base = template_input(a.file, "VM") if a.file or not quick.used(a) else ""
    return allocate(ctx, TEMPLATE, quick.template(a, base))


def _instantiate(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.options import template_input

    tid = TEMPLATE.to_id(ctx, a.id)
    extra = template_input(a.file, "VM") if a.file else ""
    for n in range(a.multiple):
        name = a.name or ""
        if name and a.multiple > 1:
            name = name.replace("%i", str(n)) if "%i" in name else f"{name}-{n}"
        ctx.echo(f"VM ID: {ctx.call('one.template.instantiate', tid, name, a.hold, extra, a.persistent)}")
    return 0


def _clone(ctx: Context, a: argparse.Namespace) -> None:
    ctx.echo(f"ID: {ctx.call('one.template.clone', TEMPLATE.to_id(ctx, a.id), a.name, a.recursive)}")


def _create_verb() -> Verb:
    from oneedge.cli.quick import OPTIONS

    return Verb("create", "Creates a new VM template from a file and/or quick options", _create,
                (Arg("file", nargs="?", help="template file (default: stdin unless quick options are given)"),
                 *OPTIONS), ("onetemplate create vm.tmpl", "onetemplate create --name small --cpu 1 --memory 512"))


RECURSIVE = Arg("--recursive", action="store_true", help="also act on the template's images")

TOOL = Tool("onetemplate", "Manage OpenNebula VM templates", [
    _create_verb(),
    Verb("clone", "Creates a copy of a template", _clone,
         (Arg("id", metavar="TEMPLATEID"), Arg("name", help="name of the copy"), RECURSIVE),
         ("onetemplate clone small small-copy",)),
    delete_verb(TEMPLATE, lambda a: (a.recursive,), (RECURSIVE,)),
    Verb("instantiate", "Creates VMs from a template", _instantiate, (
        Arg("id", metavar="TEMPLATEID", help="template name or ID"),
        Arg("file", nargs="?", help="extra template merged into the template"),
        Arg("--name", help="VM name; with --multiple, %%i is replaced by the VM's number"),
        Arg("-m", "--multiple", type=int, default=1, metavar="N", help="create N VMs"),
        Arg("--hold", action="store_true", help="create the VMs on hold"),
        Arg("--persistent", action="store_true", help="make persistent copies of the images")),
        ("onetemplate instantiate small --name web", "onetemplate instantiate small -m 3 --name web-%i --hold")),
    update_verb(TEMPLATE),
    rename_verb(TEMPLATE),
    *ownership_verbs(TEMPLATE),
    *lock_verbs(TEMPLATE),
    list_verb(TEMPLATE, TABLE),
    show_verb(TEMPLATE, render),
    top_verb(TEMPLATE, TABLE),
])
main = TOOL.run
