"""Files on hosts for the transfer drivers: the host-side helper, copies and directories.

Every command runs through the host's transport (local or SSH); the front-end's
own files (a :class:`Location` without host, or on a host the transports serve
locally) are handled by the local transport too. A copy lands under a
``.part`` name and is renamed when complete, so a disk path never names half
a file; a failed copy removes its ``.part``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from oneedge.drivers.base import DriverError
from oneedge.drivers.tm_disk import Location
from oneedge.drivers.transport import Transport, TransportError
from oneedge.drivers.transport_factory import Transports

#: The host-side helper, relative to the remotes directory.
DISK_HELPER = "tm/disk"


class HostFiles:
    """File operations on hosts, each bounded by ``timeout`` seconds."""

    def __init__(self, transports: Transports, timeout: float) -> None:
        self.transports = transports
        self.timeout = timeout

    def _transport(self, where: Location) -> Transport:
        return self.transports.for_host(where.host or "localhost")

    def is_front_end(self, where: Location) -> bool:
        return not where.host or self.transports.is_local(where.host)

    def same(self, one: Location, other: Location) -> bool:
        """Whether two locations are one file: the same path on one machine (a host that is
        the front-end's own machine keeps stopped VMs' disks where they already are)."""
        return one.path == other.path and (
            one.host == other.host or (self.is_front_end(one) and self.is_front_end(other)))

    async def helper(self, where: Location, command: str, *args: str) -> None:
        """Run ``tm/disk COMMAND ARGS`` on the host of ``where``; its stderr line is the error."""
        await self._checked(where, DISK_HELPER, [command, *args], f"{command} {where}")

    async def run(self, where: Location, argv: list[str], what: str) -> None:
        await self._checked(where, argv, [], what)

    async def _checked(self, where: Location, command: str | list[str], args: list[str], what: str) -> None:
        try:
            result = await self._transport(where).run(command, args, timeout=self.timeout)
        except TransportError as exc:
            raise DriverError(f"Error in {what}: {exc}") from None
        if not result.ok:
            message = result.stderr.decode(errors="replace").strip() or f"exit code {result.rc}"
            raise DriverError(f"Error in {what}: {message}")

    async def exists(self, where: Location) -> bool:
        try:
            result = await self._transport(where).run(["test", "-e", str(where.path)], timeout=self.timeout)
        except TransportError as exc:
            raise DriverError(f"Cannot reach {where}: {exc}") from None
        return result.ok

    async def mkdir(self, where: Location) -> None:
        await self.run(where, ["mkdir", "-p", str(where.path)], f"creating {where}")

    async def delete(self, where: Location) -> None:
        await self.helper(where, "delete", str(where.path))

    async def rmdir_if_empty(self, where: Location) -> None:
        """Remove a directory this driver made, unless something else lives in it now."""
        await self._transport(where).run(["rmdir", "--ignore-fail-on-non-empty", str(where.path)],
                                         timeout=self.timeout)

    async def copy(self, source: Location, target: Location) -> None:
        """Copy a file or a directory tree from one place to another, through the front-end
        when both are remote hosts; the target is replaced whole (a copy onto itself does nothing)."""
        if self.same(source, target):
            return
        if not await self.exists(source):
            raise DriverError(f"Error copying {source} to {target}: {source} does not exist")
        part = Location(target.host, target.path.with_name(target.path.name + ".part"))
        await self.delete(part)  # left by a front-end that died mid-copy: a tree would merge into it
        try:
            if self.is_front_end(source):
                await self._put(Path(source.path), part)
            elif self.is_front_end(target):
                await self._get(source, Path(part.path))
            else:
                with tempfile.TemporaryDirectory(prefix="oneedge-tm-") as relay:
                    local = Path(relay) / target.path.name
                    await self._get(source, local)
                    await self._put(local, part)
            await self.helper(target, "place", str(part.path), str(target.path))
        except BaseException:
            await self.discard(part)
            raise

    async def discard(self, where: Location) -> None:
        """Remove a file on the way out of a failure: a second error must not hide the first."""
        try:
            await self.delete(where)
        except DriverError:
            pass

    async def _put(self, local: Path, target: Location) -> None:
        try:
            await self._transport(target).put(local, PurePosixPath(target.path), timeout=self.timeout)
        except TransportError as exc:
            raise DriverError(f"Error copying {local} to {target}: {exc}") from None

    async def _get(self, source: Location, local: Path) -> None:
        try:
            await self._transport(source).get(source.path, local, timeout=self.timeout)
        except TransportError as exc:
            raise DriverError(f"Error copying {source} to {local}: {exc}") from None
