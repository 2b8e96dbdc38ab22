"""Bad input and crashes: the driver fails with a clear message and leaves nothing on the host."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from kvm_helpers import LocalVm, local_driver, run, vm_document
from oneedge.drivers.base import DriverError
from oneedge.guest.build import Guest


def test_missing_image_file_fails_before_qemu(guest: Guest, home: Path) -> None:
    vm = LocalVm(local_driver(home), vm_document(51, guest=guest, disks=[{"DISK_ID": 0, "TARGET": "vda"}]))
    with pytest.raises(DriverError, match=r"missing image file .*/51/disk\.0"):
        run(vm.driver.deploy(vm.ctx()))
    vm.assert_nothing_left()


def test_more_memory_than_the_host_has_is_refused(guest: Guest, home: Path) -> None:
    vm = LocalVm(local_driver(home), vm_document(52, guest=guest, memory=64 * 1024 * 1024))
    with pytest.raises(DriverError, match="not enough free memory on the host: the VM needs 67108864 MB"):
        run(vm.driver.deploy(vm.ctx()))
    vm.assert_nothing_left()


def test_a_missing_bridge_is_a_broken_network(guest: Guest, home: Path) -> None:
    nic = {"NIC_ID": 0, "MAC": "02:00:00:00:00:53", "BRIDGE": "onebr-absent"}
    vm = LocalVm(local_driver(home), vm_document(53, guest=guest, nics=[nic]))
    with pytest.raises(DriverError, match="bridge onebr-absent for one-53-0 does not exist"):
        run(vm.driver.deploy(vm.ctx()))
    vm.assert_nothing_left()


def test_qemu_failing_at_start_reports_its_own_error(guest: Guest, home: Path) -> None:
    raw = "<RAW><TYPE>kvm</TYPE><DATA>-device no-such-device</DATA></RAW>"
    vm = LocalVm(local_driver(home), vm_document(54, guest=guest, extra=raw))
    with pytest.raises(DriverError, match="'no-such-device' is not a valid device model name"):
        run(vm.driver.deploy(vm.ctx()))
    vm.assert_nothing_left()


def test_qemu_killed_mid_life_is_seen_and_cleaned(guest: Guest, home: Path) -> None:
    vm = LocalVm(local_driver(home), vm_document(55, guest=guest, machine="microvm"))
    run(vm.driver.deploy(vm.ctx()))
    try:
        assert run(vm.driver.poll(vm.ctx())) == "RUNNING"
        pid = int((vm.run_dir() / "qemu.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while run(vm.driver.poll(vm.ctx())) != "POWEROFF":
            assert time.monotonic() < deadline, "the poll never saw QEMU gone"
            time.sleep(0.05)
        with pytest.raises(DriverError, match="VM is not running on this host"):
            run(vm.driver.reboot(vm.ctx()))
    finally:
        run(vm.driver.cancel(vm.ctx()))
    vm.assert_nothing_left()


def test_a_template_error_names_the_attribute(guest: Guest, home: Path) -> None:
    vm = LocalVm(local_driver(home), vm_document(56, guest=guest, disks=[{"DISK_ID": 0, "CACHE": "fast"}]))
    with pytest.raises(DriverError, match="DISK 0: CACHE 'fast' is not one of"):
        run(vm.driver.deploy(vm.ctx()))
    vm.assert_nothing_left()
