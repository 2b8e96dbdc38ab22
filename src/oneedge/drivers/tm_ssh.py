"""TM_MAD ``ssh`` (and ``local``, its OpenNebula 6.10 name): each host keeps its VMs'
disks on its own disk; images are copied from the front-end's datastore.

Transfer lines as OpenNebula's ``src/tm_mad/ssh`` scripts take them:
``CLONE``/``LN`` fe:SOURCE -> host:dir/disk.i (LN_TARGET is SYSTEM, so a
persistent image is copied too and ``MVDS`` copies it back), ``MV`` between
hosts or to the front-end, ``CPDS`` host:disk.i -> fe:new SOURCE (save-as),
``PREMIGRATE`` source host:dir -> destination host:dir before a live
migration, ``POSTMIGRATE`` removes the source, ``FAILMIGRATE`` the destination.
"""

from __future__ import annotations

from oneedge.drivers import tm_disk as disk
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.drivers.tm_disk import location
from oneedge.drivers.tm_host import HostTransferDriver


class SshTransferDriver(HostTransferDriver):
    async def clone(self, ctx: VmContext, transfer: Transfer) -> None:
        target = location(transfer.destination)
        await self._vm_dir(target)
        await self.files.copy(location(transfer.source), target)
        size = disk.grow_to(disk.disk_facts(ctx.document, transfer.disk_id))
        if size:
            await self.files.helper(target, "resize", str(target.path), str(size))

    async def ln(self, ctx: VmContext, transfer: Transfer) -> None:
        target = location(transfer.destination)
        await self._vm_dir(target)
        await self.files.copy(location(transfer.source), target)

    async def mv(self, ctx: VmContext, transfer: Transfer) -> None:
        """Move a disk or VM directory; nothing to do when it is already there or gone."""
        source, target = location(transfer.source), location(transfer.destination)
        if self.files.same(source, target) or not await self.files.exists(source):
            return
        await self.files.copy(source, target)
        await self.files.delete(source)

    async def mvds(self, ctx: VmContext, transfer: Transfer) -> None:
        """A persistent disk goes back to its image in the datastore, then leaves the host."""
        source = location(transfer.source)
        await self.files.copy(source, location(transfer.destination))
        await self.files.delete(source)

    async def cpds(self, ctx: VmContext, transfer: Transfer) -> None:
        await self.files.copy(location(transfer.source), location(transfer.destination))

    async def premigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        source, target = location(transfer.source), location(transfer.destination)
        if not self.files.same(source, target):
            await self.files.copy(source, target)

    async def postmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        source, target = location(transfer.source), location(transfer.destination)
        if not self.files.same(source, target):
            await self.files.delete(source)

    async def failmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        source, target = location(transfer.source), location(transfer.destination)
        if not self.files.same(source, target):
            await self.files.delete(target)
