"""A small command-line parser over the :class:`~oneedge.cli.command.Arg` data, for the
common case: known options (``--opt value``, ``--opt=value``, flags) and positionals,
intermixed as argparse's ``parse_intermixed_args`` takes them.

``argparse`` (with the ``re`` and ``enum`` it imports) costs a third of the
start-up budget of a command (bench/cli_bench.py). :func:`parse` returns
None whenever a command line needs more (``--help``, abbreviations, grouped
short flags, errors): argparse then parses it and words the help or error.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from argparse import Namespace
    from collections.abc import Sequence
    from typing import Any

    from oneedge.cli.command import Arg
else:
    class Namespace:
        """The parsed arguments as attributes, as ``argparse.Namespace``."""

        def __init__(self, **values: Any) -> None:
            self.__dict__.update(values)

#: Actions this parser understands; any other falls back to argparse.
ACTIONS = frozenset({"store", "store_true", "store_const"})


def dest(arg: Arg) -> str:
    """The attribute an Arg fills, as argparse names it."""
    if "dest" in arg.kwargs:
        return str(arg.kwargs["dest"])
    if not arg.option:
        return arg.flags[0]
    long = next((f for f in arg.flags if f.startswith("--")), arg.flags[0])
    return long.lstrip("-").replace("-", "_")


def _default(arg: Arg) -> Any:
    action = arg.kwargs.get("action", "store")
    if action == "store_true":
        return arg.kwargs.get("default", False)
    value = arg.kwargs.get("default")
    return _convert(arg, value) if isinstance(value, str) else value


def _convert(arg: Arg, value: str) -> Any:
    """``value`` through the Arg's type and choices; ValueError when argparse would refuse it."""
    kind = arg.kwargs.get("type")
    result = kind(value) if kind else value
    choices = arg.kwargs.get("choices")
    if choices is not None and result not in choices:
        raise ValueError(value)
    return result


def _is_value(token: str) -> bool:
    """Whether argparse takes ``token`` as an option's value (not as another option)."""
    if not token.startswith("-") or token == "-":
        return True
    try:
        float(token)
    except ValueError:
        return False
    return True


def parse(args: Sequence[Arg], argv: Sequence[str]) -> Namespace | None:
    """The values of ``argv`` for ``args``, or None to leave the command line to argparse."""
    options: dict[str, Arg] = {}
    positionals = []
    for arg in args:
        if arg.kwargs.get("action", "store") not in ACTIONS or arg.kwargs.get("nargs") not in (None, "?"):
            return None
        if arg.option:
            if arg.kwargs.get("nargs"):
                return None
            options.update((flag, arg) for flag in arg.flags)
        else:
            positionals.append(arg)
    values = {dest(arg): _default(arg) for arg in args}
    given: list[str] = []
    tokens = list(argv)
    try:
        while tokens:
            token = tokens.pop(0)
            if token == "--":
                given.extend(tokens)
                break
            if _is_value(token):
                given.append(token)
                continue
            flag, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
            arg = options.get(flag)
            if arg is None:
                return None
            action = arg.kwargs.get("action", "store")
            if action == "store_true":
                if eq:
                    return None
                values[dest(arg)] = True
            elif action == "store_const":
                if eq:
                    return None
                values[dest(arg)] = arg.kwargs["const"]
            elif eq:
                values[dest(arg)] = _convert(arg, attached)
            elif tokens and _is_value(tokens[0]):
                values[dest(arg)] = _convert(arg, tokens.pop(0))
            else:
                return None
        required = [a for a in positionals if a.kwargs.get("nargs") != "?"]
        if not len(required) <= len(given) <= len(positionals):
            return None
        optional = len(given) - len(required)
        for arg in positionals:
            if arg.kwargs.get("nargs") == "?":
                if optional == 0:
                    continue
                optional -= 1
            values[dest(arg)] = _convert(arg, given.pop(0))
    except (ValueError, TypeError):
        return None
    return Namespace(**values)
