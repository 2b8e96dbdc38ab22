"""``onemarketapp``: manage marketplace appliances."""

from __future__ import annotations

from oneedge.cli import owned, show, states
from oneedge.cli.command import Arg, Tool
from oneedge.cli.fmt import timestamp, unit
from oneedge.cli.kind import Kind
from oneedge.cli.table import Column, Table
from oneedge.cli.verbs import (action_verb, create_verb, delete_verb, list_verb, lock_verbs, ownership_verbs,
                               rename_verb, show_verb, top_verb, update_verb)

TYPE_CHECKING = False  # typing costs start-up time, see oneedge.cli.table
if TYPE_CHECKING:
    import argparse

    from oneedge.cli.command import Context

MARKETAPP = Kind("MARKETPLACEAPP", "marketapp", "marketapppool", "MARKETPLACEAPP", filtered=True)

TABLE = Table([
    *owned.columns("MarketPlaceApp", 20).values(),
    Column("VERSION", "Version of the MarketPlaceApp", 10, lambda e: e.findtext("VERSION", "")),
    Column("SIZE", "MarketPlaceApp size", 5, lambda e: unit(float(e.findtext("SIZE") or 0), "M")),
    Column("STAT", "State of the app", 4, lambda e: states.short(states.MARKETAPP, e.findtext("STATE"))),
    Column("TYPE", "MarketPlaceApp type", 4, lambda e: states.short(states.MARKETAPP_TYPE, e.findtext("TYPE"))),
    Column("REGTIME", "Registration time of the MarketplaceApp", 8,
           lambda e: timestamp(e.findtext("REGTIME") or 0, seconds=False, years=True).split(" ")[0]),
    Column("MARKET", "Name of the MarketPlace", 10, lambda e: e.findtext("MARKETPLACE", ""), left=True),
    Column("ZONE", "Zone ID", 4, lambda e: e.findtext("ZONE_ID", "")),
], ["ID", "NAME", "VERSION", "SIZE", "STAT", "TYPE", "REGTIME", "MARKET", "ZONE"])

render = show.owned("MARKETPLACE APP", [
    ("LOCK", show.lock), ("MARKETPLACE", show.field("MARKETPLACE")), ("MARKETPLACE ID", show.field("MARKETPLACE_ID")),
    ("TYPE", lambda e: states.name(states.MARKETAPP_TYPE, e.findtext("TYPE"))),
    ("STATE", lambda e: states.name(states.MARKETAPP, e.findtext("STATE"))),
    ("SOURCE", show.field("SOURCE")), ("MD5", show.field("MD5")),
    ("PUBLISHER", show.field("PUBLISHER")), ("VERSION", show.field("VERSION")),
    ("SIZE", lambda e: unit(float(e.findtext("SIZE") or 0), "M")),
    ("FORMAT", show.field("FORMAT")),
], "MARKETPLACE APP TEMPLATE")


def _market(ctx: Context, a: argparse.Namespace) -> tuple[int]:
    from oneedge.cli.errors import CliError
    from oneedge.cli.onemarket import MARKET

    if not a.marketplace:
        raise CliError("onemarketapp create: --marketplace is needed", 2)
    return (MARKET.to_id(ctx, a.marketplace),)


TOOL = Tool("onemarketapp", "Manage OpenNebula marketplace appliances", [
    create_verb(MARKETAPP, _market, (Arg("-m", "--marketplace", help="marketplace name or ID (required)"),)),
    delete_verb(MARKETAPP),
    update_verb(MARKETAPP),
    rename_verb(MARKETAPP),
    *ownership_verbs(MARKETAPP),
    *lock_verbs(MARKETAPP),
    action_verb(MARKETAPP, "enable", "Enables appliances", "enable", lambda a: (True,), done="enabled"),
    action_verb(MARKETAPP, "disable", "Disables appliances", "enable", lambda a: (False,), done="disabled"),
    list_verb(MARKETAPP, TABLE),
    show_verb(MARKETAPP, render),
    top_verb(MARKETAPP, TABLE),
])
main = TOOL.run
