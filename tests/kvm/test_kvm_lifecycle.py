"""A real guest under QEMU (TCG here) through the kvm driver on this host: context read,
reboot, hotplug seen in the guest, snapshots, save/restore, power off and back, cancel;
nothing of the VM left behind afterwards."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kvm_helpers import LocalVm, local_driver, run, vm_document
from oneedge.guest.build import Guest


def test_a_guest_lives_its_whole_life(guest: Guest, bridge: tuple[str, str], home: Path) -> None:
    name, net = bridge
    nic = {"NIC_ID": 0, "MAC": "02:00:0a:e7:00:05", "IP": f"{net}.5", "BRIDGE": name, "NETWORK_ID": 0}
    context = {"DISK_ID": 2, "NETWORK": "YES", "SET_HOSTNAME": "lifevm", "TARGET": "hda",
               "START_SCRIPT": "echo started by context", "COLOR": "blue"}
    data_disk = {"DISK_ID": 0, "TARGET": "vda", "DRIVER": "qcow2", "CACHE": "writeback"}
    vm = LocalVm(local_driver(home), vm_document(41, guest=guest, disks=[data_disk], nics=[nic], context=context))
    vm.dir.mkdir(parents=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(vm.dir / "disk.0"), "16M"], check=True)
    vm.write_context({0: {"NETWORK_MASK": "255.255.255.0", "GATEWAY": f"{net}.1"}})
    driver = vm.driver
    try:
        assert run(driver.deploy(vm.ctx())) == "one-41"
        log = vm.wait_serial("one-context: ready")
        assert f"one-context: ETH0 eth0 ip {net}.5 mask 255.255.255.0 mac 02:00:0a:e7:00:05" in log
        assert "one-context: hostname lifevm" in log
        assert "start-script: started by context" in log
        assert run(driver.poll(vm.ctx())) == "RUNNING"
        assert "blue" in vm.shell("echo $COLOR; hostname")
        assert "lifevm" in vm.shell("hostname")
        ping = subprocess.run(["busybox", "ping", "-c", "1", "-W", "5", f"{net}.5"], capture_output=True, text=True)
        assert ping.returncode == 0, ping.stdout + ping.stderr

        # Hotplug: a disk and a NIC appear in the guest and go away.
        subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(vm.dir / "disk.1"), "8M"], check=True)
        vm.document = vm_document(41, guest=guest, nics=[nic], context=context, disks=[
            data_disk, {"DISK_ID": 1, "TARGET": "vdb", "DRIVER": "raw", "ATTACH": "YES"}])
        run(driver.attach_disk(vm.ctx(), 1))
        assert "vdb" in vm.shell("sleep 1; ls /sys/block")
        run(driver.detach_disk(vm.ctx(), 1))
        assert "vdb" not in vm.shell("ls /sys/block")
        nic1 = {"NIC_ID": 1, "MAC": "02:00:0a:e7:00:06", "BRIDGE": name}
        vm.document = vm_document(41, guest=guest, nics=[nic, nic1], context=context, disks=[data_disk])
        run(driver.attach_nic(vm.ctx(), 1))
        assert "02:00:0a:e7:00:06" in vm.shell("sleep 1; cat /sys/class/net/*/address")
        run(driver.detach_nic(vm.ctx(), 1))
        assert "02:00:0a:e7:00:06" not in vm.shell("cat /sys/class/net/*/address")
        assert not Path("/sys/class/net/one-41-1").exists()

        # Snapshot, change the guest, revert: the change is gone.
        assert run(driver.snapshot_create(vm.ctx(), 0)) == "snap-0"
        vm.shell("touch /tmp/after-snapshot")
        run(driver.snapshot_revert(vm.ctx(), "snap-0"))
        assert "missing" in vm.shell("[ -e /tmp/after-snapshot ] && echo present || echo missing")
        run(driver.snapshot_delete(vm.ctx(), "snap-0"))

        # Save and restore keep the guest's memory.
        vm.shell("touch /tmp/before-save")
        run(driver.save(vm.ctx()))
        assert (vm.dir / "checkpoint").exists() and not vm.run_dir().exists()
        assert run(driver.poll(vm.ctx())) == "POWEROFF"
        run(driver.restore(vm.ctx()))
        assert not (vm.dir / "checkpoint").exists()
        assert "present" in vm.shell("[ -e /tmp/before-save ] && echo present || echo missing")

        # A graceful reboot boots the guest again.
        run(driver.reboot(vm.ctx()))
        vm.wait_serial("one-context: ready", count=2)

        # Power off on the ACPI button, then start again (poweroff and resume).
        run(driver.shutdown(vm.ctx()))
        assert "one-context: power button, powering off" in vm.serial()
        vm.assert_nothing_left()
        run(driver.deploy(vm.ctx()))
        vm.wait_serial("one-context: ready", count=3)
        run(driver.cancel(vm.ctx()))
        vm.assert_nothing_left()
    finally:
        run(driver.cleanup(vm.ctx()))
    vm.assert_nothing_left()
