"""The front-end's SSH identity: its key pair and the host keys it trusts.

Both live under the front-end home, as OpenNebula keeps them in oneadmin's
``~/.ssh``: ``home/.ssh/id_ed25519`` (created at first use, with its
``.pub`` for hosts' ``authorized_keys``) and ``home/.ssh/known_hosts`` in
OpenSSH's format.
"""

from __future__ import annotations

import enum
import os
import threading
from pathlib import Path

import asyncssh


class HostKeyPolicy(enum.Enum):
    """What to do with a host's key, named as OpenSSH's ``StrictHostKeyChecking``."""

    #: Only hosts already in known_hosts, with the recorded key.
    YES = "yes"
    #: Record the key of a host seen for the first time; refuse a changed one.
    ACCEPT_NEW = "accept-new"
    #: Accept any key and record nothing (tests, throwaway hosts).
    NO = "no"


_key_lock = threading.Lock()


def ssh_dir(home: Path) -> Path:
    return home / ".ssh"


def key_path(home: Path) -> Path:
    """The front-end's private key file; the public key is beside it, ``.pub``."""
    return ssh_dir(home) / "id_ed25519"


def front_end_key(home: Path) -> asyncssh.SSHKey:
    """The front-end's private key, created (ed25519, mode 0600) when missing.

    Blocking: call it from a thread. Safe when several transports or
    processes ask at once: only one creates the file.
    """
    path = key_path(home)
    with _key_lock:
        if not path.exists():
            _create_key(path)
    return asyncssh.read_private_key(path)


def _create_key(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"oneedge@{os.uname().nodename}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_private_key())
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key())


class KnownHosts:
    """``home/.ssh/known_hosts``: lookups and first-contact records (blocking; call from a thread)."""

    def __init__(self, home: Path) -> None:
        self.path = ssh_dir(home) / "known_hosts"
        self._lock = threading.Lock()

    def knows(self, host: str, port: int) -> bool:
        """Whether any key is recorded for this host (and port, or any port for 22)."""
        if not self.path.exists():
            return False
        host_keys = asyncssh.match_known_hosts(str(self.path), host, host, None if port == 22 else port)[0]
        return bool(host_keys)

    def record(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Append the host's key, in OpenSSH's ``[host]:port`` form when not on port 22."""
        pattern = host if port == 22 else f"[{host}]:{port}"
        line = f"{pattern} {key.export_public_key().decode().strip()}\n"
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self.path.open("a") as handle:
                handle.write(line)
