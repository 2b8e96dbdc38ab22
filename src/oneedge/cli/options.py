"""Options shared by many verbs, as :class:`~oneedge.cli.command.Arg` data."""

from __future__ import annotations

from oneedge.cli.command import Arg

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context
    from oneedge.cli.table import TableOptions


def _columns(text: str) -> list[str]:
    return [c for c in text.split(",") if c]


FORMAT = (
    Arg("-x", "--xml", action="store_true", help="show the resource in XML format"),
    Arg("-j", "--json", action="store_true", help="show the resource in JSON format"),
    Arg("-y", "--yaml", action="store_true", help="show the resource in YAML format"),
)

TABLE = (
    Arg("-l", "--list", type=_columns, metavar="X,Y,Z", help="columns to display"),
    Arg("-f", "--filter", type=_columns, metavar="X=a,Y~b",
        help="keep rows where columns compare (=, !=, <, <=, >, >=, ~ contains) to values"),
    Arg("--operator", default="AND", metavar="AND|OR", help="how --filter expressions combine (default AND)"),
    Arg("--csv", action="store_true", help="write the table in CSV format"),
    Arg("--csv-del", default=",", metavar="DEL", help="CSV delimiter (default ,)"),
    Arg("--no-header", action="store_true", help="hide the header of the table"),
    Arg("--adjust", type=_columns, metavar="X,Y", help="widen these columns instead of truncating"),
    Arg("--size", type=_columns, metavar="X=N,Y=N", help="set the width of these columns"),
    Arg("--expand", type=_columns, metavar="X,Y", help="give the terminal's spare width to these columns"),
    Arg("--no-expand", action="store_true", help="do not fit the table to the terminal's width"),
    Arg("--describe", action="store_true", help="describe the list columns"),
)

APPEND = Arg("-a", "--append", action="store_true", help="append new attributes to the current template")


def table_options(ctx: Context, args: argparse.Namespace) -> TableOptions:
    from oneedge.cli.table import TableOptions, terminal_width

    return TableOptions(list=args.list, filter=args.filter, operator=args.operator, csv=args.csv,
                        csv_del=args.csv_del, no_header=args.no_header, adjust=args.adjust, size=args.size,
                        expand=args.expand, no_expand=args.no_expand, tty_width=terminal_width(ctx.out))


def template_input(path: str | None, what: str) -> str:
    """A template from the file ``path`` or, without one (or with ``-``), from stdin
    when it is not a terminal."""
    import sys

    from oneedge.cli.errors import CliError

    if path and path != "-":
        try:
            with open(path) as file:
                return file.read()
        except OSError as exc:
            raise CliError(f"File `{path}` cannot be read: {exc.strerror}") from None
    if sys.stdin.isatty():
        raise CliError(f"A {what} template is needed: give a file or pipe it on stdin", 2)
    return sys.stdin.read()


def edit(text: str) -> str:
    """``text`` after the user edits it in $EDITOR (vi by default), as ``onevm update ID``."""
    import os
    import shlex
    import subprocess
    import tempfile

    from oneedge.cli.errors import CliError

    fd, path = tempfile.mkstemp(prefix="one-template-", suffix=".txt")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(text)
        editor = os.environ.get("EDITOR") or "vi"
        if subprocess.call([*shlex.split(editor), path]) != 0:
            raise CliError(f"The editor {editor!r} failed; nothing changed")
        with open(path) as file:
            return file.read()
    finally:
        os.unlink(path)
