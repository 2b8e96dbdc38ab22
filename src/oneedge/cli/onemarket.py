"""``onemarket``: manage marketplaces."""

from __future__ import annotations

from oneedge.cli import owned, show, states
from oneedge.cli.command import Tool
from oneedge.cli.fmt import unit
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (action_verb, create_verb, delete_verb, list_verb, ownership_verbs, rename_verb,
                               show_verb, top_verb, update_verb)

MARKET = Kind("MARKETPLACE", "market", "marketpool", "MARKETPLACE")


def _avail(e: object) -> str:
    total, free = float(e.findtext("TOTAL_MB") or 0), float(e.findtext("FREE_MB") or 0)  # type: ignore[attr-defined]
    return f"{round(free * 100 / total)}%" if total else "-"


TABLE = Table([
    *owned.columns("Marketplace").values(),
    Column("SIZE", "Marketplace total size", 6, lambda e: unit(float(e.findtext("TOTAL_MB") or 0), "M")),
    Column("AVAIL", "Marketplace free size (%)", 5, _avail, left=True),
    Column("APPS", "Number of Marketplace Apps", 4, lambda e: str(len(e.findall("MARKETPLACEAPPS/ID")))),
    Column("MAD", "Marketplace driver", 7, lambda e: e.findtext("MARKET_MAD", ""), left=True),
    Column("ZONE", "Zone ID", 4, lambda e: e.findtext("ZONE_ID", "")),
    Column("STAT", "Marketplace status", 4, lambda e: states.short(states.MARKET, e.findtext("STATE")), left=True),
], ["ID", "NAME", "SIZE", "AVAIL", "APPS", "MAD", "ZONE", "STAT"])

render = show.owned("MARKETPLACE", [
    ("STATE", lambda e: states.name(states.MARKET, e.findtext("STATE"))),
    ("MARKET_MAD", show.field("MARKET_MAD")), ("ZONE_ID", show.field("ZONE_ID")),
    ("TOTAL", lambda e: unit(float(e.findtext("TOTAL_MB") or 0), "M")),
    ("FREE", lambda e: unit(float(e.findtext("FREE_MB") or 0), "M")),
    ("USED", lambda e: unit(float(e.findtext("USED_MB") or 0), "M")),
    ("MARKETAPPS", lambda e: show.id_list(e.find("MARKETPLACEAPPS"))),
], "MARKETPLACE TEMPLATE")

TOOL = Tool("onemarket", "Manage OpenNebula marketplaces", [
    create_verb(MARKET),
    delete_verb(MARKET),
    update_verb(MARKET),
    rename_verb(MARKET),
    *ownership_verbs(MARKET),
    action_verb(MARKET, "enable", "Enables marketplaces", "enable", lambda a: (True,), done="enabled"),
    action_verb(MARKET, "disable", "Disables marketplaces", "enable", lambda a: (False,), done="disabled"),
    list_verb(MARKET, TABLE),
    show_verb(MARKET, render),
    top_verb(MARKET, TABLE),
])
main = TOOL.run
