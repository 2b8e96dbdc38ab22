"""TM_MAD ``shared``: system and image datastores on storage every host mounts at the
same path as the front-end (OpenNebula's ``shared``/``qcow2`` drivers).

``CLONE`` makes a qcow2 overlay on the image (grown to the DISK's SIZE when
bigger), ``LN`` a symbolic link to a persistent image, ``CPDS`` a flattened
copy (``qemu-img convert``); moves and migrations find the files already
there, so ``MV`` only renames when the path changes and the migration steps
do nothing.
"""

from __future__ import annotations

from oneedge.drivers import tm_disk as disk
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.drivers.tm_disk import Location, location
from oneedge.drivers.tm_host import HostTransferDriver


class SharedTransferDriver(HostTransferDriver):
    @staticmethod
    def _on_host(transfer: Transfer) -> tuple[Location, Location]:
        """(image path as the destination host sees it, destination)."""
        target = location(transfer.destination)
        return Location(target.host, location(transfer.source).path), target

    async def clone(self, ctx: VmContext, transfer: Transfer) -> None:
        image, target = self._on_host(transfer)
        facts = disk.disk_facts(ctx.document, transfer.disk_id)
        size = disk.grow_to(facts)
        await self._vm_dir(target)
        await self.files.helper(target, "overlay", str(image.path), facts.format or "auto", str(target.path),
                                *([str(size)] if size else []))

    async def ln(self, ctx: VmContext, transfer: Transfer) -> None:
        image, target = self._on_host(transfer)
        await self._vm_dir(target)
        await self.files.helper(target, "link", str(image.path), str(target.path))

    async def mv(self, ctx: VmContext, transfer: Transfer) -> None:
        source, target = location(transfer.source), location(transfer.destination)
        if source.path == target.path or not await self.files.exists(target_view(source, target)):
            return
        await self.files.run(target, ["mv", "-T", str(source.path), str(target.path)], f"moving {source}")

    async def mvds(self, ctx: VmContext, transfer: Transfer) -> None:
        """The disk is a link to the image itself: only the link goes."""
        await self.files.delete(location(transfer.source))

    async def cpds(self, ctx: VmContext, transfer: Transfer) -> None:
        source, target = location(transfer.source), location(transfer.destination)
        facts = disk.disk_facts(ctx.document, transfer.disk_id)
        await self.files.helper(source, "convert", str(source.path), facts.format or "raw",
                                str(target.path))

    async def premigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        """Nothing to copy: the destination host sees the same files."""

    async def postmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        """Nothing to remove: the files stay where both hosts see them."""

    async def failmigrate(self, ctx: VmContext, transfer: Transfer) -> None:
        """Nothing was copied, nothing to undo."""


def target_view(source: Location, target: Location) -> Location:
    """A source path as the destination's host sees it (the same path, shared storage)."""
    return Location(target.host, source.path)
