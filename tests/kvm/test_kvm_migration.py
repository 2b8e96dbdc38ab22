"""A second host in its own network namespace, reached over SSH: it takes a deploy and a
live migration back to this host, the guest keeping its memory and its console."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from kvm_helpers import LocalVm, run, vm_document
from oneedge.drivers.base import DriverConfig
from oneedge.drivers.kvm.driver import KvmDriver
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.drivers.transport_keys import front_end_key
from oneedge.guest.build import Guest
from support.sshd import Namespace, network_namespace, running_sshd


@pytest.fixture
def remote(tmp_path: Path, home: Path) -> Iterator[Namespace]:
    home.mkdir(parents=True, exist_ok=True)
    key = front_end_key(home).export_public_key().decode()
    with network_namespace(random.randint(100, 250)) as ns:
        with running_sshd(tmp_path / "sshd", ns.address, [key], port=22, netns=ns.name):
            yield ns


def test_deploy_on_a_remote_host_then_live_migrate_here(guest: Guest, remote: Namespace, home: Path,
                                                       tmp_path: Path) -> None:
    transports = Transports(TransportConfig(home=home, user="root", remote_dir=PurePosixPath(tmp_path / "one"),
                                            local_hosts=frozenset({"localhost", remote.host_address})))
    driver = KvmDriver(DriverConfig("vmm", "kvm", "kvm", timeout=120), transports)
    vm = LocalVm(driver, vm_document(61, guest=guest), host=remote.address)

    async def body() -> None:
        try:
            assert await driver.deploy(vm.ctx()) == "one-61"
            vm.wait_serial("one-context: ready")
            assert await driver.poll(vm.ctx()) == "RUNNING"
            vm.shell("echo kept > /tmp/memory", host=remote.address)
            # The migration stream goes from the namespace's QEMU to this host's, on the veth.
            await driver.migrate(vm.ctx(host=remote.host_address, previous_host=remote.address))
            assert await driver.poll(vm.ctx(host=remote.address)) == "POWEROFF"
            vm.assert_nothing_left(host=remote.address)
            assert await driver.poll(vm.ctx(host=remote.host_address)) == "RUNNING"
            assert "kept" in vm.shell("cat /tmp/memory", host=remote.host_address)
        finally:
            for host in (remote.address, remote.host_address):
                await driver.cleanup(vm.ctx(host=host))
            await transports.close()

    run(body())
    for host in (remote.address, remote.host_address):
        vm.assert_nothing_left(host=host)
