"""A guest's whole life through the front-end: pyone and the CLI against ``oneedge up``, the
kvm driver booting the bundled guest under QEMU on this machine, its context read from the CD."""

from __future__ import annotations

import re

from e2e_kit import Cloud, wait
from oneedge.pool.vm import LcmState, VmState

QCOW2_DISK = 'DISK = [ TYPE = "fs", SIZE = 16, FORMAT = "qcow2" ]'


def instantiate(cloud: Cloud, name: str, extra: str = "") -> int:
    vm_id = cloud.one.template.instantiate(cloud.template_id, name, False, extra)
    cloud.one.vm.deploy(vm_id, cloud.host_id, False, -1)
    return vm_id


def test_host_is_monitored_with_its_acceleration(cloud: Cloud) -> None:
    shown = cloud.cli("onehost", "show", str(cloud.host_id)).stdout
    assert re.search(r"KVM_ACCELERATION\s*=\s*\"(kvm|tcg)\"", shown), shown
    assert re.search(r"STATE\s*:\s*MONITORED", shown), shown


def test_guest_life_from_create_to_terminate(cloud: Cloud) -> None:
    one = cloud.one
    vm_id = instantiate(cloud, "life", QCOW2_DISK)
    guest = cloud.vm(vm_id)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    ip = one.vm.info(vm_id).TEMPLATE["NIC"]["IP"]
    console = guest.wait_serial("one-context: ready")
    assert f"ETH0 eth0 ip {ip} mask 255.255.255.0" in console
    assert "ETH0 gateway 10.233.7.1" in console and "hostname edge-guest" in console, console
    guest.wait_serial("start-script-ran-on-edge-guest")
    assert "running" in cloud.cli("onevm", "show", str(vm_id)).stdout.lower()

    # Snapshot (memory and the qcow2 disk) and revert to it.
    guest.shell("echo before > /tmp/mark")
    snapshot = one.vm.snapshotcreate(vm_id, "s1")
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    guest.shell("echo after > /tmp/mark")
    one.vm.snapshotrevert(vm_id, snapshot)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    assert "before" in guest.shell("cat /tmp/mark")

    # A volatile disk attached, seen by the guest, detached.
    partitions = guest.shell("cat /proc/partitions")
    one.vm.attach(vm_id, 'DISK = [ TYPE = "fs", SIZE = 8, FORMAT = "raw", DEV_PREFIX = "vd" ]')
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    attached = wait(lambda: set(guest.shell("cat /proc/partitions").split()) - set(partitions.split()), 20,
                    f"the new disk in the guest: {_disks(one, vm_id)}\n{cloud.vm_log(vm_id)}")
    disk_id = max(int(d["DISK_ID"]) for d in _disks(one, vm_id))
    one.vm.detach(vm_id, disk_id)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    wait(lambda: not (set(guest.shell("cat /proc/partitions").split()) & attached), 20, "the disk gone")
    assert not (guest.dir / f"disk.{disk_id}").exists()

    # Reboot, then power off and resume: the guest boots again each time.
    one.vm.action("reboot", vm_id)
    guest.wait_serial("one-context: ready", count=2)
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    cloud.cli("onevm", "poweroff", str(vm_id))
    cloud.wait_state(vm_id, VmState.POWEROFF)
    assert not guest.processes()
    cloud.cli("onevm", "resume", str(vm_id))
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    guest.wait_serial("one-context: ready", count=3)

    cloud.cli("onevm", "terminate", str(vm_id))
    cloud.wait_state(vm_id, VmState.DONE)
    assert guest.left_behind() == []
    assert not guest.dir.exists()
    assert cloud.used_leases() == 0
    assert re.search(r"USED_LEASES\s*:\s*0\n", cloud.cli("onevnet", "show", str(cloud.vnet_id)).stdout)
    assert cloud.bridge not in _links(), "the bridge the driver created is left"


def _disks(one, vm_id: int) -> list[dict[str, str]]:
    disks = one.vm.info(vm_id).TEMPLATE["DISK"]
    return disks if isinstance(disks, list) else [disks]


def _links() -> list[str]:
    import os

    return os.listdir("/sys/class/net")
