"""Columns shared by kinds that have an owner: ID, NAME, USER, GROUP, REGTIME."""

from __future__ import annotations

from oneedge.cli.fmt import timestamp
from oneedge.cli.table import Column


def columns(label: str, name_width: int = 15) -> dict[str, Column]:
    return {
        "ID": Column("ID", f"ONE identifier for the {label}", 4, lambda e: e.findtext("ID", ""), adjust=True),
        "NAME": Column("NAME", f"Name of the {label}", name_width, lambda e: e.findtext("NAME", ""), left=True,
                       expand=True),
        "USER": Column("USER", f"Username of the {label} owner", 8, lambda e: e.findtext("UNAME", ""), left=True),
        "GROUP": Column("GROUP", f"Group of the {label}", 8, lambda e: e.findtext("GNAME", ""), left=True),
        "REGTIME": Column("REGTIME", f"Registration time of the {label}", 15,
                          lambda e: timestamp(e.findtext("REGTIME") or 0, years=True, seconds=False)),
    }
