"""A second host reached over SSH: a network namespace with its own files, registered with
``onehost create <address> --im kvm --vm kvm``, monitored by the monitor daemon's agent over
SSH, takes a deploy of the bundled guest, a cold migration back to this machine and a live
migration to it again; terminate leaves nothing on either host."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from e2e_kit import Cloud, GuestVm, wait
from namespace_host import NamespaceHost, namespace_host
from oneedge.pool.vm import LcmState, VmState


@pytest.fixture(scope="module")
def remote(cloud: Cloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NamespaceHost, int]]:
    with namespace_host(cloud.frontend.home, cloud.ds_dir, tmp_path_factory.mktemp("nshost")) as host:
        created = cloud.cli("onehost", "create", host.name, "--im", "kvm", "--vm", "kvm").stdout
        host_id = int(re.search(r"ID: (\d+)", created).group(1))  # type: ignore[union-attr]
        try:
            wait(lambda: cloud.one.host.info(host_id).STATE == 2, 90,
                 f"host {host.name} MONITORED:\n{cloud.frontend.log()[-3000:]}")
            yield host, host_id
        finally:
            cloud.remove_all_vms()
            cloud.cli("onehost", "delete", str(host_id))


def test_remote_host_is_monitored_over_ssh(cloud: Cloud, remote: tuple[NamespaceHost, int]) -> None:
    host, host_id = remote
    shown = cloud.cli("onehost", "show", str(host_id)).stdout
    assert re.search(r"KVM_ACCELERATION\s*=\s*\"(kvm|tcg)\"", shown), shown
    # The agent's files are the namespace host's own, under its /var/tmp/one-monitor.
    assert list(host.tmp_view.glob("one-monitor/*")), "no agent state on the namespace host"


def test_deploy_there_migrate_cold_here_and_live_back(cloud: Cloud, remote: tuple[NamespaceHost, int]) -> None:
    host, host_id = remote
    one = cloud.one
    vm_id = one.template.instantiate(cloud.template_id, "travel", False, "")
    there = GuestVm(vm_id, cloud.ds_dir, host.name, seen_at=host.ds_view)
    here = GuestVm(vm_id, cloud.ds_dir)
    one.vm.deploy(vm_id, host_id, False, -1)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    ip = one.vm.info(vm_id).TEMPLATE["NIC"]["IP"]
    console = there.wait_serial("one-context: ready")
    assert f"ETH0 eth0 ip {ip} mask 255.255.255.0" in console and "hostname edge-guest" in console, console
    assert not here.dir.exists(), "the VM directory is on the namespace host only"
    assert f"one-{vm_id}-0" in host.links()
    there.shell("echo kept > /tmp/memory")

    # Cold: saved there, its directory copied here by the ssh TM, restored here.
    one.vm.migrate(vm_id, cloud.host_id, False, False, -1, 0)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    assert "kept" in here.shell("cat /tmp/memory")
    assert _left_there(there, host) == [] and not there.files.exists()

    # Live: PREMIGRATE copies the directory there, QEMU streams the memory, POSTMIGRATE removes it here.
    one.vm.migrate(vm_id, host_id, True, False, -1, 0)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    assert "kept" in there.shell("cat /tmp/memory")
    assert here.left_behind() == [] and not here.dir.exists(), cloud.vm_log(vm_id)
    assert f"one-{vm_id}-0" in host.links()

    cloud.cli("onevm", "terminate", str(vm_id))
    cloud.wait_state(vm_id, VmState.DONE)
    assert _left_there(there, host) == [] and not there.files.exists()
    assert here.left_behind() == []
    assert cloud.used_leases() == 0


def _left_there(guest: GuestVm, host: NamespaceHost) -> list[str]:
    """What the VM left on the namespace host: its QEMU and runtime directory, its taps there."""
    found = [item for item in guest.left_behind() if not item.startswith("tap ")]
    return found + [f"tap {name}" for name in host.links() if name.startswith(f"one-{guest.vm_id}-")]
