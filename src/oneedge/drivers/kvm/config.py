"""A QEMU virtual machine as typed values, and its command line (as nova's libvirt ``config``).

Pure: no file is read and no command run. ``argv`` is the full command the
host runs: QEMU daemonizes, writes its pid file and listens on its monitor
sockets in the VM's runtime directory, starts paused (``-S``) so the host can
plug its taps before the guest runs, and logs the serial console to a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

QEMU = "qemu-system-x86_64"
#: QEMU cache modes: (cache.direct, cache.no-flush, the device's write-cache).
CACHE_MODES: dict[str, tuple[bool, bool, bool]] = {
    "none": (True, False, True), "writeback": (False, False, True), "writethrough": (False, False, False),
    "directsync": (True, False, False), "unsafe": (False, True, True), "default": (False, False, True),
}
NIC_MODELS = {"virtio": "virtio-net", "e1000": "e1000", "rtl8139": "rtl8139", "e1000e": "e1000e"}


@dataclass(frozen=True)
class Disk:
    """One disk: ``node`` names it in QEMU (``disk<DISK_ID>``), ``bus`` is virtio, scsi or ide."""

    disk_id: int
    path: str
    format: str = "raw"
    bus: str = "virtio"
    cdrom: bool = False
    readonly: bool = False
    cache: str = "default"
    io: str = ""
    discard: str = ""
    bootindex: int | None = None

    @property
    def node(self) -> str:
        return f"disk{self.disk_id}"

    @property
    def device_id(self) -> str:
        return f"dev-disk{self.disk_id}"


@dataclass(frozen=True)
class Nic:
    """One NIC on tap ``tap`` (created by QEMU unless it exists), put on ``bridge`` by the host."""

    nic_id: int
    tap: str
    mac: str
    bridge: str = ""
    model: str = "virtio"
    queues: int = 0
    bootindex: int | None = None

    @property
    def netdev_id(self) -> str:
        return f"net{self.nic_id}"

    @property
    def device_id(self) -> str:
        return f"dev-nic{self.nic_id}"


@dataclass(frozen=True)
class Vnc:
    listen: str = "127.0.0.1"
    port: int = 5900
    password: str = ""
    keymap: str = ""


@dataclass(frozen=True)
class QemuConfig:
    vm_id: int
    name: str
    run_dir: str
    vm_dir: str
    accel: str
    memory_mb: int
    vcpus: int = 1
    cpu: float = 1.0
    cpu_model: str = ""
    machine: str = "pc"
    acpi: bool = True
    kernel: str = ""
    initrd: str = ""
    cmdline: str = ""
    disks: tuple[Disk, ...] = ()
    nics: tuple[Nic, ...] = ()
    vnc: Vnc | None = None
    raw: tuple[str, ...] = ()
    #: Start waiting for a migration stream (restore, live migration target).
    incoming: bool = False
    #: Files that must exist on the host before QEMU starts (disks, kernel, initrd).
    files: tuple[str, ...] = field(default=())

    @property
    def microvm(self) -> bool:
        return self.machine.split(",")[0] == "microvm"

    @property
    def serial_log(self) -> str:
        return f"{self.vm_dir}/serial.log"


def _bus_suffix(config: QemuConfig) -> str:
    return "device" if config.microvm else "pci"


def blockdev(disk: Disk) -> dict[str, Any]:
    """The ``blockdev-add`` arguments of a disk (also its ``-blockdev`` JSON)."""
    direct, no_flush, _ = CACHE_MODES.get(disk.cache or "default", CACHE_MODES["default"])
    protocol: dict[str, Any] = {"driver": "file", "filename": disk.path}
    if disk.io:
        protocol["aio"] = disk.io
    node: dict[str, Any] = {"driver": disk.format, "node-name": disk.node, "file": protocol,
                            "cache": {"direct": direct, "no-flush": no_flush},
                            "read-only": disk.readonly or disk.cdrom}
    if disk.discard:
        node["discard"] = disk.discard
    return node


def disk_device(config: QemuConfig, disk: Disk) -> dict[str, Any]:
    """The ``device_add`` arguments of a disk (also its ``-device``)."""
    _, _, write_cache = CACHE_MODES.get(disk.cache or "default", CACHE_MODES["default"])
    if disk.bus == "virtio" or (disk.cdrom and config.microvm):
        device: dict[str, Any] = {"driver": f"virtio-blk-{_bus_suffix(config)}"}
    elif disk.bus == "scsi":
        device = {"driver": "scsi-cd" if disk.cdrom else "scsi-hd", "bus": "scsi0.0"}
    else:
        device = {"driver": "ide-cd" if disk.cdrom else "ide-hd"}
    device.update({"drive": disk.node, "id": disk.device_id})
    if not disk.cdrom:
        device["write-cache"] = "on" if write_cache else "off"
    if disk.bootindex is not None:
        device["bootindex"] = disk.bootindex
    return device


def netdev(nic: Nic) -> dict[str, Any]:
    """The ``netdev_add`` arguments of a NIC (also its ``-netdev``)."""
    args: dict[str, Any] = {"type": "tap", "id": nic.netdev_id, "ifname": nic.tap, "script": "no",
                            "downscript": "no"}
    if nic.queues > 1:
        args["queues"] = nic.queues
    return args


def nic_device(config: QemuConfig, nic: Nic) -> dict[str, Any]:
    model = NIC_MODELS.get(nic.model, nic.model)
    driver = f"{model}-{_bus_suffix(config)}" if model == "virtio-net" else model
    device: dict[str, Any] = {"driver": driver, "netdev": nic.netdev_id, "mac": nic.mac, "id": nic.device_id}
    if nic.queues > 1 and model == "virtio-net":
        device.update({"mq": "on", "vectors": 2 * nic.queues + 2})
    if nic.bootindex is not None:
        device["bootindex"] = nic.bootindex
    return device


def _opts(options: dict[str, Any]) -> str:
    """``-device``/``-netdev`` option syntax (commas in values doubled)."""
    def text(value: Any) -> str:
        return str(value).replace(",", ",,")
    first = options.get("driver", options.get("type"))
    rest = [f"{k}={text(v)}" for k, v in options.items() if k not in ("driver", "type")]
    return ",".join([text(first), *rest])


def argv(config: QemuConfig) -> list[str]:
    """The whole QEMU command line of ``config``."""
    run = config.run_dir
    machine = config.machine if not config.microvm or "acpi=" in config.machine else f"{config.machine},acpi=on"
    cpu_model = config.cpu_model or ("host" if config.accel == "kvm" else "max")
    if cpu_model == "host" and config.accel != "kvm":
        cpu_model = "max"  # host-passthrough needs KVM; TCG emulates the most it can
    args = [QEMU, "-name", f"guest=one-{config.vm_id},debug-threads=on", "-machine", machine,
            "-accel", config.accel, "-cpu", cpu_model, "-m", str(config.memory_mb), "-smp", str(config.vcpus),
            "-nodefaults", "-no-user-config", "-display", "none", "-daemonize", "-pidfile", f"{run}/qemu.pid"]
    if not config.incoming:
        # Paused until the host has plugged the taps; an incoming VM waits for its stream anyway.
        args += ["-S"]
    if not config.acpi and not config.microvm:
        args += ["-no-acpi"]
    for monitor, sock in (("qmp", "qmp.sock"), ("poll", "poll.sock")):
        args += ["-chardev", f"socket,id={monitor},path={run}/{sock},server=on,wait=off",
                 "-mon", f"chardev={monitor},mode=control"]
    args += ["-chardev", f"socket,id=serial0,path={run}/serial.sock,server=on,wait=off,"
             f"logfile={config.serial_log.replace(',', ',,')},logappend=on", "-serial", "chardev:serial0"]
    if config.kernel:
        args += ["-kernel", config.kernel]
        if config.initrd:
            args += ["-initrd", config.initrd]
        if config.cmdline:
            args += ["-append", config.cmdline]
    if any(d.bus == "scsi" for d in config.disks):
        args += ["-device", f"virtio-scsi-{_bus_suffix(config)},id=scsi0"]
    for disk in config.disks:
        args += ["-blockdev", json.dumps(blockdev(disk), separators=(",", ":")),
                 "-device", _opts(disk_device(config, disk))]
    for nic in config.nics:
        args += ["-netdev", _opts(netdev(nic)), "-device", _opts(nic_device(config, nic))]
    if config.vnc is not None:
        display = config.vnc.port - 5900
        vnc = f"{config.vnc.listen}:{display}" + (",password=on" if config.vnc.password else "")
        args += ["-vnc", vnc] + (["-k", config.vnc.keymap] if config.vnc.keymap else [])
        if not config.microvm:
            args += ["-device", "VGA"]
    if config.incoming:
        args += ["-incoming", "defer"]
    return args + list(config.raw)
