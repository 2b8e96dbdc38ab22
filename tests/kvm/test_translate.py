"""The pure translation: VM document + host facts -> QemuConfig -> argv, attribute by attribute."""

from __future__ import annotations

import json

import pytest

from kvm_helpers import vm_document
from oneedge.drivers.kvm import config as qemu
from oneedge.drivers.kvm.translate import HostFacts, TranslationError, translate

FACTS = HostFacts("node1", "tcg", "/var/lib/one/datastores")


def build(**kwargs: object) -> qemu.QemuConfig:
    return translate(vm_document(7, **kwargs), 100, FACTS)  # type: ignore[arg-type]


def option(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


def test_cpu_memory_machine_and_acceleration() -> None:
    config = build(memory=512, machine="microvm")
    argv = qemu.argv(config)
    assert config.vm_dir == "/var/lib/one/datastores/100/7"
    assert option(argv, "-m") == ["512"] and option(argv, "-smp") == ["1"]
    assert option(argv, "-machine") == ["microvm,acpi=on"] and option(argv, "-accel") == ["tcg"]
    assert option(argv, "-cpu") == ["max"] and config.cpu == 0.5
    assert option(argv, "-name") == ["guest=one-7,debug-threads=on"]
    assert "-S" in argv and "-daemonize" in argv
    assert option(argv, "-pidfile") == [f"{config.run_dir}/qemu.pid"]


def test_cpu_model_host_passthrough_needs_kvm() -> None:
    extra = "<CPU_MODEL><MODEL>host-passthrough</MODEL></CPU_MODEL>"
    kvm = translate(vm_document(7, extra=extra), 0, HostFacts("h", "kvm", "/d"))
    assert option(qemu.argv(kvm), "-cpu") == ["host"]
    assert option(qemu.argv(translate(vm_document(7, extra=extra), 0, FACTS)), "-cpu") == ["max"]
    named = translate(vm_document(7, extra="<CPU_MODEL><MODEL>Skylake-Server</MODEL></CPU_MODEL>"), 0, FACTS)
    assert named.cpu_model == "Skylake-Server"


def test_acpi_off_and_raw_arguments() -> None:
    config = translate(vm_document(7, extra="<FEATURES><ACPI>no</ACPI></FEATURES>"
                                        "<RAW><TYPE>kvm</TYPE><DATA>-rtc base=utc</DATA></RAW>"
                                        "<RAW><TYPE>vmware</TYPE><DATA>ignored</DATA></RAW>"), 0, FACTS)
    argv = qemu.argv(config)
    assert "-no-acpi" in argv and argv[-2:] == ["-rtc", "base=utc"] and "ignored" not in argv


def test_direct_kernel_boot() -> None:
    config = build(os_extra={"KERNEL": "/k", "INITRD": "/i", "KERNEL_CMD": "quiet", "ROOT": "vda1"})
    argv = qemu.argv(config)
    assert option(argv, "-kernel") == ["/k"] and option(argv, "-initrd") == ["/i"]
    assert option(argv, "-append") == ["root=/dev/vda1 quiet"]
    assert set(config.files) == {"/k", "/i"}


def test_disks_bus_cache_io_discard_format_and_boot_order() -> None:
    disks = [{"DISK_ID": 0, "TARGET": "vda", "DRIVER": "qcow2", "CACHE": "none", "IO": "native",
              "DISCARD": "unmap"},
             {"DISK_ID": 1, "TARGET": "sdb", "READONLY": "YES"},
             {"DISK_ID": 2, "TYPE": "CDROM", "TARGET": "hdc"}]
    config = build(disks=disks, os_extra={"BOOT": "disk1,disk0"})
    argv = qemu.argv(config)
    nodes = [json.loads(value) for value in option(argv, "-blockdev")]
    assert nodes[0] == {"driver": "qcow2", "node-name": "disk0", "read-only": False, "discard": "unmap",
                        "cache": {"direct": True, "no-flush": False},
                        "file": {"driver": "file", "filename": "/var/lib/one/datastores/100/7/disk.0", "aio": "native"}}
    assert nodes[1]["read-only"] is True and nodes[2]["read-only"] is True
    devices = option(argv, "-device")
    assert "virtio-scsi-pci,id=scsi0" in devices
    assert "virtio-blk-pci,drive=disk0,id=dev-disk0,write-cache=on,bootindex=2" in devices
    assert "scsi-hd,bus=scsi0.0,drive=disk1,id=dev-disk1,write-cache=on,bootindex=1" in devices
    assert "ide-cd,drive=disk2,id=dev-disk2" in devices


def test_context_cdrom_is_the_context_disk() -> None:
    config = build(context={"DISK_ID": 3, "TARGET": "hda"})
    (disk,) = config.disks
    assert disk.cdrom and disk.bus == "ide" and disk.path.endswith("/7/disk.context")
    micro = build(context={"DISK_ID": 3}, machine="microvm")
    assert "virtio-blk-device,drive=disk3,id=dev-disk3" in option(qemu.argv(micro), "-device")


def test_nics_model_mac_tap_bridge_and_queues() -> None:
    nics = [{"NIC_ID": 0, "MAC": "02:00:00:00:00:01", "BRIDGE": "br0", "VIRTIO_QUEUES": 2},
            {"NIC_ID": 1, "MAC": "02:00:00:00:00:02", "MODEL": "e1000", "TARGET": "custom1"}]
    config = build(nics=nics, os_extra={"BOOT": "nic1"})
    argv = qemu.argv(config)
    assert option(argv, "-netdev") == ["tap,id=net0,ifname=one-7-0,script=no,downscript=no,queues=2",
                                       "tap,id=net1,ifname=custom1,script=no,downscript=no"]
    devices = option(argv, "-device")
    assert "virtio-net-pci,netdev=net0,mac=02:00:00:00:00:01,id=dev-nic0,mq=on,vectors=6" in devices
    assert "e1000,netdev=net1,mac=02:00:00:00:00:02,id=dev-nic1,bootindex=1" in devices
    assert config.nics[0].bridge == "br0"


def test_vnc_graphics() -> None:
    config = translate(vm_document(7, extra="<GRAPHICS><TYPE>VNC</TYPE><LISTEN>0.0.0.0</LISTEN><PORT>5907</PORT>"
                                            "<PASSWD>s3cret</PASSWD><KEYMAP>es</KEYMAP></GRAPHICS>"), 0, FACTS)
    argv = qemu.argv(config)
    assert option(argv, "-vnc") == ["0.0.0.0:7,password=on"] and option(argv, "-k") == ["es"]
    assert "VGA" in option(argv, "-device") and config.vnc is not None and config.vnc.password == "s3cret"
    default = translate(vm_document(9, extra="<GRAPHICS><TYPE>vnc</TYPE></GRAPHICS>"), 0, FACTS)
    assert option(qemu.argv(default), "-vnc") == ["127.0.0.1:9"]


def test_serial_console_log_and_monitors() -> None:
    config = build()
    argv = qemu.argv(config)
    chardevs = option(argv, "-chardev")
    assert f"socket,id=qmp,path={config.run_dir}/qmp.sock,server=on,wait=off" in chardevs
    assert any(c.endswith("logfile=/var/lib/one/datastores/100/7/serial.log,logappend=on") for c in chardevs)


def test_incoming_replaces_the_pause() -> None:
    argv = qemu.argv(translate(vm_document(7), 0, FACTS, incoming=True))
    assert option(argv, "-incoming") == ["defer"] and "-S" not in argv


def test_runtime_dirs_differ_per_host() -> None:
    other = translate(vm_document(7), 100, HostFacts("node2", "tcg", "/var/lib/one/datastores"))
    assert other.run_dir != build().run_dir


@pytest.mark.parametrize(("extra", "message"), [
    ("<DISK><DISK_ID>0</DISK_ID><DRIVER>vmdk</DRIVER></DISK>", "format 'vmdk' is not raw or qcow2"),
    ("<DISK><DISK_ID>0</DISK_ID><IO>fast</IO></DISK>", "IO 'fast'"),
    ("<DISK><DISK_ID>0</DISK_ID><DISCARD>always</DISCARD></DISK>", "DISCARD 'always'"),
    ("<NIC><NIC_ID>0</NIC_ID></NIC>", "NIC 0 has no MAC"),
    ("<NIC><NIC_ID>0</NIC_ID><MAC>02:00:00:00:00:01</MAC><MODEL>ne2k</MODEL></NIC>", "MODEL 'ne2k'"),
    ("<GRAPHICS><TYPE>VNC</TYPE><PORT>80</PORT></GRAPHICS>", "below 5900"),
])
def test_bad_attributes_are_refused(extra: str, message: str) -> None:
    with pytest.raises(TranslationError, match=message):
        translate(vm_document(7, extra=extra), 0, FACTS)


def test_memory_must_be_positive() -> None:
    with pytest.raises(TranslationError, match="MEMORY must be a positive"):
        build(memory=0)
