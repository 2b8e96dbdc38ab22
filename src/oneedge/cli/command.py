"""The ``one<object> <verb>`` framework: verbs as data, parsed with argparse, run in a Context.

A :class:`Tool` (``onevm``) holds :class:`Verb`s (``list``, ``show``,
``terminate``...). Command lines are parsed by :mod:`oneedge.cli.argv`
from the verb's :class:`Arg` data; argparse (:mod:`oneedge.cli.usage`) is
loaded only for help, errors and what that small parser leaves to it, which
keeps start-up fast. Every failure ends as one line on stderr and a
non-zero exit status: :class:`~oneedge.cli.errors.CliError` (255, or 2 for
bad usage), 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import sys

from oneedge.cli.errors import CliError

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import Any

    from oneedge.cli.rpc import Client


class Arg:
    """One ``add_argument`` call: flags and keyword arguments, kept as data for completion."""

    __slots__ = ("flags", "kwargs")

    def __init__(self, *flags: str, **kwargs: Any) -> None:
        self.flags = flags
        self.kwargs = kwargs

    @property
    def option(self) -> bool:
        return self.flags[0].startswith("-")


CLIENT_ARGS = (
    Arg("--endpoint", metavar="URL", help="URL of the XML-RPC front-end (default: ONE_XMLRPC, "
        "a front-end started by 'oneedge up' on this machine, or http://localhost:2633/RPC2)"),
    Arg("--user", metavar="NAME", help="user name to connect as (asks for the password if --password is not given)"),
    Arg("--password", metavar="PASSWORD", help="password of --user"),
    Arg("-v", "--verbose", action="store_true", help="print a line per object acted on"),
)


class Verb:
    """A subcommand: its name, one-line help, arguments, examples and the function running it.

    ``run(ctx, args)`` returns the exit status (None means 0) or raises CliError.
    """

    __slots__ = ("name", "summary", "run", "args", "examples", "aliases")

    def __init__(self, name: str, summary: str, run: Callable[[Context, argparse.Namespace], int | None],
                 args: Sequence[Arg] = (), examples: Sequence[str] = (), aliases: Sequence[str] = ()) -> None:
        self.name = name
        self.summary = summary
        self.run = run
        self.args = tuple(args)
        self.examples = tuple(examples)
        self.aliases = tuple(aliases)


class Tool:
    """A ``one*`` command: a program name, a summary and its verbs in help order."""

    def __init__(self, prog: str, summary: str, verbs: Sequence[Verb]) -> None:
        self.prog = prog
        self.summary = summary
        self.verbs = {v.name: v for v in (*verbs, _completion_verb(prog))}
        self.aliases = {a: v.name for v in verbs for a in v.aliases}

    def parse(self, argv: Sequence[str]) -> tuple[Verb, argparse.Namespace]:
        """The verb named first in ``argv`` and its arguments; options and positionals may mix."""
        from oneedge.cli import argv as fast

        name = self.aliases.get(argv[0], argv[0]) if argv else ""
        verb = self.verbs.get(name)
        if verb is None:
            from oneedge.cli.usage import top_parser

            top_parser(self).parse_args(argv)
            raise CliError(f"{self.prog}: unknown verb {argv[0]!r} (see '{self.prog} --help')", 2)
        args = fast.parse((*verb.args, *CLIENT_ARGS), argv[1:])
        if args is None:
            from oneedge.cli.usage import verb_parser

            args = verb_parser(self, verb).parse_intermixed_args(argv[1:])
        return verb, args

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
        argv = list(sys.argv[1:] if argv is None else argv)
        try:
            verb, args = self.parse(argv)
            status = verb.run(Context(self, args), args)
            sys.stdout.flush()
            return status or 0
        except CliError as exc:
            _flush_quietly()
            print(exc.message, file=sys.stderr)
            return exc.status
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            # The reader (head, less) left: not an error of ours.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    def run(self) -> None:
        """Console-script entry point."""
        sys.exit(self.main())


def _completion_verb(prog: str) -> Verb:
    def run(ctx: Context, args: argparse.Namespace) -> None:
        from oneedge.cli.completion import script

        ctx.out.write(script(ctx.tool, args.shell))

    return Verb("completion", "Prints the shell completion script for bash or zsh", run,
                (Arg("shell", choices=("bash", "zsh"), help="bash or zsh"),),
                (f"source <({prog} completion bash)", f"{prog} completion bash > /etc/bash_completion.d/{prog}"))


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except OSError:
        pass


class Context:
    """One run of a verb: parsed arguments, the output stream and a client made on first use."""

    def __init__(self, tool: Tool, args: argparse.Namespace) -> None:
        self.tool = tool
        self.args = args
        self.out = sys.stdout
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = _connect(self.args)
        return self._client

    def call(self, method: str, *params: Any) -> Any:
        """``one.*`` call; API failures raise ApiError with OpenNebula's message."""
        return self.client.call(method, *params)

    def echo(self, line: str = "") -> None:
        self.out.write(line + "\n")

    def verbose(self, line: str) -> None:
        if getattr(self.args, "verbose", False):
            self.echo(line)


def _connect(args: argparse.Namespace) -> Client:
    from oneedge.cli.discovery import discover
    from oneedge.cli.rpc import Client

    target = discover()
    endpoint = args.endpoint or target.endpoint
    if args.user:
        password = args.password
        if password is None:
            if not sys.stdin.isatty():
                raise CliError("--user needs --password when not run from a terminal")
            import getpass

            password = getpass.getpass("Password: ")
        return Client(endpoint, f"{args.user}:{password}")
    if target.secret is None:
        where = target.auth_file or "ONE_AUTH, ~/.one/one_auth or a front-end started by 'oneedge up'"
        raise CliError(f"No credentials: cannot read {where} (expected a line 'user:password')")
    return Client(endpoint, target.secret)
