"""What the real-host transfer drivers share: the transports, the actions that work the
same on every system datastore, and the undo of a failed transfer script.

A transfer script (a prolog, say) is a list of lines; each line that made a
disk registers its undo step (delete it). When a later line fails, the undo
steps run in reverse before the failure is reported, so a failed prolog leaves
no file and no VM directory on the host.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath

from oneedge.context.iso import ContextError, write_iso
from oneedge.context.script import context_sh
from oneedge.drivers.base import DriverConfig, DriverError
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.drivers import tm_disk as disk
from oneedge.drivers.tm_disk import Location, location
from oneedge.drivers.tm_files import HostFiles
from oneedge.drivers.tm import TransferDriver
from oneedge.drivers.transport_factory import Transports

Undo = Callable[[], Awaitable[None]]

#: Actions that make a disk at their destination, undone by deleting it.
MAKERS = frozenset({"CLONE", "LN", "MKIMAGE", "MKSWAP", "CONTEXT"})


class HostTransferDriver(TransferDriver):
    """The base of ``ssh`` and ``shared``; subclasses add how images reach hosts."""

    def __init__(self, config: DriverConfig, transports: Transports) -> None:
        super().__init__(config, transports)
        self.files = HostFiles(transports, config.timeout)

    async def transfer(self, ctx: VmContext, phase: str, lines: list[Transfer]) -> None:
        undo: list[Undo] = []
        try:
            for line in lines:
                made = await self._prepare(line)
                if made is not None:
                    undo.append(made)
                await self.run(ctx, line)
        except BaseException:
            for step in reversed(undo):
                await step()
            raise

    async def _prepare(self, line: Transfer) -> Undo | None:
        """For a line that makes a disk: create its VM directory; answer the line's undo step."""
        if line.action not in MAKERS:
            return None
        target = location(line.destination)
        vm_dir = Location(target.host, target.path.parent)
        fresh = not await self.files.exists(vm_dir)

        async def undo() -> None:
            await self.files.discard(target)
            if fresh:
                await self.files.rmdir_if_empty(vm_dir)
        return undo

    async def run(self, ctx: VmContext, transfer: Transfer) -> None:
        try:
            await super().run(ctx, transfer)
        except BaseException:
            if transfer.action in MAKERS:
                await self.files.discard(location(transfer.destination))
            raise

    async def _vm_dir(self, target: Location) -> None:
        await self.files.mkdir(Location(target.host, target.path.parent))

    async def mkimage(self, ctx: VmContext, transfer: Transfer) -> None:
        target = location(transfer.destination)
        facts = disk.disk_facts(ctx.document, transfer.disk_id)
        fmt = disk.check_format(transfer.format)
        size = transfer.size_mb or facts.size_mb
        await self._vm_dir(target)
        await self.files.helper(target, "mkimage", str(target.path), str(size), fmt, facts.fs)

    async def mkswap(self, ctx: VmContext, transfer: Transfer) -> None:
        target = location(transfer.destination)
        await self._vm_dir(target)
        await self.files.helper(target, "mkswap", str(target.path), str(transfer.size_mb))

    async def context(self, ctx: VmContext, transfer: Transfer) -> None:
        """Place the VM's context CD at the destination: the ISO named as source, or else
        one written now from the VM's CONTEXT (as OpenNebula's ``context`` action does)."""
        target = location(transfer.destination)
        await self._vm_dir(target)
        if transfer.source:
            await self.files.copy(location(transfer.source), target)
            return
        with tempfile.TemporaryDirectory(prefix="oneedge-context-") as tmp:
            iso = Path(tmp, "context.iso")
            try:
                await asyncio.to_thread(write_iso, iso, context_sh(ctx.document, ctx.networks))
            except ContextError as exc:
                raise DriverError(f"context: {exc}") from None
            await self.files.copy(Location("", PurePosixPath(iso)), target)

    async def resize(self, ctx: VmContext, transfer: Transfer) -> None:
        where = location(transfer.source)
        await self.files.helper(where, "resize", str(where.path), str(transfer.size_mb))

    async def delete(self, ctx: VmContext, transfer: Transfer) -> None:
        await self.files.delete(location(transfer.source))

    async def _snapshot(self, action: str, transfer: Transfer) -> None:
        # As OpenNebula's snap_* scripts: SOURCE is host:disk path, the next argument the snapshot ID.
        where = location(transfer.source)
        if not transfer.destination.isdigit():
            raise DriverError(f"{action}: snapshot ID expected, got {transfer.destination!r}")
        await self.files.helper(where, action, str(where.path), transfer.destination)

    async def snap_create(self, ctx: VmContext, transfer: Transfer) -> None:
        await self._snapshot("snap_create", transfer)

    async def snap_revert(self, ctx: VmContext, transfer: Transfer) -> None:
        await self._snapshot("snap_revert", transfer)

    async def snap_delete(self, ctx: VmContext, transfer: Transfer) -> None:
        await self._snapshot("snap_delete", transfer)
