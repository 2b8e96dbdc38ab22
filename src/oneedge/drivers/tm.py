"""The transfer driver interface (TM_MAD): the disk actions of OpenNebula's transfer scripts.

A prolog, epilog or migration is a list of :class:`~oneedge.drivers.requests.Transfer`
lines (built by ``oneedge.lcm.transfer``), each run by the TM_MAD of its
disk's datastore. Actions are named as OpenNebula's ``src/tm_mad/<ds>/``
scripts; the defaults fail with "not supported".
"""

from __future__ import annotations

from oneedge.drivers.base import Driver
from oneedge.drivers.requests import Transfer, VmContext


class TransferDriver(Driver):
    KIND = "tm"

    #: Transfer actions by their name in a transfer script.
    ACTIONS = ("CLONE", "LN", "MKSWAP", "MKIMAGE", "CONTEXT", "MV", "MVDS", "CPDS", "DELETE",
               "PREMIGRATE", "POSTMIGRATE", "FAILMIGRATE", "SNAP_CREATE", "SNAP_REVERT", "SNAP_DELETE", "RESIZE")

    async def transfer(self, ctx: VmContext, phase: str, lines: list[Transfer]) -> None:
        """Run a transfer script (``phase`` is prolog, epilog, prolog_migrate...) line by line.

        The first failing line fails the whole script, as OpenNebula's one_tm does.
        """
        for line in lines:
            await self.run(ctx, line)

    async def run(self, ctx: VmContext, transfer: Transfer) -> None:
        """Run one line; dispatches to the method named after the action."""
        if transfer.action not in self.ACTIONS:
            raise self.unsupported(transfer.action.lower())
        await getattr(self, transfer.action.lower())(ctx, transfer)

    async def clone(self, ctx: VmContext, transfer: Transfer) -> None:
        """Copy a non-persistent image to the VM's system datastore directory."""
        raise self.unsupported("clone")

    async def ln(self, ctx: VmContext, transfer: Transfer) -> None:
        """Link a persistent image into the VM's directory."""
        raise self.unsupported("ln")

    async def mkswap(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("mkswap")

    async def mkimage(self, ctx: VmContext, transfer: Transfer) -> None:
        """Create a volatile disk of ``size_mb`` in ``format``."""
        raise self.unsupported("mkimage")

    async def context(self, ctx: VmContext, transfer: Transfer) -> None:
        """Build the contextualization CD of the VM."""
        raise self.unsupported("context")

    async def mv(self, ctx: VmContext, transfer: Transfer) -> None:
        """Move a disk between hosts or back to the front-end (stop, undeploy, migrate)."""
        raise self.unsupported("mv")

    async def mvds(self, ctx: VmContext, transfer: Transfer) -> None:
        """Move a persistent disk back to its image datastore."""
        raise self.unsupported("mvds")

    async def cpds(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("cpds")

    async def delete(self, ctx: VmContext, transfer: Transfer) -> None:
        """Remove a disk or the VM directory; a missing one is not an error."""
        raise self.unsupported("delete")

    async def premigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("premigrate")

    async def postmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("postmigrate")

    async def failmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("failmigrate")

    async def snap_create(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("snap_create")

    async def snap_revert(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("snap_revert")

    async def snap_delete(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("snap_delete")

    async def resize(self, ctx: VmContext, transfer: Transfer) -> None:
        raise self.unsupported("resize")
