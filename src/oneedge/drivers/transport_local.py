"""The transport for the front-end's own machine: asyncio subprocesses, no shell."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from oneedge.drivers.transport import ActionTimeout, Remotes, Result, Transport, TransportError

_CHUNK = 1 << 16


class LocalTransport(Transport):
    """Runs each command as a child in its own session, so a timeout kills its whole process group."""

    def __init__(self, host: str, remotes: Remotes) -> None:
        super().__init__(host, remotes)

    async def _session(self) -> object:
        # The machine is always there: one session for the transport's life.
        return self

    async def _exec(self, argv: Sequence[str], stdin: bytes | None, timeout: float | None) -> Result:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            # What a shell answers for a missing (127) or non-executable (126) command.
            rc = 127 if isinstance(exc, FileNotFoundError) else 126
            return Result(rc, b"", f"{argv[0]}: {exc.strerror}\n".encode())
        stdout, stderr = bytearray(), bytearray()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(_feed(proc.stdin, stdin), _drain(proc.stdout, stdout),
                                     _drain(proc.stderr, stderr))
                rc = await proc.wait()
        except TimeoutError:
            _kill_group(proc.pid)
            await proc.wait()
            raise ActionTimeout(self.host, repr(' '.join(argv)), timeout, bytes(stdout), bytes(stderr)) from None
        except BaseException:
            # Cancelled by the caller: leave nothing running behind.
            _kill_group(proc.pid)
            await proc.wait()
            raise
        return Result(rc, bytes(stdout), bytes(stderr))

    async def put(self, local_path: Path, remote_path: PurePosixPath, *, timeout: float | None = None) -> None:
        await self._copy(local_path, Path(remote_path), timeout)

    async def get(self, remote_path: PurePosixPath, local_path: Path, *, timeout: float | None = None) -> None:
        await self._copy(Path(remote_path), local_path, timeout)

    async def _copy(self, source: Path, target: Path, timeout: float | None) -> None:
        # cp, not shutil in a thread: a copy that outlives its timeout can be killed.
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(self.host, f"cannot copy {source} to {target}: {exc}") from exc
        argv = ["cp", "-a", "-T", "--", str(source), str(target)]
        copied = await self._exec(argv, None, timeout)
        if not copied.ok:
            raise TransportError(self.host, f"cannot copy {source} to {target}: "
                                 f"{copied.stderr.decode(errors='replace').strip()}")

    async def close(self) -> None:
        """Nothing to release: each command is its own process."""


async def _feed(pipe: asyncio.StreamWriter | None, data: bytes | None) -> None:
    if pipe is None or data is None:
        return
    try:
        pipe.write(data)
        await pipe.drain()
    except (BrokenPipeError, ConnectionResetError):
        # The command did not read all its input; its exit code tells the rest.
        pass
    pipe.close()


async def _drain(pipe: asyncio.StreamReader | None, into: bytearray) -> None:
    if pipe is None:
        raise RuntimeError("subprocess started without an output pipe")
    while chunk := await pipe.read(_CHUNK):
        into += chunk


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
