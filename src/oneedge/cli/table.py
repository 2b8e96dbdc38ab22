"""Tables as OpenNebula's CLI prints them: columns are data, the layout fits the terminal.

A :class:`Column` has a name, a help line, a width, an alignment and a value
function over one pool element. :class:`Table` picks the columns (the
default list or ``--list``), filters rows (``--filter``), fits widths
(``--adjust``, ``--size``, ``--expand``, the terminal width) and renders
aligned text or CSV.
"""

from __future__ import annotations

import os

from oneedge.cli.errors import CliError

# NOTE: typing and dataclasses are not imported at run time: together they
# cost more than the whole start-up budget of a command (bench/cli_bench.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any

GREEN, RED, YELLOW, RESET, BOLD_UNDERLINE = "\33[32m", "\33[31m", "\33[33m", "\33[0m", "\33[1m\33[4m"
OK_STATES = frozenset({"runn", "rdy", "on", "SUCCESS", "RUNNING", "READY"})
BAD_STATES = frozenset({"fail", "err", "error", "ERROR"})
REGULAR_STATES = frozenset({"PENDING", "DEPLOYING", "UNDEPLOYING", "CONFIGURING", "WARNING",
                            "pend", "hold", "boot", "prol", "epil", "migr", "shut", "save", "hotp", "snap",
                            "lock", "clon", "init", "upd"})
#: ``COLUMN<op>VALUE`` of ``--filter``; ``re`` is imported only when a filter is given.
FILTER = r"^(.+?)(!=|<=|>=|=|<|>|~)(.*)$"
#: Narrowest a column is squeezed to on a narrow terminal before columns are hidden.
MIN_WIDTH = 3


class Column:
    """One table column; ``value`` turns a pool element into the cell text.

    ``adjust`` columns grow to their widest value instead of truncating
    (IDs); ``expand`` columns share the terminal's spare width (names, hosts).
    """

    __slots__ = ("name", "help", "width", "value", "left", "adjust", "expand")

    def __init__(self, name: str, help: str, width: int, value: Callable[[Any], str], *,
                 left: bool = False, adjust: bool = False, expand: bool = False) -> None:
        self.name = name
        self.help = help
        self.width = width
        self.value = value
        self.left = left
        self.adjust = adjust
        self.expand = expand


def color_state(text: str) -> str:
    key = text.strip()
    if key in OK_STATES:
        return GREEN + text + RESET
    if key in BAD_STATES:
        return RED + text + RESET
    if key in REGULAR_STATES:
        return YELLOW + text + RESET
    return text


class TableOptions:
    """What the shared list options asked for (see :mod:`oneedge.cli.options`);
    ``tty_width`` is the terminal's width, None when output is not a terminal (no colors)."""

    def __init__(self, *, list: list[str] | None = None, filter: list[str] | None = None,
                 operator: str = "AND", csv: bool = False, csv_del: str = ",", no_header: bool = False,
                 adjust: list[str] | None = None, size: list[str] | None = None,
                 expand: list[str] | None = None, no_expand: bool = False, tty_width: int | None = None) -> None:
        self.list = list
        self.filter = filter
        self.operator = operator
        self.csv = csv
        self.csv_del = csv_del
        self.no_header = no_header
        self.adjust = adjust
        self.size = size
        self.expand = expand
        self.no_expand = no_expand
        self.tty_width = tty_width


class Table:
    """A set of columns with a default selection and the state column that gets colors."""

    def __init__(self, columns: Sequence[Column], default: Sequence[str], state: str = "STAT") -> None:
        self.columns = {c.name: c for c in columns}
        self.default = list(default)
        self.state = state

    def describe(self) -> Iterator[str]:
        """``--describe``: one line per column."""
        for column in self.columns.values():
            yield f"{column.name:<20}: {column.help}"

    def _pick(self, names: Iterable[str]) -> list[Column]:
        picked = []
        for name in names:
            column = self.columns.get(name.strip().upper())
            if column is None:
                raise CliError(f"Column {name} not defined. Columns: {', '.join(self.columns)}", 2)
            picked.append(column)
        return picked

    def render(self, rows: Iterable[Any], opts: TableOptions) -> Iterator[str]:
        """The lines of the table (header first unless ``no_header``)."""
        columns = self._pick(opts.list or self.default)
        # Filters may name any column, shown or not: those are computed too, then dropped.
        wanted = columns + [c for c in self._pick(_filter_columns(opts.filter or [])) if c not in columns]
        data = [[c.value(row) for c in wanted] for row in rows]
        if opts.filter:
            data = [values[:len(columns)] for values in _filter(data, wanted, opts.filter, opts.operator)]
        if opts.csv:
            yield from _csv(columns, data, opts)
            return
        widths = _fit(columns, data, opts)
        columns = columns[:len(widths)]
        tty = opts.tty_width is not None
        if not opts.no_header:
            header = " ".join(_cell(c, w, c.name) for c, w in zip(columns, widths)).rstrip()
            yield BOLD_UNDERLINE + header + RESET if tty else header
        state = next((i for i, c in enumerate(columns) if c.name == self.state), -1) if tty else -1
        for values in data:
            cells = [_cell(c, w, v) for c, w, v in zip(columns, widths, values)]
            if state >= 0:
                cells[state] = color_state(cells[state])
            yield " ".join(cells).rstrip()


def _cell(column: Column, width: int, value: str) -> str:
    value = value[:width]
    return value.ljust(width) if column.left else value.rjust(width)


def _named(columns: list[Column], names: list[str] | None, option: str) -> set[str]:
    known = {c.name for c in columns}
    wanted = {n.split("=")[0].strip().upper() for n in names or ()}
    unknown = wanted - known
    if unknown:
        raise CliError(f"{option}: column {sorted(unknown)[0]} is not listed", 2)
    return wanted


def _fit(columns: list[Column], data: list[list[str]], opts: TableOptions) -> list[int]:
    """Widths after --adjust, --size and the terminal: rows never wrap on a terminal
    (trailing columns that cannot fit are left out, so the list may be shorter)."""
    adjust = _named(columns, opts.adjust, "--adjust")
    sizes: dict[str, int] = {}
    for item in opts.size or ():
        name, _, width = item.partition("=")
        if not width.isdigit():
            raise CliError(f"--size: expected COLUMN=WIDTH, got {item!r}", 2)
        sizes[name.strip().upper()] = int(width)
    _named(columns, list(sizes), "--size")
    widths = []
    for i, column in enumerate(columns):
        width = sizes.get(column.name, column.width)
        if column.name not in sizes and (column.adjust or column.name in adjust):
            width = max([width, *(len(row[i]) for row in data)])
        widths.append(width)
    if opts.tty_width is None or opts.no_expand:
        return widths
    expand = _named(columns, opts.expand, "--expand") or {c.name for c in columns if c.expand}
    return _to_width(widths, [i for i, c in enumerate(columns) if c.name in expand], opts.tty_width)


def _to_width(widths: list[int], growing: list[int], width: int) -> list[int]:
    spare = width - (sum(widths) + len(widths) - 1)
    if spare > 0 and growing:
        total = sum(widths[i] for i in growing)
        given = 0
        for n, i in enumerate(growing):
            extra = spare - given if n == len(growing) - 1 else spare * widths[i] // total
            widths[i] += extra
            given += extra
        return widths
    # Too wide: squeeze expandable columns, then the widest ones, then leave out the last.
    order = growing + sorted(set(range(len(widths))) - set(growing), key=lambda i: -widths[i])
    for i in order:
        if spare >= 0:
            break
        take = min(-spare, widths[i] - MIN_WIDTH)
        if take > 0:
            widths[i] -= take
            spare += take
    while spare < 0 and len(widths) > 1:
        spare += widths.pop() + 1
    return widths


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _matches(value: str, op: str, wanted: str) -> bool:
    if op == "~":
        return wanted in value
    if op in ("=", "!="):
        return (value == wanted) == (op == "=")
    a, b = _number(value), _number(wanted)
    left: Any = a if a is not None and b is not None else value
    right: Any = b if a is not None and b is not None else wanted
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _split(expression: str) -> tuple[str, str, str]:
    """``CPU>=2`` -> (``CPU``, ``>=``, ``2``)."""
    import re

    match = re.match(FILTER, expression)
    if not match:
        raise CliError(f"Expression '{expression}' incorrect", 2)
    return match[1].strip(), match[2], match[3]


def _filter_columns(filters: list[str]) -> list[str]:
    """Column names the ``--filter`` expressions use (checked again by :func:`_filter`)."""
    return [_split(expression)[0] for expression in filters]


def _filter(data: list[list[str]], columns: list[Column], filters: list[str], operator: str) -> list[list[str]]:
    """Rows passing ``COL<op>VALUE`` filters (ops: = != < <= > >= ~), joined by AND or OR."""
    names = [c.name for c in columns]
    stems = []
    for expression in filters:
        column, op, wanted = _split(expression)
        if column.upper() not in names:
            raise CliError(f"Column '{column}' not found", 2)
        stems.append((names.index(column.upper()), op, wanted))
    if operator.upper() not in ("AND", "OR"):
        raise CliError(f"--operator: expected AND or OR, got {operator!r}", 2)
    test = any if operator.upper() == "OR" else all
    return [row for row in data if test(_matches(row[i], op, wanted) for i, op, wanted in stems)]


def _csv(columns: list[Column], data: list[list[str]], opts: TableOptions) -> Iterator[str]:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=opts.csv_del, lineterminator="\n")
    if not opts.no_header:
        writer.writerow([c.name for c in columns])
    writer.writerows(data)
    yield from buffer.getvalue().splitlines()


def terminal_width(stream: Any) -> int | None:
    """Columns of the terminal ``stream`` writes to, None if it is not a terminal."""
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None
