"""A VM document and its host's facts -> the VM's :class:`~oneedge.drivers.kvm.config.QemuConfig`.

Pure: documents are XML text, facts a frozen value; nothing is read from
disk. Attribute names are OpenNebula's (``OS``, ``FEATURES``, ``CPU_MODEL``,
``DISK``, ``NIC``, ``GRAPHICS``, ``RAW``, ``CONTEXT``); disks live in the VM
directory on the host as ``disk.<DISK_ID>`` (the context CD as ``disk.context``) and NICs on taps
``one-<VM_ID>-<NIC_ID>``, as OpenNebula lays them out.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass

from lxml import etree

from oneedge.datastore.layout import OS_FILES
from oneedge.drivers.kvm.config import CACHE_MODES, NIC_MODELS, Disk, Nic, QemuConfig, Vnc

#: Where hosts keep VM runtime files (pid file, monitor sockets); see the host-side ``runtime``.
RUN_ROOT = "/run/oneedge-kvm"
BUSES = {"vd": "virtio", "sd": "scsi", "hd": "ide", "xvd": "virtio"}


class TranslationError(ValueError):
    """The VM document asks for something the driver cannot express; the message says what."""


@dataclass(frozen=True)
class HostFacts:
    """What the translation needs to know about the host the VM runs on."""

    host: str
    #: ``kvm`` or ``tcg``: the acceleration that works on the host (see the acceleration probe).
    accel: str
    #: The host's datastores directory (OpenNebula's DATASTORE_LOCATION).
    ds_location: str


def _text(node: etree._Element | None, path: str, default: str = "") -> str:
    if node is None:
        return default
    value = node.findtext(path)
    return value.strip() if value and value.strip() else default


def _number(text: str, what: str, kind: type = int) -> float | int:
    try:
        return kind(text)
    except ValueError:
        raise TranslationError(f"{what} must be a number, got {text!r}") from None


def vm_dir(vm: etree._Element, ds_id: int, facts: HostFacts) -> str:
    """The VM's directory on the host: ``<DATASTORE_LOCATION>/<system DS>/<VM_ID>``."""
    return f"{facts.ds_location.rstrip('/')}/{ds_id}/{_text(vm, 'ID')}"


def runtime_key(host: str, directory: str) -> str:
    """The name of the VM's runtime directory on the host: unique per host and VM directory."""
    return hashlib.sha256(f"{host}\0{directory}".encode()).hexdigest()[:20]


def _boot_order(os_node: etree._Element | None) -> dict[str, int]:
    """``OS/BOOT`` (``disk0,nic1``) -> {"disk0": 1, "nic1": 2}."""
    order = [item.strip().lower() for item in _text(os_node, "BOOT").split(",") if item.strip()]
    return {item: index for index, item in enumerate(order, start=1)}


def disk_of(node: etree._Element, directory: str, boot: dict[str, int]) -> Disk:
    """One DISK (or the CONTEXT CD-ROM) of the document."""
    disk_id = int(_number(_text(node, "DISK_ID", "-1"), "DISK_ID"))
    # NOTE: the context CD is "disk.context" in the VM directory: that is where the
    # CONTEXT line of the lifecycle's transfer script puts it (oneedge.lcm.transfer).
    path = f"{directory}/disk.context" if node.tag == "CONTEXT" else f"{directory}/disk.{disk_id}"
    kind = _text(node, "TYPE").upper()
    cdrom = kind == "CDROM" or node.tag == "CONTEXT"
    target = _text(node, "TARGET")
    prefix = _text(node, "DEV_PREFIX") or next((p for p in ("xvd", "vd", "sd", "hd") if target.startswith(p)),
                                                "hd" if cdrom else "vd")
    bus = BUSES.get(prefix, "virtio")
    fmt = (_text(node, "DRIVER") or _text(node, "FORMAT") or "raw").lower()
    if fmt not in ("raw", "qcow2"):
        raise TranslationError(f"DISK {disk_id}: format {fmt!r} is not raw or qcow2")
    cache = _text(node, "CACHE", "default").lower()
    if cache not in CACHE_MODES:
        raise TranslationError(f"DISK {disk_id}: CACHE {cache!r} is not one of {', '.join(CACHE_MODES)}")
    io = _text(node, "IO").lower()
    if io and io not in ("threads", "native", "io_uring"):
        raise TranslationError(f"DISK {disk_id}: IO {io!r} is not threads, native or io_uring")
    discard = _text(node, "DISCARD").lower()
    if discard and discard not in ("unmap", "ignore"):
        raise TranslationError(f"DISK {disk_id}: DISCARD {discard!r} is not unmap or ignore")
    readonly = _text(node, "READONLY").upper() == "YES"
    return Disk(disk_id, path, "raw" if cdrom else fmt, bus, cdrom, readonly,
                cache, io, discard, boot.get(f"disk{disk_id}"))


def nic_of(node: etree._Element, vm_id: int, boot: dict[str, int]) -> Nic:
    nic_id = int(_number(_text(node, "NIC_ID", "0"), "NIC_ID"))
    mac = _text(node, "MAC")
    if not mac:
        raise TranslationError(f"NIC {nic_id} has no MAC")
    model = _text(node, "MODEL", "virtio").lower()
    if model not in NIC_MODELS:
        raise TranslationError(f"NIC {nic_id}: MODEL {model!r} is not one of {', '.join(NIC_MODELS)}")
    queues = _text(node, "VIRTIO_QUEUES", "0")
    return Nic(nic_id, _text(node, "TARGET", f"one-{vm_id}-{nic_id}"), mac, _text(node, "BRIDGE"), model,
               int(_number(queues, "VIRTIO_QUEUES")) if queues.isdigit() else 0, boot.get(f"nic{nic_id}"))


def _vnc(template: etree._Element, vm_id: int) -> Vnc | None:
    graphics = template.find("GRAPHICS")
    if graphics is None or _text(graphics, "TYPE").upper() != "VNC":
        return None
    port = int(_number(_text(graphics, "PORT", str(5900 + vm_id)), "GRAPHICS/PORT"))
    if port < 5900:
        raise TranslationError(f"GRAPHICS/PORT {port} is below 5900, the first VNC display")
    listen = _text(graphics, "LISTEN", "127.0.0.1")
    return Vnc(listen, port, _text(graphics, "PASSWD"), _text(graphics, "KEYMAP"))


def _raw(template: etree._Element) -> tuple[str, ...]:
    args: list[str] = []
    for raw in template.findall("RAW"):
        if _text(raw, "TYPE").lower() in ("kvm", "qemu"):
            args += shlex.split(_text(raw, "DATA"))
    return tuple(args)


def translate(document: str, ds_id: int, facts: HostFacts, *, incoming: bool = False) -> QemuConfig:
    """The QEMU configuration of the ``<VM>`` document placed on the host of ``facts``."""
    vm = etree.fromstring(document.encode())
    template = vm.find("TEMPLATE")
    if template is None:
        raise TranslationError("the VM document has no TEMPLATE")
    vm_id = int(_number(_text(vm, "ID"), "ID"))
    directory = vm_dir(vm, ds_id, facts)
    memory = int(_number(_text(template, "MEMORY", "0"), "MEMORY"))
    if memory <= 0:
        raise TranslationError("MEMORY must be a positive number of MB")
    os_node = template.find("OS")
    boot = _boot_order(os_node)
    disks = [disk_of(node, directory, boot) for node in template.findall("DISK")]
    context = template.find("CONTEXT")
    if context is not None and _text(context, "DISK_ID"):
        disks.append(disk_of(context, directory, boot))
    # The prolog copies KERNEL_DS and INITRD_DS files into the VM directory.
    kernel = _text(os_node, "KERNEL") or _os_file(os_node, "KERNEL_DS", directory)
    initrd = _text(os_node, "INITRD") or _os_file(os_node, "INITRD_DS", directory)
    cmdline = _text(os_node, "KERNEL_CMD")
    if kernel and _text(os_node, "ROOT"):
        cmdline = f"root=/dev/{_text(os_node, 'ROOT')} {cmdline}".strip()
    features = template.find("FEATURES")
    return QemuConfig(
        vm_id=vm_id, name=_text(vm, "NAME"), run_dir=f"{RUN_ROOT}/{runtime_key(facts.host, directory)}",
        vm_dir=directory, accel=facts.accel, memory_mb=memory,
        vcpus=int(_number(_text(template, "VCPU", "1"), "VCPU")),
        cpu=float(_number(_text(template, "CPU", "1"), "CPU", float)),
        cpu_model=_cpu_model(_text(template, "CPU_MODEL/MODEL")),
        machine=_text(os_node, "MACHINE", "pc"), acpi=_text(features, "ACPI", "YES").upper() != "NO",
        kernel=kernel, initrd=initrd if kernel else "", cmdline=cmdline if kernel else "",
        disks=tuple(disks), nics=tuple(nic_of(node, vm_id, boot) for node in template.findall("NIC")),
        vnc=_vnc(template, vm_id), raw=_raw(template), incoming=incoming,
        files=tuple(p for p in [kernel, initrd if kernel else "", *(d.path for d in disks)] if p))


def _os_file(os_node: etree._Element | None, attribute: str, directory: str) -> str:
    return f"{directory}/{OS_FILES[attribute]}" if _text(os_node, attribute) else ""


def _cpu_model(model: str) -> str:
    """OpenNebula's CPU_MODEL/MODEL: ``host-passthrough`` is QEMU's ``host``; other names pass through."""
    return "host" if model.lower() in ("host-passthrough", "host-model") else model
