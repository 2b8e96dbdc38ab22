"""The argparse side of a :class:`~oneedge.cli.command.Tool`: ``--help`` with examples,
``--version``, and usage errors worded by argparse, for the command lines
:mod:`oneedge.cli.argv` leaves to it."""

from __future__ import annotations

import argparse

from oneedge.cli.command import CLIENT_ARGS
from oneedge.cli.errors import CliError

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from typing import Any

    from oneedge.cli.command import Tool, Verb


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``onevm show: error: ...``) and status 2."""

    def error(self, message: str) -> Any:
        raise CliError(f"{self.prog}: {message} (see '{self.prog} --help')", 2)


def verb_parser(tool: Tool, verb: Verb) -> argparse.ArgumentParser:
    """The parser of one verb (``onevm terminate``), with its examples in the help."""
    epilog = "Examples:\n" + "\n".join(f"  {e}" for e in verb.examples) if verb.examples else None
    parser = _Parser(prog=f"{tool.prog} {verb.name}", description=verb.summary, epilog=epilog,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for arg in (*verb.args, *CLIENT_ARGS):
        parser.add_argument(*arg.flags, **arg.kwargs)
    return parser


def top_parser(tool: Tool) -> argparse.ArgumentParser:
    """The parser listing every verb, for ``--help``, ``--version`` and unknown verbs."""
    from oneedge import __version__

    top = _Parser(prog=tool.prog, description=tool.summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                  epilog=f"Run '{tool.prog} VERB --help' for a verb's options and examples.")
    top.add_argument("-V", "--version", action="version", version=f"{tool.prog} (oneedge {__version__})")
    subs = top.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    subs.required = True
    for verb in tool.verbs.values():
        subs.add_parser(verb.name, aliases=list(verb.aliases), help=verb.summary)
    return top
