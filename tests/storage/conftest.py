"""Fixtures of the storage tests: transports to this machine, and a second host reached over SSH."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from storage.storage_kit import LOCAL, run

from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.drivers.transport_keys import HostKeyPolicy, front_end_key
from support.sshd import network_namespace, running_sshd


@pytest.fixture
def transports(tmp_path: Path) -> Iterator[Transports]:
    config = TransportConfig(home=tmp_path / "fe-home", remote_dir=PurePosixPath(tmp_path / "host-remotes"),
                             local_hosts=LOCAL, host_key_policy=HostKeyPolicy.NO)
    found = Transports(config)
    yield found
    run(found.close())


@pytest.fixture
def ssh_host(tmp_path: Path) -> Iterator[tuple[str, Transports]]:
    """A host in its own network namespace with a real sshd, and transports reaching it.

    The namespace shares this machine's file system, so the test sees what
    the driver made there; every command still travels over SSH.
    """
    home = tmp_path / "fe-home"
    key = front_end_key(home).export_public_key().decode()
    with network_namespace(41) as ns, running_sshd(tmp_path / "sshd", ns.address, [key], port=22, netns=ns.name) as sshd:
        config = TransportConfig(home=home, remote_dir=PurePosixPath(tmp_path / "ssh-remotes"), user="root",
                                 port=sshd.port, host_key_policy=HostKeyPolicy.NO, local_hosts=LOCAL)
        found = Transports(config)
        yield ns.address, found
        run(found.close())
