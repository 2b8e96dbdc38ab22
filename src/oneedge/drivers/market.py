"""The marketplace driver interface (MARKET_MAD): apps in and out of a marketplace.

Actions as OpenNebula's ``src/market_mad/remotes/<driver>/``: the marketplace
and app documents (XML) in, what the action made out.
"""

from __future__ import annotations

from oneedge.drivers.base import Driver


class MarketplaceDriver(Driver):
    KIND = "market"

    async def import_app(self, market: str, app: str) -> str:
        """Upload an image to the marketplace; return the app's SOURCE."""
        raise self.unsupported("import")

    async def export_app(self, market: str, app: str, destination: str) -> None:
        raise self.unsupported("export")

    async def delete_app(self, market: str, app: str) -> None:
        raise self.unsupported("delete")

    async def monitor(self, market: str) -> str:
        """Capacity and the apps the marketplace lists, as a template text."""
        raise self.unsupported("monitor")
