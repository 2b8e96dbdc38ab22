"""``show`` output: titled sections of ``LABEL : value`` lines, permissions,
templates and small tables, laid out as OpenNebula's CLI does."""

from __future__ import annotations

from oneedge.cli.document import template_str, text
from oneedge.cli.fmt import ROLES, rights
from oneedge.cli.table import BOLD_UNDERLINE, RESET, terminal_width

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context
    from oneedge.cli.table import Column

#: (label, value function) rows of a section.
Field = tuple[str, "Callable[[Element], str]"]


def header(ctx: Context, title: str, first: bool = False) -> None:
    """A section title: bold and underlined on a terminal, after a blank line unless first."""
    if not first:
        ctx.echo()
    ctx.echo(BOLD_UNDERLINE + title + RESET if terminal_width(ctx.out) else title)


def pairs(ctx: Context, rows: Sequence[tuple[str, str]]) -> None:
    for label, value in rows:
        ctx.echo(f"{label:<20}: {value}".rstrip())


def fields(ctx: Context, root: Element, title: str, spec: Sequence[Field], first: bool = False) -> None:
    header(ctx, title, first)
    pairs(ctx, [(label, fn(root)) for label, fn in spec])


def field(path: str, default: str = "-") -> Callable[[Element], str]:
    """Value function: the text at ``path``; ``default`` only when the element is missing."""
    return lambda e: text(e, path, default)


def permissions(ctx: Context, root: Element) -> None:
    perms = root.find("PERMISSIONS")
    if perms is None:
        return
    values = {child.tag: child.text or "" for child in perms}
    header(ctx, "PERMISSIONS")
    pairs(ctx, [(role, rights(values, role)) for role in ROLES])


def template(ctx: Context, title: str, element: Element | None) -> None:
    header(ctx, title)
    body = template_str(element)
    if body:
        ctx.echo(body)


def table(ctx: Context, title: str, columns: Sequence[Column], rows: Sequence[Element]) -> None:
    """A titled table inside ``show`` (VM disks, history...); nothing when there are no rows."""
    if not rows:
        return
    from oneedge.cli.table import Table, TableOptions

    header(ctx, title)
    for line in Table(columns, [c.name for c in columns]).render(rows, TableOptions(tty_width=None)):
        ctx.echo(line)


def id_list(element: Element | None) -> str:
    """``0,3,7`` from an element of ``<ID>`` children (a group's USERS...)."""
    if element is None:
        return ""
    return ",".join(i.text or "" for i in element.iterfind("ID"))


OWNER: list[Field] = [
    ("ID", field("ID")), ("NAME", field("NAME")), ("USER", field("UNAME")), ("GROUP", field("GNAME")),
]


def lock(e: Element) -> str:
    return "None" if e.find("LOCK") is None else text(e, "LOCK/LOCKED")


def owned(title: str, spec: Sequence[Field], template_title: str) -> Callable[[Context, Element, Any], None]:
    """``show`` for an object with an owner: ID, NAME, USER, GROUP, then ``spec``,
    permissions and its template."""
    def render(ctx: Context, root: Element, args: Any) -> None:
        fields(ctx, root, f"{title} {root.findtext('ID')} INFORMATION", [*OWNER, *spec], first=True)
        permissions(ctx, root)
        template(ctx, template_title, root.find("TEMPLATE"))

    return render
