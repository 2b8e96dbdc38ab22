"""Transports: local for this machine, SSH for other hosts; a host in its own network namespace."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path, PurePosixPath

import pytest

from oneedge.drivers.transport import Result, tree_version
from oneedge.drivers.transport_factory import DEFAULT_REMOTES, TransportConfig, Transports
from oneedge.drivers.transport_keys import front_end_key
from oneedge.drivers.transport_local import LocalTransport
from oneedge.drivers.transport_ssh import SSHTransport
from support.sshd import network_namespace, running_sshd


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.1.1", "::1", socket.gethostname()])
def test_this_machine_is_served_locally(tmp_path: Path, host: str) -> None:
    assert isinstance(Transports(TransportConfig(tmp_path)).for_host(host), LocalTransport)


@pytest.mark.parametrize("host", ["edge-node-1", "192.0.2.10", "2001:db8::1"])
def test_other_hosts_are_reached_over_ssh(tmp_path: Path, host: str) -> None:
    # Nothing connects until the first command: building one sends no traffic.
    transport = Transports(TransportConfig(tmp_path, user="oneadmin", port=2222)).for_host(host)
    assert isinstance(transport, SSHTransport)
    assert transport.target == f"oneadmin@{host}:2222"


def test_local_hosts_can_be_configured(tmp_path: Path) -> None:
    transports = Transports(TransportConfig(tmp_path, local_hosts=frozenset({"frontend"})))
    assert isinstance(transports.for_host("frontend"), LocalTransport)
    assert isinstance(transports.for_host("127.0.0.1"), SSHTransport)


def test_one_transport_per_host_closed_with_the_service(tmp_path: Path) -> None:
    transports = Transports(TransportConfig(tmp_path))

    async def body() -> None:
        async with transports.running():
            first = transports.for_host("localhost")
            assert transports.for_host("localhost") is first
            assert transports.for_host("edge-node-1") is not first
        assert transports.for_host("localhost") is not first  # closed and forgotten

    asyncio.run(body())


def test_a_host_in_its_own_network_namespace(tmp_path: Path) -> None:
    """sshd on port 22 of a namespace, reached over the veth; the shipped remotes run there."""
    home = tmp_path / "frontend"
    public = front_end_key(home).export_public_key().decode()
    remote_dir = PurePosixPath(tmp_path / "var" / "tmp" / "one")
    config = TransportConfig(home, remote_dir=remote_dir, user="root")
    with network_namespace(subnet=os.getpid() % 200 + 50) as ns, \
            running_sshd(tmp_path / "sshd", ns.address, [public], port=22, netns=ns.name):
        transports = Transports(config)
        assert isinstance(transports.for_host(ns.host_address), LocalTransport)
        host = transports.for_host(ns.address)
        assert isinstance(host, SSHTransport)

        async def body() -> tuple[Result, Result]:
            async with transports.running():
                netns = await host.run(["readlink", "/proc/self/ns/net"], timeout=10)
                version = await host.run("im/common.d/version.sh", timeout=10)
                return netns, version

        netns, version = asyncio.run(body())
        namespace_inode = os.stat(f"/run/netns/{ns.name}").st_ino
    assert netns.stdout.decode().strip() == f"net:[{namespace_inode}]"
    assert os.readlink("/proc/self/ns/net") != f"net:[{namespace_inode}]"
    assert version.stdout.decode().strip() == f'VERSION="{tree_version(DEFAULT_REMOTES)}"'
    assert not Path(f"/run/netns/{ns.name}").exists()
