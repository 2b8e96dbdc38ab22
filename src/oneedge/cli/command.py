"""The ``one<object> <verb>`` framework: verbs as data, parsed with argparse, run in a Context.

A :class:`Tool` (``onevm``) holds :class:`Verb`s (``list``, ``show``,
``terminate``...). Only the parser of the verb being run is built, which
keeps start-up fast. Every failure ends as one line on stderr and a
non-zero exit status: :class:`~oneedge.cli.errors.CliError` (255, or 2 for
bad usage), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys

from oneedge.cli.errors import CliError

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
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


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``onevm show: error: ...``) and status 2."""

    def error(self, message: str) -> Any:
        raise CliError(f"{self.prog}: {message} (see '{self.prog} --help')", 2)


class Tool:
    """A ``one*`` command: a program name, a summary and its verbs in help order."""

    def __init__(self, prog: str, summary: str, verbs: Sequence[Verb]) -> None:
        self.prog = prog
        self.summary = summary
        self.verbs = {v.name: v for v in verbs}
        self.aliases = {a: v.name for v in verbs for a in v.aliases}

    def verb_parser(self, verb: Verb) -> argparse.ArgumentParser:
        """The parser of one verb (``onevm terminate``), with its examples in the help."""
        epilog = "Examples:\n" + "\n".join(f"  {e}" for e in verb.examples) if verb.examples else None
        parser = _Parser(prog=f"{self.prog} {verb.name}", description=verb.summary, epilog=epilog,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
        for arg in (*verb.args, *CLIENT_ARGS):
            parser.add_argument(*arg.flags, **arg.kwargs)
        return parser

    def top_parser(self) -> argparse.ArgumentParser:
        """The parser listing every verb, for ``--help``, ``--version`` and unknown verbs."""
        from oneedge import __version__

        top = _Parser(prog=self.prog, description=self.summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                      epilog=f"Run '{self.prog} VERB --help' for a verb's options and examples.")
        top.add_argument("-V", "--version", action="version", version=f"{self.prog} (oneedge {__version__})")
        subs = top.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
        subs.required = True
        for verb in self.verbs.values():
            subs.add_parser(verb.name, aliases=list(verb.aliases), help=verb.summary)
        return top

    def parse(self, argv: Sequence[str]) -> tuple[Verb, argparse.Namespace]:
        """The verb named first in ``argv`` and its arguments; options and positionals may mix.
        Only that verb's parser is built, which keeps start-up fast."""
        name = self.aliases.get(argv[0], argv[0]) if argv else ""
        verb = self.verbs.get(name)
        if verb is None:
            self.top_parser().parse_args(argv)
            raise CliError(f"{self.prog}: unknown verb {argv[0]!r} (see '{self.prog} --help')", 2)
        return verb, self.verb_parser(verb).parse_intermixed_args(argv[1:])

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
