"""Verbs every object kind shares: list, show, top, create, update, delete, rename,
chown, chgrp, chmod, lock, unlock, and simple per-ID actions."""

from __future__ import annotations

from oneedge.cli.command import Arg, Verb
from oneedge.cli.errors import CliError
from oneedge.cli.options import APPEND, FORMAT, TABLE, edit, table_options, template_input

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context
    from oneedge.cli.kind import Kind
    from oneedge.cli.table import Table


def _id(kind: Kind) -> Arg:
    return Arg("id", metavar=f"{kind.rpc.upper()}ID", help=f"{kind.label} name or ID")


def _range(kind: Kind) -> Arg:
    return Arg("ids", metavar="RANGE", help=f"{kind.label} IDs, names, lists and ranges: 3..7,9,name")


def print_document(ctx: Context, root: Element, args: argparse.Namespace) -> bool:
    """Print ``root`` as -x XML, -j JSON or -y YAML if one was asked; False if none was."""
    if not (args.xml or args.json or args.yaml):
        return False
    from oneedge.cli import document

    if args.xml:
        from oneedge.cli.xmldoc import to_xml

        ctx.echo(to_xml(root))
        return True
    from oneedge.cli.xsdarrays import load

    data = document.to_hash(root, load().get(root.tag, frozenset()))
    ctx.echo(document.dump_json(data) if args.json else document.dump_yaml(data))
    return True


def _elements(kind: Kind) -> Callable[[Element], Iterable[Any]]:
    return lambda root: root.iterfind(kind.name)


def list_verb(kind: Kind, table: Table, rows: Callable[[Element], Iterable[Any]] | None = None,
              examples: Sequence[str] = ()) -> Verb:
    """``list [FILTER]``: the pool as a table (of ``rows(pool)``, the pool's elements by
    default), or -x/-j/-y."""
    rows = rows or _elements(kind)

    def run(ctx: Context, args: argparse.Namespace) -> None:
        if args.describe:
            for line in table.describe():
                ctx.echo(line)
            return
        from oneedge.cli.kind import filter_flag

        root = kind.fetch_pool(ctx, filter_flag(ctx, getattr(args, "filterflag", None)))
        if print_document(ctx, root, args):
            return
        for line in table.render(rows(root), table_options(ctx, args)):
            ctx.echo(line)

    flag = (Arg("filterflag", nargs="?", metavar="FILTER",
                help="a|all (default), m|mine, g|group, G|primary, or a user name or ID"),) if kind.filtered else ()
    return Verb("list", f"Lists {kind.label}s in the pool", run, (*flag, *TABLE, *FORMAT),
                examples or (f"one{kind.rpc} list", f"one{kind.rpc} list -l ID,NAME --csv"))


def top_verb(kind: Kind, table: Table, rows: Callable[[Element], Iterable[Any]] | None = None) -> Verb:
    """``top``: the list refreshed every --delay seconds until Ctrl-C."""
    rows = rows or _elements(kind)

    def run(ctx: Context, args: argparse.Namespace) -> None:
        import time

        opts = table_options(ctx, args)
        try:
            while True:
                root = kind.fetch_pool(ctx)
                lines = list(table.render(rows(root), opts))
                ctx.out.write("\33[2J\33[H" + "\n".join(lines) + "\n")
                ctx.out.flush()
                time.sleep(args.delay)
        except KeyboardInterrupt:
            return

    delay = Arg("-d", "--delay", type=float, default=1.0, metavar="SECONDS", help="refresh period (default 1)")
    table_args = tuple(a for a in TABLE if a.flags[-1] not in ("--csv", "--csv-del", "--describe"))
    return Verb("top", f"Lists {kind.label}s continuously", run, (delay, *table_args), (f"one{kind.rpc} top -d 5",))


def show_verb(kind: Kind, render: Callable[[Context, Element, argparse.Namespace], None],
              extra: Sequence[Arg] = ()) -> Verb:
    """``show ID``: the object's sections, or -x/-j/-y."""
    def run(ctx: Context, args: argparse.Namespace) -> None:
        root = kind.fetch(ctx, kind.to_id(ctx, args.id))
        if not print_document(ctx, root, args):
            render(ctx, root, args)

    return Verb("show", f"Shows information for the given {kind.label}", run, (_id(kind), *extra, *FORMAT),
                (f"one{kind.rpc} show 0", f"one{kind.rpc} show 0 -j"))


def for_each(ctx: Context, kind: Kind, spec: str, action: Callable[[int], Any], done: str) -> int:
    """Run ``action`` on every ID of ``spec``; errors are printed one per line and the
    status is 255 if any failed (OpenNebula goes on with the next ID too)."""
    import sys

    status = 0
    for oid in kind.to_ids(ctx, spec):
        try:
            action(oid)
            ctx.verbose(f"{kind.label} {oid}: {done}")
        except CliError as exc:
            print(exc.message, file=sys.stderr)
            status = exc.status
    return status


def action_verb(kind: Kind, name: str, summary: str, method: str, params: Callable[[argparse.Namespace], tuple[Any, ...]] = lambda a: (),
                args: Sequence[Arg] = (), done: str | None = None, examples: Sequence[str] = ()) -> Verb:
    """``name RANGE``: ``one.<rpc>.<method>(id, *params(args))`` on each ID."""
    def run(ctx: Context, a: argparse.Namespace) -> int:
        extra = params(a)
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method(method), oid, *extra), done or name)

    return Verb(name, summary, run, (_range(kind), *args), examples or (f"one{kind.rpc} {name} 3..5,7",))


def allocate(ctx: Context, kind: Kind, *params: Any) -> int:
    """``one.<rpc>.allocate(*params)``, printing ``ID: <id>`` as OpenNebula does."""
    oid = ctx.call(kind.method("allocate"), *params)
    ctx.echo(f"ID: {oid}")
    return 0


def create_verb(kind: Kind, extra: Callable[[Context, argparse.Namespace], tuple[Any, ...]] = lambda c, a: (),
                args: Sequence[Arg] = ()) -> Verb:
    """``create FILE``: ``one.<rpc>.allocate(template, *extra)`` from a file or stdin."""
    def run(ctx: Context, a: argparse.Namespace) -> int:
        return allocate(ctx, kind, template_input(a.file, kind.label), *extra(ctx, a))

    file = Arg("file", nargs="?", help="template file (default: stdin)")
    return Verb("create", f"Creates a new {kind.label} from a template", run, (file, *args),
                (f"one{kind.rpc} create {kind.rpc}.tmpl", f"echo 'NAME=x' | one{kind.rpc} create"))


def update_verb(kind: Kind) -> Verb:
    """``update ID [FILE] [-a]``: replace or merge the template; without FILE, edit it in $EDITOR."""
    def run(ctx: Context, a: argparse.Namespace) -> None:
        oid = kind.to_id(ctx, a.id)
        if a.file:
            text = template_input(a.file, kind.label)
        else:
            from oneedge.cli.document import template_str

            root = kind.fetch(ctx, oid)
            section = root.find("USER_TEMPLATE") if root.find("USER_TEMPLATE") is not None else root.find("TEMPLATE")
            text = edit("" if a.append else template_str(section))
        ctx.call(kind.method("update"), oid, text, 1 if a.append else 0)

    file = Arg("file", nargs="?", help="template file (default: edit the current one in $EDITOR)")
    return Verb("update", f"Updates the template of a {kind.label}", run, (_id(kind), file, APPEND),
                (f"one{kind.rpc} update 3 new.tmpl", f"one{kind.rpc} update 3 --append extra.tmpl"))


def delete_verb(kind: Kind, params: Callable[[argparse.Namespace], tuple[Any, ...]] = lambda a: (),
                args: Sequence[Arg] = ()) -> Verb:
    return action_verb(kind, "delete", f"Deletes the given {kind.label}s", "delete", params, args, "deleted")


def rename_verb(kind: Kind) -> Verb:
    def run(ctx: Context, a: argparse.Namespace) -> None:
        ctx.call(kind.method("rename"), kind.to_id(ctx, a.id), a.name)

    return Verb("rename", f"Renames the {kind.label}", run, (_id(kind), Arg("name", help="new name")),
                (f"one{kind.rpc} rename 3 new-name",))


def ownership_verbs(kind: Kind) -> list[Verb]:
    """chown, chgrp and chmod, for kinds with an owner and permissions."""
    from oneedge.cli.kind import USER

    group = _group_kind()

    def chown(ctx: Context, a: argparse.Namespace) -> int:
        uid = USER.to_id(ctx, a.owner)
        gid = group.to_id(ctx, a.group) if a.group else -1
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("chown"), oid, uid, gid), "owner changed")

    def chgrp(ctx: Context, a: argparse.Namespace) -> int:
        gid = group.to_id(ctx, a.group)
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("chown"), oid, -1, gid), "group changed")

    def chmod(ctx: Context, a: argparse.Namespace) -> int:
        from oneedge.cli.fmt import octet

        try:
            bits = octet(a.octet)
        except ValueError as exc:
            raise CliError(str(exc), 2) from None
        return for_each(ctx, kind, a.ids, lambda oid: ctx.call(kind.method("chmod"), oid, *bits), "permissions changed")

    return [
        Verb("chown", f"Changes the owner (and group) of {kind.label}s", chown,
             (_range(kind), Arg("owner", metavar="USER", help="user name or ID"), Arg("group", nargs="?", help="group name or ID")),
             (f"one{kind.rpc} chown 3 alice", f"one{kind.rpc} chown 3..5 alice users")),
        Verb("chgrp", f"Changes the group of {kind.label}s", chgrp,
             (_range(kind), Arg("group", help="group name or ID")), (f"one{kind.rpc} chgrp 3 users",)),
        Verb("chmod", f"Changes the permissions of {kind.label}s", chmod,
             (_range(kind), Arg("octet", help="owner, group, other rights as digits: 4 use, 2 manage, 1 admin")),
             (f"one{kind.rpc} chmod 3 640",)),
    ]


def lock_verbs(kind: Kind) -> list[Verb]:
    levels = (Arg("--use", dest="level", action="store_const", const=1, help="lock use actions (default)"),
              Arg("--manage", dest="level", action="store_const", const=2, help="lock manage actions"),
              Arg("--admin", dest="level", action="store_const", const=3, help="lock admin actions"),
              Arg("--all", dest="level", action="store_const", const=4, help="lock every action"))
    return [
        action_verb(kind, "lock", f"Locks {kind.label}s against actions", "lock",
                    lambda a: (a.level or 1, False), levels, "locked"),
        action_verb(kind, "unlock", f"Unlocks {kind.label}s", "unlock", done="unlocked"),
    ]


def _group_kind() -> Kind:
    from oneedge.cli.kind import Kind

    return Kind("GROUP", "group", "grouppool", "GROUP")
