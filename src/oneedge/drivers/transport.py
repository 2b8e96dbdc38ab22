"""How the front-end runs driver actions and probes on a host.

A transport runs one command on one host and answers its exit code and
output, copies files to and from the host, and keeps the host's copy of the
remotes (the host-side driver code, OpenNebula's ``/var/lib/one/remotes``
copied to ``/var/tmp/one``) up to date. ``LocalTransport``
(``transport_local``) serves the front-end's own machine, ``SSHTransport``
(``transport_ssh``) every other host; ``Transports``
(``transport_factory``) picks one per host.

Contract shared by every transport:

- ``run(command, args, stdin=..., timeout=...)``: ``command`` is either a
  script path relative to the remotes directory on the host (a ``str`` such
  as ``"vmm/kvm/deploy"``; the first such call on a host, and the first after
  a reconnection, syncs the remotes), or an argv (a ``list``/``tuple``, run
  as is: no shell unless the argv asks for one, e.g. ``["sh", "-c", code]``).
  A command that exits is a ``Result``, whatever its exit code; a command
  not found answers rc 127, as a shell would. A command still running after
  ``timeout`` seconds is killed with its whole process group (on the host,
  for SSH) and ``ActionTimeout`` is raised with what it printed so far.
  The timeout counts from the command's start: waiting for a free channel
  or for the connection (bounded by the connect timeout) comes before it.
  A caller cancelling ``run`` has the command killed the same way.
- ``put``/``get`` copy a file or a directory tree to exactly the target
  path (a directory merges into an existing one), creating the target's
  parents; failures raise ``TransportError``, a copy outliving its timeout
  ``ActionTimeout``.
- ``sync_remotes`` copies a remotes tree only when its version changed.
- Failing to reach the host raises ``HostUnreachable``,
  ``AuthenticationFailed`` or ``HostKeyError``. A command is never retried
  once it may have started on the host.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import io
import os
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: The file in the host's remotes directory naming the version it holds.
VERSION_FILE = ".oneedge-remotes"
#: Files never shipped to hosts: byte code compiled on the front-end.
_SKIP_DIRS = frozenset({"__pycache__"})

#: Extracts a tar stream into "$1.new", then swaps it with "$1"; so a host
#: never sees half a tree and files deleted on the front-end go away.
_UNPACK = ('set -e; d="$1"; rm -rf "$d.new"; mkdir -p "$d.new"; '
           'tar -xzf - --no-same-owner -C "$d.new"; rm -rf "$d"; mv "$d.new" "$d"')


@dataclass(frozen=True)
class Result:
    """A command that ran to its end: exit code (negative: killed by that signal) and output."""

    rc: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.rc == 0


class TransportError(Exception):
    """A host could not be used: the message names the host and the reason."""

    def __init__(self, host: str, message: str) -> None:
        super().__init__(f"{host}: {message}")
        self.host = host


class ActionTimeout(TransportError):
    """A command outlived its timeout and was killed; what it printed until then is kept."""

    def __init__(self, host: str, what: str, timeout: float | None, stdout: bytes = b"", stderr: bytes = b"") -> None:
        super().__init__(host, f"timeout: {what} still running after {timeout} s, killed")
        self.stdout = stdout
        self.stderr = stderr


class HostUnreachable(TransportError):
    """The host refused or did not answer the connection, or dropped it."""


class AuthenticationFailed(TransportError):
    """The host refused the front-end's key for the configured user."""


class HostKeyError(TransportError):
    """The host's key is not the one recorded for it, or none is recorded and the policy asks for one."""


@dataclass(frozen=True)
class Remotes:
    """The host-side code tree: its source on the front-end and where hosts keep their copy."""

    local_dir: Path
    remote_dir: PurePosixPath

    def __post_init__(self) -> None:
        check_remote_dir(self.remote_dir)


def check_remote_dir(path: PurePosixPath) -> None:
    """Refuse a remotes directory that sync could not safely replace whole."""
    if not path.is_absolute() or ".." in path.parts or len(path.parts) < 3:
        raise ValueError(f"remotes directory must be an absolute path two levels deep or more: {path}")


class Transport(abc.ABC):
    """Runs commands on one host; see the module docstring for the contract."""

    def __init__(self, host: str, remotes: Remotes) -> None:
        self.host = host
        self.remotes = remotes
        self._sync_lock = asyncio.Lock()
        self._synced_session: object = None

    async def run(self, command: str | Sequence[str], args: Sequence[str] = (), *,
                  stdin: bytes | None = None, timeout: float) -> Result:
        """Run a remotes script (``str``) or an argv (sequence) with ``args`` appended."""
        if isinstance(command, str):
            script = PurePosixPath(command)
            if script.is_absolute() or ".." in script.parts or not script.parts:
                raise ValueError(f"remotes script must be a relative path inside the remotes: {command!r}")
            await self._ensure_remotes()
            argv = [str(self.remotes.remote_dir / script), *args]
        elif command:
            argv = [*command, *args]
        else:
            raise ValueError("empty command")
        return await self._exec(argv, stdin, timeout)

    async def sync_remotes(self, local_dir: Path, remote_dir: PurePosixPath, *, timeout: float = 120) -> bool:
        """Copy ``local_dir`` to ``remote_dir`` on the host unless it already holds that version.

        The version is a hash of the tree's paths, contents and execute bits;
        the host's copy records it in ``VERSION_FILE``. Answers whether it copied.
        """
        check_remote_dir(remote_dir)
        version = await asyncio.to_thread(tree_version, local_dir)
        held = await self._exec(["cat", str(remote_dir / VERSION_FILE)], None, timeout)
        if held.ok and held.stdout.strip().decode(errors="replace") == version:
            return False
        archive = await asyncio.to_thread(_pack, local_dir, version)
        unpacked = await self._exec(["sh", "-c", _UNPACK, "sh", str(remote_dir)], archive, timeout)
        if not unpacked.ok:
            raise TransportError(self.host, f"cannot copy the remotes to {remote_dir}: "
                                 f"{unpacked.stderr.decode(errors='replace').strip()}")
        return True

    async def _ensure_remotes(self) -> None:
        """Sync the remotes once per session (connection) with the host."""
        async with self._sync_lock:
            session = await self._session()
            if self._synced_session is not session:
                await self.sync_remotes(self.remotes.local_dir, self.remotes.remote_dir)
                self._synced_session = session

    @abc.abstractmethod
    async def _session(self) -> object:
        """An object identifying the current session with the host, opening one if needed."""

    @abc.abstractmethod
    async def _exec(self, argv: Sequence[str], stdin: bytes | None, timeout: float | None) -> Result:
        """Run an argv on the host as the contract says; no timeout when ``None``."""

    @abc.abstractmethod
    async def put(self, local_path: Path, remote_path: PurePosixPath, *, timeout: float | None = None) -> None:
        """Copy a local file or directory tree to ``remote_path`` on the host (parents created)."""

    @abc.abstractmethod
    async def get(self, remote_path: PurePosixPath, local_path: Path, *, timeout: float | None = None) -> None:
        """Copy a file or directory tree on the host to ``local_path`` (parents created)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection; the transport reconnects if used again."""


def _files(root: Path) -> list[Path]:
    """The tree's files, sorted, without compiled byte code."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        found.extend(Path(dirpath, name) for name in filenames if not name.endswith(".pyc"))
    return sorted(found)


def tree_version(root: Path) -> str:
    """A hash of a remotes tree: relative paths, execute bits and contents."""
    if not root.is_dir():
        raise FileNotFoundError(f"remotes directory not found: {root}")
    digest = hashlib.sha256()
    for path in _files(root):
        executable = os.access(path, os.X_OK)
        digest.update(f"{path.relative_to(root).as_posix()}\0{int(executable)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def _pack(root: Path, version: str) -> bytes:
    """A gzip'd tar of the tree plus its version file, owners blanked."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
        for path in _files(root):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                tar.addfile(info, handle)
        stamp = (version + "\n").encode()
        info = tarfile.TarInfo(VERSION_FILE)
        info.size = len(stamp)
        info.mode = 0o644
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(stamp))
    return buffer.getvalue()
