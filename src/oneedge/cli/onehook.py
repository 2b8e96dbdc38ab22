"""``onehook``: manage hooks and look at their executions."""

from __future__ import annotations

from oneedge.cli import show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import create_verb, delete_verb, list_verb, lock_verbs, rename_verb, show_verb, top_verb, update_verb

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

HOOK = Kind("HOOK", "hook", "hookpool", "HOOK", filtered=True)

TABLE = Table([
    Column("ID", "ONE identifier for Hook", 4, lambda e: e.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the Hook", 19, lambda e: e.findtext("NAME", ""), left=True, expand=True),
    Column("TYPE", "Type of the hook", 8, lambda e: e.findtext("TYPE", "")),
], ["ID", "NAME", "TYPE"])

EXECUTIONS = [
    Column("ID", "", 5, lambda e: e.findtext("EXECUTION_ID", "")),
    Column("TIMESTAMP", "", 15, lambda e: _stamp(e.findtext("TIMESTAMP"))),
    Column("RC", "", 4, lambda e: e.findtext("EXECUTION_RESULT/CODE", "")),
    Column("EXECUTION", "", 9, lambda e: "SUCCESS" if e.findtext("EXECUTION_RESULT/CODE") == "0" else "ERROR",
           left=True),
]


def _stamp(value: str | None) -> str:
    from oneedge.cli.fmt import timestamp

    return timestamp(value or 0)


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    show.fields(ctx, root, f"HOOK {root.findtext('ID')} INFORMATION", [
        ("ID", show.field("ID")), ("NAME", show.field("NAME")), ("TYPE", show.field("TYPE")), ("LOCK", show.lock),
    ], first=True)
    show.template(ctx, "HOOK TEMPLATE", root.find("TEMPLATE"))
    show.table(ctx, "EXECUTION LOG", EXECUTIONS, root.findall("HOOKLOG/HOOK_EXECUTION_RECORD"))


def _retry(ctx: Context, a: argparse.Namespace) -> None:
    ctx.call("one.hook.retry", HOOK.to_id(ctx, a.id), a.execution)


def _log(ctx: Context, a: argparse.Namespace) -> None:
    from oneedge.cli.document import parse

    hook = HOOK.to_id(ctx, a.hook) if a.hook else -1
    root = parse(ctx.call("one.hooklog.info", a.since, a.until, hook, {"all": 0, "success": 1, "error": -1}[a.rc]))
    show.table(ctx, "HOOK LOG", [Column("HOOK", "", 4, lambda e: e.findtext("HOOK_ID", "")), *EXECUTIONS],
               root.findall("HOOK_EXECUTION_RECORD"))


TOOL = Tool("onehook", "Manage OpenNebula hooks", [
    create_verb(HOOK),
    delete_verb(HOOK),
    update_verb(HOOK),
    rename_verb(HOOK),
    *lock_verbs(HOOK),
    Verb("retry", "Runs a hook execution again", _retry,
         (Arg("id", metavar="HOOKID"), Arg("execution", type=int, metavar="EXECUTIONID")), ("onehook retry 0 3",)),
    Verb("log", "Shows the executions of hooks", _log, (
        Arg("--hook", help="only this hook (name or ID)"), Arg("--since", type=int, default=0, metavar="EPOCH"),
        Arg("--until", type=int, default=0, metavar="EPOCH"),
        Arg("--rc", choices=("all", "success", "error"), default="all")), ("onehook log --hook 0 --rc error",)),
    list_verb(HOOK, TABLE),
    show_verb(HOOK, render),
    top_verb(HOOK, TABLE),
])
main = TOOL.run
