"""``oneuser``: manage users."""

from __future__ import annotations

from oneedge.cli import quota, show
from oneedge.cli.command import Arg, Tool, Verb
from oneedge.cli.kind import USER
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import action_verb, delete_verb, list_verb, show_verb, top_verb, update_verb

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context
    from oneedge.cli.kind import Kind

def _rows(root: Element) -> Iterable[quota.QuotaRow]:
    return quota.rows(root, "USER", "DEFAULT_USER_QUOTAS/VM_QUOTA/VM")


TABLE = Table([
    Column("ID", "ONE identifier for the User", 4, lambda r: r.el.findtext("ID", ""), adjust=True),
    Column("NAME", "Name of the User", 15, lambda r: r.el.findtext("NAME", ""), left=True, expand=True),
    Column("ENABLED", "User is enabled", 4, lambda r: "yes" if r.el.findtext("ENABLED") == "1" else "no", left=True),
    Column("GROUP", "Group of the User", 10, lambda r: r.el.findtext("GNAME", ""), left=True),
    Column("AUTH", "Auth driver of the User", 8, lambda r: r.el.findtext("AUTH_DRIVER", ""), left=True),
    *quota.columns(9, 17, 11),
    Column("PASSWORD", "Password of the User", 50, lambda r: r.el.findtext("PASSWORD", ""), left=True),
], ["ID", "NAME", "ENABLED", "GROUP", "AUTH", "VMS", "MEMORY", "CPU"])


def render(ctx: Context, root: Element, args: argparse.Namespace) -> None:
    groups = [g.text or "" for g in root.iterfind("GROUPS/ID")]
    show.header(ctx, f"USER {root.findtext('ID')} INFORMATION", first=True)
    rows = [("ID", root.findtext("ID", "")), ("NAME", root.findtext("NAME", "")), ("GROUP", root.findtext("GNAME", ""))]
    if len(groups) > 1:
        rows.append(("SECONDARY GROUPS", ",".join(groups)))
    rows += [("PASSWORD", root.findtext("PASSWORD", "")), ("AUTH_DRIVER", root.findtext("AUTH_DRIVER", "")),
             ("ENABLED", "Yes" if root.findtext("ENABLED") == "1" else "No")]
    show.pairs(ctx, rows)
    show.template(ctx, "USER TEMPLATE", root.find("TEMPLATE"))
    vm = root.find("VM_QUOTA/VM")
    if vm is not None:
        show.header(ctx, "VMS USAGE & QUOTAS")
        show.pairs(ctx, [(c.tag, c.text or "") for c in vm])


def _create(ctx: Context, a: argparse.Namespace) -> int:
    from oneedge.cli.verbs import allocate

    groups = [_group().to_id(ctx, g) for g in a.group.split(",")] if a.group else []
    if a.new_password is None and a.driver in (None, "core"):
        from oneedge.cli.errors import CliError

        raise CliError("oneuser create: a password is needed for the core driver", 2)
    return allocate(ctx, USER, a.name, a.new_password or "", a.driver or "", groups)


def _group() -> Kind:
    from oneedge.cli.onegroup import GROUP

    return GROUP


def _passwd(ctx: Context, a: argparse.Namespace) -> None:
    ctx.call("one.user.passwd", USER.to_id(ctx, a.id), a.new_password)


def _chauth(ctx: Context, a: argparse.Namespace) -> None:
    ctx.call("one.user.chauth", USER.to_id(ctx, a.id), a.driver, a.new_password or "")


def _login(ctx: Context, a: argparse.Namespace) -> None:
    """Ask for a token; print it, or with --save write ``user:token`` to ONE_AUTH's file."""
    from oneedge.cli.discovery import discover

    egid = _group().to_id(ctx, a.group) if a.group else -1
    token = ctx.call("one.user.login", a.name, "", a.time, egid)
    if a.save:
        import os

        path = discover().auth_file or os.path.expanduser("~/.one/one_auth")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(f"{a.name}:{token}\n")
    ctx.echo(token)


def _groups_verb(name: str, summary: str, method: str) -> Verb:
    from oneedge.cli.verbs import for_each

    def run(ctx: Context, a: argparse.Namespace) -> int:
        gid = _group().to_id(ctx, a.group)
        return for_each(ctx, USER, a.ids, lambda oid: ctx.call(method, oid, gid), name)

    return Verb(name, summary, run, (Arg("ids", metavar="RANGE", help="user IDs, names, lists and ranges"),
                                     Arg("group", help="group name or ID")), (f"oneuser {name} alice users",))


TOOL = Tool("oneuser", "Manage OpenNebula users", [
    Verb("create", "Creates a new user", _create, (
        Arg("name", help="user name"), Arg("new_password", nargs="?", metavar="PASSWORD", help="password"),
        Arg("--driver", help="authentication driver (default core)"),
        Arg("--group", metavar="G1,G2", help="groups: the first is the main one")),
        ("oneuser create alice s3cret", "oneuser create bob pw --group users,edge")),
    delete_verb(USER),
    update_verb(USER),
    Verb("passwd", "Changes the user's password", _passwd,
         (Arg("id", metavar="USERID", help="user name or ID"), Arg("new_password", metavar="PASSWORD")),
         ("oneuser passwd alice n3w",)),
    _groups_verb("chgrp", "Changes the user's main group", "one.user.chgrp"),
    _groups_verb("addgroup", "Adds a secondary group", "one.user.addgroup"),
    _groups_verb("delgroup", "Removes a secondary group", "one.user.delgroup"),
    Verb("chauth", "Changes the user's authentication driver", _chauth,
         (Arg("id", metavar="USERID"), Arg("driver"), Arg("new_password", nargs="?", metavar="PASSWORD")),
         ("oneuser chauth alice ldap",)),
    Verb("login", "Creates a login token", _login, (
        Arg("name", help="user name"), Arg("--time", type=int, default=36000, help="validity in seconds (-1: forever)"),
        Arg("--group", help="effective group of the token"),
        Arg("--save", action="store_true", help="write user:token to the ONE_AUTH file")),
        ("oneuser login alice --time 3600",)),
    action_verb(USER, "enable", "Enables users", "enable", lambda a: (True,), done="enabled"),
    action_verb(USER, "disable", "Disables users", "enable", lambda a: (False,), done="disabled"),
    list_verb(USER, TABLE, _rows),
    show_verb(USER, render),
    top_verb(USER, TABLE, _rows),
])
main = TOOL.run
