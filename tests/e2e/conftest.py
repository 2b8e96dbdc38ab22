"""Fixtures of the end-to-end tests: a real ``oneedge up`` with this machine as its kvm host,
the bundled guest's kernel and initrd in the files datastore, a bridged network whose bridge
the driver creates, and a template booting the guest with context."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_kit import Cloud, wait
from oneedge.guest.build import KERNEL_CMD, Guest, build
from oneedge.template import parse
from support import frontend as fe

#: The monitor daemon's probes, fast enough for a test to see a VM's QEMU go away (a VM
#: missing from the host is reported on the full syncs).
PERIODS = {"BEACON_HOST": "5", "MONITOR_HOST": "5", "STATE_VM": "1", "MONITOR_VM": "5", "SYNC_STATE_VM": "2"}


@pytest.fixture(scope="session")
def guest(tmp_path_factory: pytest.TempPathFactory) -> Guest:
    return build(tmp_path_factory.mktemp("guest"))


def configure(home: Path) -> None:
    """Test defaults plus fast VM state probes."""
    fe.write_conf(home)
    monitord = parse((home / "monitord.conf").read_text())
    (periods,) = monitord.vectors("PROBES_PERIOD")
    for name, seconds in PERIODS.items():
        periods.set(name, seconds)
    (home / "monitord.conf").write_text(monitord.to_text())


def register_guest(one, guest: Guest) -> tuple[int, int]:
    """The guest's kernel (KERNEL) and initrd (RAMDISK) in the files datastore, READY."""
    kernel = one.image.allocate(f'NAME = "edge-kernel"\nTYPE = "KERNEL"\nPATH = "{guest.kernel}"', 2)
    initrd = one.image.allocate(f'NAME = "edge-initrd"\nTYPE = "RAMDISK"\nPATH = "{guest.initrd}"', 2)
    for image in (kernel, initrd):
        wait(lambda: one.image.info(image).STATE == 1, 60, f"image {image} READY")
    return kernel, initrd


#: Run by the guest from its context; base64 as OpenNebula advises for scripts with '$'.
START_SCRIPT = base64.b64encode(b"echo start-script-ran-on-$(hostname)").decode()


def template_text(name: str, kernel: int, initrd: int, vnet: int, extra: str = "") -> str:
    return f'''NAME = "{name}"
CPU = 0.5
VCPU = 1
MEMORY = 128
OS = [ KERNEL_DS = "$FILE[IMAGE_ID={kernel}]", INITRD_DS = "$FILE[IMAGE_ID={initrd}]",
       KERNEL_CMD = "{KERNEL_CMD}" ]
NIC = [ NETWORK_ID = {vnet} ]
CONTEXT = [ NETWORK = "YES", SET_HOSTNAME = "edge-guest", START_SCRIPT_BASE64 = "{START_SCRIPT}" ]
{extra}'''


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, guest: Guest) -> Iterator[Cloud]:
    home = tmp_path_factory.mktemp("e2e") / "frontend"
    configure(home)
    frontend = fe.start(home)
    bridge = f"onebre{os.getpid() % 100000}"
    try:
        one = frontend.pyone()
        host = one.host.allocate("localhost", "kvm", "kvm", -1)
        kernel, initrd = register_guest(one, guest)
        vnet = one.vn.allocate(f'''NAME = "e2e"
VN_MAD = "bridge"
BRIDGE = "{bridge}"
NETWORK_ADDRESS = "10.233.7.0"
NETWORK_MASK = "255.255.255.0"
GATEWAY = "10.233.7.1"
DNS = "10.233.7.1"
AR = [ TYPE = "IP4", IP = "10.233.7.10", SIZE = "100" ]''', -1)
        template = one.template.allocate(template_text("e2e-guest", kernel, initrd, vnet))
        wait(lambda: one.host.info(host).STATE == 2, 90, "host localhost MONITORED")
        cloud = Cloud(frontend, host, vnet, template, bridge)
        yield cloud
        cloud.remove_all_vms()
    finally:
        frontend.stop()
