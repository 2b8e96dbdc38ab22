"""Bad input through the API: each VM ends in the right failure state with the driver's message
in its log and nothing left on the host; QEMU dying under a running VM is seen by monitoring,
and terminate removes what it left."""

from __future__ import annotations

import os
import signal
import subprocess

from e2e_kit import Cloud, wait
from oneedge.pool.vm import LcmState, VmState


def start(cloud: Cloud, name: str, extra: str = "", template: int = -1) -> int:
    one = cloud.one
    vm_id = one.template.instantiate(template if template >= 0 else cloud.template_id, name, False, extra)
    one.vm.deploy(vm_id, cloud.host_id, False, -1)
    return vm_id


def failed_with(cloud: Cloud, vm_id: int, lcm: LcmState, message: str) -> None:
    wait(lambda: cloud.state(vm_id)[1] in (lcm, LcmState.RUNNING), 90, f"VM {vm_id} in {lcm.name}")
    assert cloud.state(vm_id) == (VmState.ACTIVE, lcm), cloud.vm_log(vm_id)
    assert message in cloud.vm_log(vm_id)
    assert cloud.vm(vm_id).left_behind() == []
    cloud.one.vm.recover(vm_id, 3)
    cloud.wait_state(vm_id, VmState.DONE)
    wait(lambda: not cloud.vm(vm_id).dir.exists(), 30, f"VM {vm_id}'s directory removed")


def test_every_bad_input_fails_cleanly(cloud: Cloud, tmp_path) -> None:
    one = cloud.one
    # A registered image whose file went away: the prolog fails.
    path = tmp_path / "data.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
    image = one.image.allocate(f'NAME = "gone"\nTYPE = "DATABLOCK"\nPATH = "{path}"\nFORMAT = "qcow2"', 1)
    wait(lambda: one.image.info(image).STATE == 1, 30, "image READY")
    os.unlink(one.image.info(image).SOURCE)
    broken = one.vn.allocate(f'NAME = "broken"\nVN_MAD = "bridge"\nBRIDGE = "{cloud.bridge}x"\n'
                             'PHYDEV = "oe-no-such-nic"\nAR = [ TYPE = "IP4", IP = "10.233.8.10", SIZE = "4" ]', -1)
    vms = {
        "missing image": (start(cloud, "missing", f"DISK = [ IMAGE_ID = {image} ]"), LcmState.PROLOG_FAILURE,
                          "disk.0"),
        "memory": (start(cloud, "huge", "MEMORY = 67108864"), LcmState.BOOT_FAILURE,
                   "not enough free memory on the host"),
        "network": (start(cloud, "net", f"NIC = [ NETWORK_ID = {broken} ]"), LcmState.BOOT_FAILURE,
                    "PHYDEV oe-no-such-nic of bridge"),
        "qemu": (start(cloud, "qemu", 'RAW = [ TYPE = "kvm", DATA = "-device no-such-device" ]'),
                 LcmState.BOOT_FAILURE, "'no-such-device' is not a valid device model name"),
    }
    for vm_id, lcm, message in vms.values():
        failed_with(cloud, vm_id, lcm, message)
    assert cloud.used_leases() == 0


def test_qemu_killed_mid_life_goes_poweroff(cloud: Cloud) -> None:
    vm_id = start(cloud, "killed")
    cloud.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    guest = cloud.vm(vm_id)
    pid = int((guest.run_dir() / "qemu.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    cloud.wait_state(vm_id, VmState.POWEROFF, timeout=60)
    assert "monitor state is POWEROFF" in cloud.vm_log(vm_id)
    assert not guest.processes()
    # NOTE(e2e): the dead QEMU's tap and runtime directory are still there; terminate's epilog
    # from POWEROFF runs the VMM's cleanup and the network's clean before deleting the directory.
    assert guest.left_behind() != []
    cloud.cli("onevm", "terminate", str(vm_id))
    cloud.wait_state(vm_id, VmState.DONE)
    assert guest.left_behind() == [] and not guest.dir.exists()
