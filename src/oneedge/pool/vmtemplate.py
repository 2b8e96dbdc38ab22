"""VM templates: ``<VMTEMPLATE>`` documents (vmtemplate.xsd), and the pure rules that
turn a template into a VM's parts: restricted attributes, and the split of a
template into the VM's TEMPLATE (attributes the front-end owns, validated and
numbered) and USER_TEMPLATE (everything else), as ``VirtualMachine::insert``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import SingleAttribute, Template, VectorAttribute

table = pool_table("template_pool")

#: oned.conf's VM_RESTRICTED_ATTR defaults, used when oned.conf sets none.
DEFAULT_VM_RESTRICTED_ATTR = (
    "CONTEXT/FILES", "NIC/MAC", "NIC/VLAN_ID", "NIC/BRIDGE", "NIC/FILTER", "NIC/FILTER_IP_SPOOFING",
    "NIC/FILTER_MAC_SPOOFING", "NIC/INBOUND_AVG_BW", "NIC/INBOUND_PEAK_BW", "NIC/INBOUND_PEAK_KB",
    "NIC/OUTBOUND_AVG_BW", "NIC/OUTBOUND_PEAK_BW", "NIC/OUTBOUND_PEAK_KB", "NIC/OPENNEBULA_MANAGED",
    "NIC/VCENTER_INSTANCE_ID", "NIC/VCENTER_NET_REF", "NIC/VCENTER_PORTGROUP_TYPE", "NIC/EXTERNAL",
    "NIC_ALIAS/MAC", "NIC_ALIAS/VLAN_ID", "NIC_ALIAS/BRIDGE", "NIC_ALIAS/INBOUND_AVG_BW",
    "NIC_ALIAS/INBOUND_PEAK_BW", "NIC_ALIAS/INBOUND_PEAK_KB", "NIC_ALIAS/OUTBOUND_AVG_BW",
    "NIC_ALIAS/OUTBOUND_PEAK_BW", "NIC_ALIAS/OUTBOUND_PEAK_KB", "NIC_ALIAS/OPENNEBULA_MANAGED",
    "NIC_ALIAS/VCENTER_INSTANCE_ID", "NIC_ALIAS/VCENTER_NET_REF", "NIC_ALIAS/VCENTER_PORTGROUP_TYPE",
    "NIC_DEFAULT/MAC", "NIC_DEFAULT/VLAN_ID", "NIC_DEFAULT/BRIDGE", "NIC_DEFAULT/FILTER", "NIC_DEFAULT/EXTERNAL",
    *(f"DISK/{io}{suffix}" for io in ("TOTAL_BYTES_SEC", "READ_BYTES_SEC", "WRITE_BYTES_SEC", "TOTAL_IOPS_SEC",
                                      "READ_IOPS_SEC", "WRITE_IOPS_SEC") for suffix in ("", "_MAX_LENGTH", "_MAX")),
    "DISK/SIZE_IOPS_SEC", "DISK/OPENNEBULA_MANAGED", "DISK/VCENTER_DS_REF", "DISK/VCENTER_INSTANCE_ID",
    "DISK/ORIGINAL_SIZE", "DISK/SIZE_PREV", "DEPLOY_ID", "CPU_COST", "MEMORY_COST", "DISK_COST", "PCI",
    "EMULATOR", "RAW/DATA", "USER_PRIORITY", "USER_INPUTS/CPU", "USER_INPUTS/MEMORY", "USER_INPUTS/VCPU",
    "VCENTER_VM_FOLDER", "VCENTER_ESX_HOST", "TOPOLOGY/PIN_POLICY", "TOPOLOGY/HUGEPAGE_SIZE",
)


class VMTemplate(PoolObject):
    TABLE = table
    TYPE = ObjectType.TEMPLATE
    ROOT = "VMTEMPLATE"
    LOCK_AFTER = "NAME"

    @classmethod
    def new(cls, uid: int, gid: int, uname: str, gname: str, name: str, perms: Permissions,
            template: Template, regtime: int) -> VMTemplate:
        """A template document; ``template`` no longer holds NAME (it is the document's NAME)."""
        root = xml.element("VMTEMPLATE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        xml.sub(root, "REGTIME", regtime)
        root.append(template.to_xml("TEMPLATE"))
        return cls(root)


def image_disks(tmpl: Template) -> list[VectorAttribute]:
    """The DISKs of a template that refer to an image (by IMAGE_ID or IMAGE name)."""
    return [d for d in tmpl.vectors("DISK") if d.get("IMAGE_ID") is not None or d.get("IMAGE") is not None]


# -- restricted attributes ---------------------------------------------------------------
def restricted_map(names: tuple[str, ...] | list[str]) -> dict[str, set[str]]:
    """``("NIC/MAC", "PCI")`` -> ``{"NIC": {"MAC"}, "PCI": set()}``: a whole attribute when no '/'."""
    ras: dict[str, set[str]] = {}
    for entry in names:
        name, _, sub = entry.upper().partition("/")
        ras.setdefault(name, set())
        if sub:
            ras[name].add(sub)
    return ras


def _vector_values(tmpl: Template, name: str, subs: set[str]) -> tuple[bool, list[str]]:
    vectors = tmpl.vectors(name)
    return bool(vectors), sorted(s + v.get(s) for v in vectors for s in subs if v.get(s) is not None)


def _whole(tmpl: Template, name: str) -> list[object]:
    return [(a.name, a.value if isinstance(a, SingleAttribute) else a.items) for a in tmpl.get_all(name)]


def find_restricted(new: Template, ras: dict[str, set[str]], base: Template | None = None,
                    append: bool = False) -> str | None:
    """The first restricted attribute ``new`` sets, or None (Template::check_restricted).

    Without ``base`` any restricted attribute counts. With ``base`` (an update,
    or the template an instantiation extends) only changes count; in that case
    a restricted whole attribute ``new`` lacks is copied from ``base``, so a
    replace keeps it.
    """
    for name, subs in ras.items():
        if subs:
            if base is None:
                for vector in new.vectors(name):
                    for sub in sorted(subs):
                        if vector.get(sub) is not None:
                            return sub
                continue
            new_has, new_values = _vector_values(new, name, subs)
            base_has, base_values = _vector_values(base, name, subs)
            if new_values != base_values and (new_has or (not append and base_has)):
                return name
        elif base is None:
            if new.get_all(name):
                return name
        elif new.get_all(name):
            if _whole(new, name) != _whole(base, name):
                return name
        else:
            for attr in base.get_all(name):
                new.add(attr.copy())
    return None


# -- a VM's parts from a template ---------------------------------------------------------
class InvalidTemplate(ValueError):
    """The template cannot make a VM; the message is OpenNebula's."""


#: Attributes moved as they are (VirtualMachine::parse_well_known_attributes and friends).
_MOVED = ("EMULATOR", "INPUT", "FEATURES", "RAW", "CLONING_TEMPLATE_ID", "TOPOLOGY", "NUMA_NODE", "HYPERV_OPTIONS",
          "SPICE_OPTIONS", "PCI", "VIDEO", "TEMPLATE_ID", "TM_MAD_SYSTEM")
#: At most one of each.
_SINGLETONS = ("OS", "CONTEXT", "NIC_DEFAULT", "GRAPHICS")
_VIDEO_ORDER = ("TYPE", "IOMMU", "ATS", "VRAM", "RESOLUTION")
_ONE_VM = re.compile(r"one-[0-9]+")


@dataclass
class VMParts:
    """What a template makes of VM ``oid``; ``template.vectors("DISK")`` are still to be resolved
    where ``image_disks`` lists them (their DISK_ID already set)."""

    name: str
    template: Template
    user_template: Template
    deploy_id: str = ""
    image_disks: list[VectorAttribute] = field(default_factory=list)


def _number(text: str | None, kind: type, minimum: float) -> float | None:
    try:
        value = kind(text.strip()) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= minimum else None


def split_template(tmpl: Template, oid: int, hold: bool) -> VMParts:
    """Split a VM template into TEMPLATE and USER_TEMPLATE, checking CPU, VCPU, MEMORY,
    costs and volatile disks and numbering DISK_ID and NIC_ID; raise InvalidTemplate."""
    user = Template(a.copy() for a in tmpl.attributes)
    system = Template()

    def take(name: str) -> list:
        found = [a.copy() for a in user.get_all(name)]
        user.remove(name)
        return found

    user.remove("VMID")
    system.add(SingleAttribute("VMID", str(oid)))
    names, prefixes = take("NAME"), take("TEMPLATE_NAME")
    name = names[0].value if names and isinstance(names[0], SingleAttribute) else ""
    prefix = prefixes[0].value if prefixes and isinstance(prefixes[0], SingleAttribute) else ""
    name = name or f"{prefix or 'one'}-{oid}"

    memory = _number(user.get("MEMORY"), int, 1)
    if memory is None:
        raise InvalidTemplate("MEMORY attribute must be a positive integer value.")
    cpu = _number(user.get("CPU"), float, 1e-9)
    if cpu is None:
        raise InvalidTemplate("CPU attribute must be a positive float or integer value.")
    system.add(SingleAttribute("MEMORY", str(memory)))
    system.add(SingleAttribute("CPU", take("CPU")[0].value))
    take("MEMORY")
    if user.get_all("VCPU"):
        vcpu = _number(user.get("VCPU"), int, 1)
        if vcpu is None:
            raise InvalidTemplate("VCPU attribute must be a positive integer value.")
        take("VCPU")
        system.add(SingleAttribute("VCPU", str(vcpu)))
    for optional in ("MEMORY_MAX", "MEMORY_SLOTS", "VCPU_MAX"):
        if _number(user.get(optional), int, 1) is not None:
            system.add(take(optional)[0])
    for cost in ("CPU_COST", "MEMORY_COST", "DISK_COST"):
        if user.get(cost) is not None:
            if _number(user.get(cost), float, 0) is None:
                raise InvalidTemplate(f"{cost} attribute must be a positive float or integer value.")
            system.add(take(cost)[0])
    if user.get("MEMORY_RESIZE_MODE") is not None:
        system.add(take("MEMORY_RESIZE_MODE")[0])
    for moved in _MOVED:
        for attr in take(moved):
            system.add(attr)
    for singleton in _SINGLETONS:
        found = take(singleton)
        if len(found) > 1:
            raise InvalidTemplate(f"Only one {singleton} attribute can be defined.")
        for attr in found:
            system.add(attr)
    _check_graphics_and_video(system)
    os = system.vectors("OS")
    if not os:
        system.add(os_vector := VectorAttribute("OS"))
        os = [os_vector]
    if os[0].get("UUID") is None:
        os[0].set("UUID", str(uuid.uuid4()))

    parts = VMParts(name, system, user)
    _disks(take("DISK"), parts)
    for nic_id, nic in enumerate(take("NIC") + take("NIC_ALIAS")):
        if isinstance(nic, VectorAttribute):
            nic.set("NIC_ID", str(nic_id))
        system.add(nic)
    for context in system.vectors("CONTEXT"):
        if context.get("DISK_ID") is None:
            context.set("DISK_ID", str(len(system.vectors("DISK"))))
    if hold:
        take("SUBMIT_ON_HOLD")
        system.add(SingleAttribute("SUBMIT_ON_HOLD", "YES"))
    elif user.get_all("SUBMIT_ON_HOLD"):
        system.add(take("SUBMIT_ON_HOLD")[0])
    deploy = take("DEPLOY_ID")
    if deploy and isinstance(deploy[0], SingleAttribute) and deploy[0].value:
        if _ONE_VM.fullmatch(deploy[0].value):
            raise InvalidTemplate("Trying to import an OpenNebula VM: 'one-*'.")
        parts.deploy_id = deploy[0].value
        system.add(SingleAttribute("IMPORTED", "YES"))
    if system.get("TM_MAD_SYSTEM") is None:
        # NOTE: vm.xsd requires TM_MAD_SYSTEM; the system datastore chosen at deploy fills it.
        system.add(SingleAttribute("TM_MAD_SYSTEM", ""))
    return parts


def _check_graphics_and_video(system: Template) -> None:
    for graphics in system.vectors("GRAPHICS"):
        port = graphics.get("PORT")
        if port and (_number(port, int, 0) is None or int(port) > 65535):
            raise InvalidTemplate("Wrong PORT number in GRAPHICS attribute")
    for video in system.vectors("VIDEO"):
        unknown = [key for key, _ in video.items if key not in _VIDEO_ORDER]
        if unknown:
            raise InvalidTemplate(f"Unknown VIDEO attribute {unknown[0]}")
        if video.get("VRAM") is not None and _number(video.get("VRAM"), int, 1) is None:
            raise InvalidTemplate("VRAM attribute must be a positive integer value.")
        video.items = sorted(video.items, key=lambda item: _VIDEO_ORDER.index(item[0]))


def _disks(disks: list, parts: VMParts) -> None:
    for disk_id, disk in enumerate(disks):
        if not isinstance(disk, VectorAttribute):
            raise InvalidTemplate("DISK attribute must be a vector attribute.")
        disk.set("DISK_ID", str(disk_id))
        if disk.get("IMAGE_ID") is not None or disk.get("IMAGE") is not None:
            parts.image_disks.append(disk)
        elif (disk.get("TYPE") or "").lower() not in ("fs", "swap"):
            raise InvalidTemplate(f"DISK {disk_id} needs IMAGE_ID or IMAGE, or TYPE fs or swap for a volatile disk.")
        elif _number(disk.get("SIZE"), int, 1) is None:
            raise InvalidTemplate(f"Volatile DISK {disk_id} needs a positive SIZE (MB).")
        parts.template.add(disk)


def automatic_requirements(parts: VMParts) -> None:
    """AUTOMATIC_REQUIREMENTS, _DS_ and _NIC_ from the clusters of the resolved disks."""
    clusters: set[int] | None = None
    for disk in parts.template.vectors("DISK"):
        text = disk.get("CLUSTER_ID")
        if text is None:
            continue
        ids = {int(c) for c in text.split(",") if c.strip().lstrip("-").isdigit()}
        clusters = ids if clusters is None else clusters & ids
        if not clusters:
            raise InvalidTemplate("Incompatible clusters in DISK. Datastore for DISK "
                                  f"{disk.get('DISK_ID')} is not in the same cluster as the one used by other VM elements")
    topology = parts.template.vectors("TOPOLOGY")
    pinned = bool(topology) and (topology[0].get("PIN_POLICY") or "NONE").upper() != "NONE"
    reqs = "!(PUBLIC_CLOUD = YES)"
    if clusters:
        reqs = "(" + " | ".join(f"CLUSTER_ID = {c}" for c in sorted(clusters)) + ") & " + reqs
    reqs += " & (PIN_POLICY = PINNED)" if pinned else " & !(PIN_POLICY = PINNED)"
    parts.template.add(SingleAttribute("AUTOMATIC_REQUIREMENTS", reqs))
    if clusters:
        in_clusters = "(" + " | ".join(f'"CLUSTERS/ID" @> {c}' for c in sorted(clusters)) + ")"
        parts.template.add(SingleAttribute("AUTOMATIC_NIC_REQUIREMENTS", in_clusters))
        parts.template.add(SingleAttribute("AUTOMATIC_DS_REQUIREMENTS", in_clusters))
