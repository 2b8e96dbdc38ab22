"""Transfer scripts: the TM lines a prolog, epilog or migration runs, from the VM document.

Pure, as OpenNebula's ``TransferManager::prolog_transfer_command`` and
friends but without writing files: the VM and the facts of its placement
in, a list of :class:`~oneedge.drivers.requests.Transfer` out. Disks live in
``<system datastore>/<vm id>/disk.<disk id>`` on the host; the front-end
keeps stopped and undeployed VMs' disks in the same path on itself.
"""

from __future__ import annotations

from lxml import etree

from oneedge.datastore.layout import OS_FILES
from oneedge.drivers.requests import Transfer
from oneedge.lcm.events import Step
from oneedge.pool.vm import VirtualMachine

#: What a step does with each kind of disk: (image disk, persistent image, volatile).
FRONTEND = "frontend"


def _disk_path(vm_dir: str, disk: etree._Element) -> str:
    return f"{vm_dir}/disk.{disk.findtext('DISK_ID', '0')}"


def _prolog_line(tm_mad: str, host: str, vm_dir: str, disk: etree._Element) -> Transfer:
    disk_id = int(disk.findtext("DISK_ID") or 0)
    destination = f"{host}:{_disk_path(vm_dir, disk)}"
    if disk.findtext("IMAGE_ID"):
        persistent = (disk.findtext("PERSISTENT") or "").upper() == "YES"
        return Transfer("LN" if persistent else "CLONE", disk.findtext("TM_MAD") or tm_mad,
                        disk.findtext("SOURCE") or "", destination, disk_id)
    kind = (disk.findtext("TYPE") or "").lower()
    return Transfer("MKSWAP" if kind == "swap" else "MKIMAGE", tm_mad, "", destination, disk_id,
                    int(disk.findtext("SIZE") or 0), disk.findtext("FORMAT") or "raw")


def _epilog_line(tm_mad: str, host: str, vm_dir: str, disk: etree._Element) -> Transfer:
    disk_id = int(disk.findtext("DISK_ID") or 0)
    source = f"{host}:{_disk_path(vm_dir, disk)}"
    if disk.findtext("IMAGE_ID") and (disk.findtext("PERSISTENT") or "").upper() == "YES":
        return Transfer("MVDS", disk.findtext("TM_MAD") or tm_mad, source, disk.findtext("SOURCE") or "", disk_id)
    return Transfer("DELETE", tm_mad, source, "", disk_id)


def _os_lines(tm_mad: str, host: str, vm_dir: str, vm: VirtualMachine) -> list[Transfer]:
    """Kernel and initrd of the files datastore (their SOURCE, set at allocation) copied into
    the VM directory."""
    os_node = vm.root.find("TEMPLATE/OS")
    if os_node is None:
        return []
    return [Transfer("CLONE", tm_mad, source, f"{host}:{vm_dir}/{name}")
            for attribute, name in OS_FILES.items() if (source := os_node.findtext(attribute) or "")]


def plan(step: Step, vm: VirtualMachine, tm_mad: str, host: str, previous_host: str, vm_dir: str) -> list[Transfer]:
    """The transfer script of ``step`` (a TM step) for ``vm`` placed on ``host`` with system ``tm_mad``."""
    disks = [d for d in vm.disks()]
    pending = [d for d in disks if (d.findtext("ATTACH") or "").upper() == "YES"]
    settled = [d for d in disks if d not in pending]
    context = vm.root.find("TEMPLATE/CONTEXT") is not None
    if step is Step.PROLOG:
        lines = [_prolog_line(tm_mad, host, vm_dir, d) for d in settled]
        lines += _os_lines(tm_mad, host, vm_dir, vm)
        if context:
            lines.append(Transfer("CONTEXT", tm_mad, "", f"{host}:{vm_dir}/disk.context"))
        return lines
    if step in (Step.PROLOG_RESUME, Step.PROLOG_MIGRATE):
        origin = FRONTEND if step is Step.PROLOG_RESUME else previous_host
        lines = [Transfer("MV", tm_mad, f"{origin}:{vm_dir}", f"{host}:{vm_dir}")]
        if context:
            lines.append(Transfer("CONTEXT", tm_mad, "", f"{host}:{vm_dir}/disk.context"))
        return lines
    if step is Step.EPILOG_STOP:
        return [Transfer("MV", tm_mad, f"{host}:{vm_dir}", f"{FRONTEND}:{vm_dir}")]
    if step in (Step.EPILOG, Step.EPILOG_LOCAL):
        where = FRONTEND if step is Step.EPILOG_LOCAL else host
        lines = [_epilog_line(tm_mad, where, vm_dir, d) for d in settled]
        return [*lines, Transfer("DELETE", tm_mad, f"{where}:{vm_dir}", "")]
    if step is Step.PROLOG_ATTACH:
        return [_prolog_line(tm_mad, host, vm_dir, d) for d in pending]
    if step is Step.EPILOG_DETACH:
        return [_epilog_line(tm_mad, host, vm_dir, d) for d in pending]
    if step is Step.CLEANUP:
        return [Transfer("DELETE", tm_mad, f"{host}:{vm_dir}", "")]
    if step is Step.MIGRATE:
        # The live migration's PREMIGRATE line; POSTMIGRATE and FAILMIGRATE take the same
        # arguments (one_vmm_exec's migrate: PRE, POST, FAIL + the same tm_command).
        return [Transfer("PREMIGRATE", tm_mad, f"{previous_host}:{vm_dir}", f"{host}:{vm_dir}")]
    raise ValueError(f"{step.value} is not a transfer step")
