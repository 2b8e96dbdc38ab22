"""Which transport reaches a host: local for this machine, SSH for the others.

``Transports`` keeps one transport per host name for the front-end's life
(so one SSH connection per host) and closes them all on shutdown; it is a
service (``running()``) for ``Core.services``.
"""

from __future__ import annotations

import contextlib
import getpass
import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from oneedge.drivers.transport import Remotes, Transport
from oneedge.drivers.transport_keys import HostKeyPolicy
from oneedge.drivers.transport_local import LocalTransport
from oneedge.drivers.transport_ssh import SSHTransport

#: The host-side code shipped with oneedge (OpenNebula's /var/lib/one/remotes).
DEFAULT_REMOTES = Path(__file__).resolve().parent.parent / "remotes"


@dataclass(frozen=True)
class TransportConfig:
    """How the front-end reaches its hosts.

    ``local_hosts``: the host names and addresses served by ``LocalTransport``;
    ``None`` means this machine's own: ``localhost``, its host name, loopback
    addresses and the addresses of its interfaces (IP literals only: no name
    is resolved).
    """

    home: Path
    remotes: Path = DEFAULT_REMOTES
    #: Where every host, this one included, keeps its copy of the remotes.
    remote_dir: PurePosixPath = PurePosixPath("/var/tmp/one")
    user: str = field(default_factory=getpass.getuser)
    port: int = 22
    host_key_policy: HostKeyPolicy = HostKeyPolicy.ACCEPT_NEW
    local_hosts: frozenset[str] | None = None
    connect_timeout: float = 10.0
    max_channels: int = 10


class Transports:
    """The transport of each host, created on first use and kept."""

    def __init__(self, config: TransportConfig) -> None:
        self.config = config
        self._remotes = Remotes(config.remotes, config.remote_dir)
        self._by_host: dict[str, Transport] = {}

    def is_local(self, host: str) -> bool:
        if self.config.local_hosts is not None:
            return host in self.config.local_hosts
        return host in _own_names() or _is_own_address(host)

    def for_host(self, host: str) -> Transport:
        """The host's transport; connections open lazily, on its first command."""
        transport = self._by_host.get(host)
        if transport is None:
            transport = self._create(host)
            self._by_host[host] = transport
        return transport

    def _create(self, host: str) -> Transport:
        if self.is_local(host):
            return LocalTransport(host, self._remotes)
        config = self.config
        return SSHTransport(host, self._remotes, home=config.home, user=config.user, port=config.port,
                            policy=config.host_key_policy, connect_timeout=config.connect_timeout,
                            max_channels=config.max_channels)

    async def close(self) -> None:
        transports, self._by_host = list(self._by_host.values()), {}
        for transport in transports:
            await transport.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The service form: closes every connection when the front-end stops."""
        try:
            yield
        finally:
            await self.close()


def _own_names() -> frozenset[str]:
    name = socket.gethostname()
    return frozenset({"localhost", "localhost.localdomain", name, name.partition(".")[0]})


def _is_own_address(host: str) -> bool:
    """Whether an IP literal is this machine's: loopback, or one its sockets can bind to."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.is_loopback:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((host, 0))
        except OSError:
            return False
    return True
