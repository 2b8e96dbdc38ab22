"""The transport for remote hosts: one reused SSH connection per host (asyncssh).

Commands run in SSH exec channels, at most ``max_channels`` at once; keep
it under the host sshd's ``MaxSessions`` (10 by default): the spare session
serves the kill of a timed-out command. A connection that dropped is opened
again on next use; a channel that could not be opened on a stale connection
is retried once on a fresh one, since its command never started.

sshd runs each command under the user's shell as the leader of a new
session, so its PID is its process group: the shell announces it on stderr
(a line the transport removes) before ``exec``-ing the argv, and a command
past its timeout is ended with ``kill -KILL -- -PGID`` in another channel.
(SSH "signal" requests would not do: sshd ignores them for root logins.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TypeVar

import asyncssh

from oneedge.drivers.transport import (
    ActionTimeout,
    AuthenticationFailed,
    HostKeyError,
    HostUnreachable,
    Remotes,
    Result,
    Transport,
    TransportError,
)
from oneedge.drivers.transport_keys import HostKeyPolicy, KnownHosts, front_end_key, key_path

T = TypeVar("T")

_CHUNK = 1 << 16
#: How long killing a timed-out command, and its channel reporting the end, may take.
_KILL_GRACE = 5.0
#: The line the host's shell writes on stderr first: the command's process group.
_PGID_LINE = b"oneedge-pgid="


class SSHTransport(Transport):
    """Runs commands on ``user@host:port`` with the front-end key under ``home``."""

    def __init__(self, host: str, remotes: Remotes, *, home: Path, user: str, port: int = 22,
                 policy: HostKeyPolicy = HostKeyPolicy.ACCEPT_NEW, connect_timeout: float = 10.0,
                 max_channels: int = 9, keepalive_interval: float = 15.0) -> None:
        super().__init__(host, remotes)
        if max_channels < 1:
            raise ValueError("max_channels must be at least 1")
        self.home = home
        self.user = user
        self.port = port
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.keepalive_interval = keepalive_interval
        self._known_hosts = KnownHosts(home)
        self._channels = asyncio.Semaphore(max_channels)
        self._connect_lock = asyncio.Lock()
        # One kill at a time: it takes the session kept spare under MaxSessions.
        self._kill_lock = asyncio.Lock()
        self._conn: asyncssh.SSHClientConnection | None = None

    @property
    def target(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    async def _session(self) -> object:
        return await self._connection()

    async def _connection(self) -> asyncssh.SSHClientConnection:
        async with self._connect_lock:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._connect()
            return self._conn

    async def _connect(self) -> asyncssh.SSHClientConnection:
        key = await asyncio.to_thread(front_end_key, self.home)
        known = self.policy is not HostKeyPolicy.NO and await asyncio.to_thread(
            self._known_hosts.knows, self.host, self.port)
        # Unknown host under accept-new: take its key, record it once connected.
        first_contact = self.policy is HostKeyPolicy.ACCEPT_NEW and not known
        known_hosts: str | tuple[list[asyncssh.SSHKey], ...] | None = None
        if self.policy is HostKeyPolicy.YES and not known:
            known_hosts = ([], [], [])  # trust nothing (b"" would mean ~/.ssh/known_hosts)
        elif known:
            known_hosts = str(self._known_hosts.path)
        try:
            conn = await asyncssh.connect(
                self.host, self.port, username=self.user, client_keys=[key], known_hosts=known_hosts,
                config=[], agent_path=None, preferred_auth="publickey", x509_trusted_certs=None,
                connect_timeout=self.connect_timeout, keepalive_interval=self.keepalive_interval)
        except asyncssh.HostKeyNotVerifiable as exc:
            reason = ("does not match the key recorded in" if known else "is not recorded in")
            raise HostKeyError(self.target, f"host key {reason} {self._known_hosts.path} ({exc.reason})") from None
        except asyncssh.PermissionDenied as exc:
            raise AuthenticationFailed(self.target, f"authentication failed for the front-end key "
                                       f"{key_path(self.home)} ({exc.reason})") from None
        except (asyncssh.Error, OSError, TimeoutError) as exc:
            raise HostUnreachable(self.target, f"cannot connect: {_reason(exc)}") from None
        if first_contact:
            server_key = conn.get_server_host_key()
            if server_key is not None:
                await asyncio.to_thread(self._known_hosts.record, self.host, self.port, server_key)
        return conn

    async def _open(self, opener: Callable[[asyncssh.SSHClientConnection], Awaitable[T]]
                    ) -> tuple[asyncssh.SSHClientConnection, T]:
        """Open a channel; on a connection found dead, once more on a new one.

        A channel the host refuses on a live connection (over its
        ``MaxSessions``...) is an error: the connection, and the commands
        running on it, stay.
        """
        conn = await self._connection()
        try:
            return conn, await opener(conn)
        except (asyncssh.Error, OSError) as exc:
            if isinstance(exc, asyncssh.ChannelOpenError) and not conn.is_closed():
                raise TransportError(self.target, f"channel refused: {_reason(exc)}") from None
            first = exc
        self._drop(conn)
        conn = await self._connection()
        try:
            return conn, await opener(conn)
        except (asyncssh.Error, OSError) as exc:
            raise HostUnreachable(self.target, f"cannot open a channel: {_reason(exc)} "
                                  f"(before reconnecting: {_reason(first)})") from None

    def _drop(self, conn: asyncssh.SSHClientConnection) -> None:
        conn.abort()
        if self._conn is conn:
            self._conn = None

    async def _exec(self, argv: Sequence[str], stdin: bytes | None, timeout: float | None) -> Result:
        command = shlex.join(argv)
        wrapped = f"echo {_PGID_LINE.decode()}$$ >&2; exec {command}"
        async with self._channels:
            conn, proc = await self._open(lambda conn: conn.create_process(wrapped, encoding=None))
            stdout, stderr, pgid = bytearray(), bytearray(), bytearray()
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.gather(_feed(proc, stdin), _drain(proc.stdout, stdout),
                                         _drain_stderr(proc.stderr, stderr, pgid))
                    await proc.wait_closed()
            except TimeoutError:
                await self._kill(conn, proc, pgid)
                raise ActionTimeout(self.target, repr(command), timeout, bytes(stdout), bytes(stderr)) from None
            except (asyncssh.Error, OSError) as exc:
                proc.close()
                raise HostUnreachable(self.target, f"connection lost while running {command!r}: "
                                      f"{_reason(exc)}") from None
            except BaseException:
                await asyncio.shield(self._kill(conn, proc, pgid))
                raise
        rc = proc.returncode
        if rc is None:
            raise HostUnreachable(self.target, f"connection lost while running {command!r}")
        return Result(rc, bytes(stdout), bytes(stderr))

    async def _kill(self, conn: asyncssh.SSHClientConnection, proc: asyncssh.SSHClientProcess[bytes],
                    pgid: bytearray) -> None:
        """SIGKILL the command's process group on the host, then close its channel."""
        async with self._kill_lock:
            with contextlib.suppress(asyncssh.Error, OSError, TimeoutError):
                async with asyncio.timeout(_KILL_GRACE):
                    if pgid:
                        await conn.run(f"kill -KILL -- -{int(pgid)}", check=False)
                    await proc.wait_closed()
        proc.close()

    async def put(self, local_path: Path, remote_path: PurePosixPath, *, timeout: float | None = None) -> None:
        async def copy(sftp: asyncssh.SFTPClient) -> None:
            if local_path.is_dir():
                await sftp.makedirs(str(remote_path), exist_ok=True)
                children = sorted(str(p) for p in local_path.iterdir())
                if children:
                    await sftp.put(children, str(remote_path), preserve=True, recurse=True)
            else:
                await sftp.makedirs(str(remote_path.parent), exist_ok=True)
                await sftp.put(str(local_path), str(remote_path), preserve=True)

        await self._sftp(copy, f"copy of {local_path} to {self.host}:{remote_path}", timeout)

    async def get(self, remote_path: PurePosixPath, local_path: Path, *, timeout: float | None = None) -> None:
        async def copy(sftp: asyncssh.SFTPClient) -> None:
            if await sftp.isdir(str(remote_path)):
                local_path.mkdir(parents=True, exist_ok=True)
                names = sorted(n for n in await sftp.listdir(str(remote_path)) if n not in (".", ".."))
                if names:
                    await sftp.get([str(remote_path / n) for n in names], str(local_path),
                                   preserve=True, recurse=True)
            else:
                local_path.parent.mkdir(parents=True, exist_ok=True)
                await sftp.get(str(remote_path), str(local_path), preserve=True)

        await self._sftp(copy, f"copy of {self.host}:{remote_path} to {local_path}", timeout)

    async def _sftp(self, operation: Callable[[asyncssh.SFTPClient], Awaitable[None]], what: str,
                    timeout: float | None) -> None:
        async with self._channels:
            _, sftp = await self._open(lambda conn: conn.start_sftp_client())
            try:
                async with asyncio.timeout(timeout):
                    await operation(sftp)
            except TimeoutError:
                raise ActionTimeout(self.target, what, timeout) from None
            except (asyncssh.Error, OSError) as exc:
                raise TransportError(self.target, f"{what} failed: {_reason(exc)}") from None
            finally:
                sftp.exit()
                with contextlib.suppress(asyncssh.Error, OSError):
                    await sftp.wait_closed()

    async def close(self) -> None:
        async with self._connect_lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            await conn.wait_closed()


async def _feed(proc: asyncssh.SSHClientProcess[bytes], data: bytes | None) -> None:
    if data:
        proc.stdin.write(data)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            await proc.stdin.drain()
    proc.stdin.write_eof()


async def _drain(stream: asyncssh.SSHReader[bytes], into: bytearray) -> None:
    while chunk := await stream.read(_CHUNK):
        into += chunk


async def _drain_stderr(stream: asyncssh.SSHReader[bytes], into: bytearray, pgid: bytearray) -> None:
    """Drain stderr, taking out the shell's process group line into ``pgid``."""
    while line := await stream.readline():
        if line.startswith(_PGID_LINE):
            pgid += line[len(_PGID_LINE):].strip()
            break
        into += line  # printed by the user's shell start-up files, before the command
    await _drain(stream, into)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.DisconnectError):
        return exc.reason
    if isinstance(exc, asyncssh.ChannelOpenError):
        return exc.reason
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)  # asyncio's connect errors hide it behind "Connect call failed"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
