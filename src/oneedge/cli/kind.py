"""An object kind as the CLI sees it (names of its methods and documents), and
turning names, IDs, ranges and lists given on the command line into IDs."""

from __future__ import annotations

from oneedge.cli.errors import CliError

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    from oneedge.cli.xmldoc import Node as Element

    from oneedge.cli.command import Context

#: Pool filter flags, as ``onevm list a|m|g|G``.
FILTER_FLAGS = {"a": -2, "all": -2, "m": -3, "mine": -3, "g": -1, "group": -1, "G": -4, "primary": -4}


class Kind:
    """``name`` is the document element (``VM``), ``rpc`` the method prefix (``vm`` for
    ``one.vm.*``), ``pool`` the pool's (``vmpool``), ``label`` the word in messages.

    ``filtered`` pools take OpenNebula's ``(filter, start, end)`` arguments
    (``extra_pool_args`` after them: the VM pool's state); ``info_args``
    follow the ID in ``one.<rpc>.info``.
    """

    __slots__ = ("name", "rpc", "pool", "label", "filtered", "extra_pool_args", "info_args")

    def __init__(self, name: str, rpc: str, pool: str, label: str, *, filtered: bool = False,
                 extra_pool_args: tuple[object, ...] = (), info_args: tuple[object, ...] = (False,)) -> None:
        self.name = name
        self.rpc = rpc
        self.pool = pool
        self.label = label
        self.filtered = filtered
        self.extra_pool_args = extra_pool_args
        self.info_args = info_args

    @property
    def pool_name(self) -> str:
        return f"{self.name}_POOL"

    def method(self, verb: str) -> str:
        return f"one.{self.rpc}.{verb}"

    def pool_args(self, flag: int = -2) -> tuple[object, ...]:
        return (flag, -1, -1, *self.extra_pool_args) if self.filtered else ()

    def fetch_pool(self, ctx: Context, flag: int = -2) -> Element:
        from oneedge.cli.document import parse

        return parse(ctx.call(f"one.{self.pool}.info", *self.pool_args(flag)))

    def fetch(self, ctx: Context, oid: int) -> Element:
        from oneedge.cli.document import parse

        return parse(ctx.call(self.method("info"), oid, *self.info_args))

    def to_id(self, ctx: Context, spec: str) -> int:
        """An ID given as digits or as the name of exactly one object."""
        return self.to_ids(ctx, spec, ranges=False)[0]

    def to_ids(self, ctx: Context, spec: str, ranges: bool = True) -> list[int]:
        """IDs from ``3..7,9,web``: numbers, ranges (when ``ranges``) and names, in order."""
        out: list[int] = []
        names: list[str] = []
        for item in [s.strip() for s in spec.split(",")] if ranges else [spec.strip()]:
            low, dots, high = item.partition("..")
            if item.isdigit():
                out.append(int(item))
            elif ranges and dots and low.isdigit() and high.isdigit():
                if int(low) > int(high):
                    raise CliError(f"Bad range {item}: {low} > {high}", 2)
                out.extend(range(int(low), int(high) + 1))
            elif item:
                out.append(-1)
                names.append(item)
            else:
                raise CliError(f"Bad {self.label} list {spec!r}", 2)
        if names:
            found = self._by_name(ctx, names)
            out = [i if i >= 0 else found.pop(0) for i in out]
        return out

    def _by_name(self, ctx: Context, names: list[str]) -> list[int]:
        pool = self.fetch_pool(ctx)
        ids: dict[str, list[int]] = {}
        for element in pool.iterfind(self.name):
            ids.setdefault(element.findtext("NAME", ""), []).append(int(element.findtext("ID", "-1")))
        out = []
        for name in names:
            matches = ids.get(name, [])
            if not matches:
                raise CliError(f"{self.label} named {name} not found.")
            if len(matches) > 1:
                raise CliError(f"There are multiple {self.label}s with name {name}.")
            out.append(matches[0])
        return out


def filter_flag(ctx: Context, value: str | None) -> int:
    """A list's filter argument: a|all, m|mine, g|group, G|primary, a user ID or name."""
    if value is None:
        return -2
    if value in FILTER_FLAGS:
        return FILTER_FLAGS[value]
    return USER.to_id(ctx, value)


USER = Kind("USER", "user", "userpool", "USER")
