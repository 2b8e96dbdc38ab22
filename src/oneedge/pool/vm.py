"""Virtual machines: ``<VM>`` documents (vm.xsd), their states and placement history.

The states and history actions are OpenNebula's wire numbers
(``include/VirtualMachine.h``, ``include/VMActions.h``); retired numbers are
left as gaps. Besides the full document, every write stores the reduced
``<VM>`` of vm_pool.xsd in ``short_body``, so ``one.vmpool.info`` is a plain
concatenation of stored strings.
"""

from __future__ import annotations

from enum import IntEnum

import sqlalchemy as sa
from lxml import etree

from oneedge.db.schema import metadata, pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template


class VmState(IntEnum):
    INIT = 0
    PENDING = 1
    HOLD = 2
    ACTIVE = 3
    STOPPED = 4
    SUSPENDED = 5
    DONE = 6
    POWEROFF = 8
    UNDEPLOYED = 9
    CLONING = 10
    CLONING_FAILURE = 11


class LcmState(IntEnum):
    LCM_INIT = 0
    PROLOG = 1
    BOOT = 2
    RUNNING = 3
    MIGRATE = 4
    SAVE_STOP = 5
    SAVE_SUSPEND = 6
    SAVE_MIGRATE = 7
    PROLOG_MIGRATE = 8
    PROLOG_RESUME = 9
    EPILOG_STOP = 10
    EPILOG = 11
    SHUTDOWN = 12
    CLEANUP_RESUBMIT = 15
    UNKNOWN = 16
    HOTPLUG = 17
    SHUTDOWN_POWEROFF = 18
    BOOT_UNKNOWN = 19
    BOOT_POWEROFF = 20
    BOOT_SUSPENDED = 21
    BOOT_STOPPED = 22
    CLEANUP_DELETE = 23
    HOTPLUG_SNAPSHOT = 24
    HOTPLUG_NIC = 25
    HOTPLUG_SAVEAS = 26
    HOTPLUG_SAVEAS_POWEROFF = 27
    HOTPLUG_SAVEAS_SUSPENDED = 28
    SHUTDOWN_UNDEPLOY = 29
    EPILOG_UNDEPLOY = 30
    PROLOG_UNDEPLOY = 31
    BOOT_UNDEPLOY = 32
    HOTPLUG_PROLOG_POWEROFF = 33
    HOTPLUG_EPILOG_POWEROFF = 34
    BOOT_MIGRATE = 35
    BOOT_FAILURE = 36
    BOOT_MIGRATE_FAILURE = 37
    PROLOG_MIGRATE_FAILURE = 38
    PROLOG_FAILURE = 39
    EPILOG_FAILURE = 40
    EPILOG_STOP_FAILURE = 41
    EPILOG_UNDEPLOY_FAILURE = 42
    PROLOG_MIGRATE_POWEROFF = 43
    PROLOG_MIGRATE_POWEROFF_FAILURE = 44
    PROLOG_MIGRATE_SUSPEND = 45
    PROLOG_MIGRATE_SUSPEND_FAILURE = 46
    BOOT_UNDEPLOY_FAILURE = 47
    BOOT_STOPPED_FAILURE = 48
    PROLOG_RESUME_FAILURE = 49
    PROLOG_UNDEPLOY_FAILURE = 50
    DISK_SNAPSHOT_POWEROFF = 51
    DISK_SNAPSHOT_REVERT_POWEROFF = 52
    DISK_SNAPSHOT_DELETE_POWEROFF = 53
    DISK_SNAPSHOT_SUSPENDED = 54
    DISK_SNAPSHOT_DELETE_SUSPENDED = 56
    DISK_SNAPSHOT = 57
    DISK_SNAPSHOT_DELETE = 59
    PROLOG_MIGRATE_UNKNOWN = 60
    PROLOG_MIGRATE_UNKNOWN_FAILURE = 61
    DISK_RESIZE = 62
    DISK_RESIZE_POWEROFF = 63
    DISK_RESIZE_UNDEPLOYED = 64
    HOTPLUG_NIC_POWEROFF = 65
    HOTPLUG_RESIZE = 66
    HOTPLUG_SAVEAS_UNDEPLOYED = 67
    HOTPLUG_SAVEAS_STOPPED = 68
    BACKUP = 69
    BACKUP_POWEROFF = 70
    RESTORE = 71


class HistoryAction(IntEnum):
    """What ended a placement: ACTION of a HISTORY record."""

    NONE = 0
    MIGRATE = 1
    LIVE_MIGRATE = 2
    UNDEPLOY = 5
    UNDEPLOY_HARD = 6
    HOLD = 7
    RELEASE = 8
    STOP = 9
    SUSPEND = 10
    RESUME = 11
    DELETE = 13
    DELETE_RECREATE = 14
    REBOOT = 15
    REBOOT_HARD = 16
    RESCHED = 17
    UNRESCHED = 18
    POWEROFF = 19
    POWEROFF_HARD = 20
    DISK_ATTACH = 21
    DISK_DETACH = 22
    NIC_ATTACH = 23
    NIC_DETACH = 24
    DISK_SNAPSHOT_CREATE = 25
    DISK_SNAPSHOT_DELETE = 26
    TERMINATE = 27
    TERMINATE_HARD = 28
    DISK_RESIZE = 29
    DEPLOY = 30
    CHOWN = 31
    CHMOD = 32
    UPDATECONF = 33
    RENAME = 34
    RESIZE = 35
    UPDATE = 36
    SNAPSHOT_CREATE = 37
    SNAPSHOT_DELETE = 38
    SNAPSHOT_REVERT = 39
    DISK_SAVEAS = 40
    DISK_SNAPSHOT_REVERT = 41
    RECOVER = 42
    RETRY = 43
    MONITOR = 44
    DISK_SNAPSHOT_RENAME = 45
    ALIAS_ATTACH = 46
    ALIAS_DETACH = 47
    POFF_MIGRATE = 48
    POFF_HARD_MIGRATE = 49
    BACKUP = 50
    NIC_UPDATE = 51
    BACKUP_CANCEL = 52
    SCHED_ADD = 53
    SCHED_UPDATE = 54
    SCHED_DELETE = 55
    SG_ATTACH = 56
    SG_DETACH = 57
    PCI_ATTACH = 58
    PCI_DETACH = 59
    RESTORE = 60


table = pool_table(
    "vm_pool",
    sa.Column("state", sa.Integer, nullable=False, index=True),
    sa.Column("lcm_state", sa.Integer, nullable=False),
    sa.Column("short_body", sa.Text, nullable=False),
    #: RESCHED, so the scheduler finds VMs asking to be rescheduled by index.
    sa.Column("resched", sa.Integer, nullable=False, index=True),
)

#: One ``<MONITORING>`` body per VM and poll time (OpenNebula's vm_monitoring), written
#: by the monitor daemon (``oneedge.monitor.writer``).
monitoring_table = sa.Table(
    "vm_monitoring",
    metadata,
    sa.Column("vmid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_poll", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=False),
)

#: Children of a VM's TEMPLATE in vm.xsd's order: the attributes the front-end
#: owns. Everything else a user gives lives in USER_TEMPLATE.
TEMPLATE_ORDER = (
    "AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_NIC_REQUIREMENTS", "AUTOMATIC_REQUIREMENTS", "CLONING_TEMPLATE_ID",
    "CONTEXT", "CPU", "CPU_COST", "DISK", "DISK_COST", "EMULATOR", "FEATURES", "HYPERV_OPTIONS", "GRAPHICS",
    "VIDEO", "IMPORTED", "INPUT", "MEMORY", "MEMORY_COST", "MEMORY_MAX", "MEMORY_SLOTS", "MEMORY_RESIZE_MODE",
    "NIC", "NIC_ALIAS", "NIC_DEFAULT", "NUMA_NODE", "OS", "PCI", "RAW", "SECURITY_GROUP_RULE", "SNAPSHOT",
    "SPICE_OPTIONS", "SUBMIT_ON_HOLD", "TEMPLATE_ID", "TM_MAD_SYSTEM", "TOPOLOGY", "VCPU", "VCPU_MAX", "VMGROUP",
    "VMID", "VROUTER_ID", "VROUTER_KEEPALIVED_ID", "VROUTER_KEEPALIVED_PASSWORD", "SCHED_ACTION",
)
_RANK = {name: index for index, name in enumerate(TEMPLATE_ORDER)}

HISTORY_FIELDS = ("OID", "SEQ", "HOSTNAME", "HID", "CID", "STIME", "ETIME", "VM_MAD", "TM_MAD", "DS_ID", "PSTIME",
                  "PETIME", "RSTIME", "RETIME", "ESTIME", "EETIME", "ACTION", "UID", "GID", "REQUEST_ID")
_HISTORY_SHORT = ("OID", "SEQ", "HOSTNAME", "HID", "CID", "DS_ID", "VM_MAD", "TM_MAD", "ACTION")
_DISK_SHORT = ("DISK_ID", "DATASTORE", "DATASTORE_ID", "IMAGE", "IMAGE_ID", "SIZE", "TYPE", "CLONE",
               "CLONE_TARGET", "LN_TARGET", "DISK_SNAPSHOT_TOTAL_SIZE")
_NIC_SHORT_OPTIONAL = ("IP", "EXTERNAL_IP", "IP6", "IP6_ULA", "IP6_LINK", "IP6_GLOBAL", "NETWORK_MODE",
                       "SCHED_REQUIREMENTS", "SCHED_RANK")
_NIC_SHORT = ("MAC", "NETWORK", "NETWORK_ID", "NIC_ID", "SECURITY_GROUPS")
_USER_SHORT = ("LABELS", "ERROR", "SCHED_MESSAGE", "SCHED_RANK", "SCHED_DS_RANK", "SCHED_REQUIREMENTS",
               "SCHED_DS_REQUIREMENTS", "USER_PRIORITY")


def ordered(tmpl: Template) -> Template:
    """The attributes of a VM's TEMPLATE sorted in vm.xsd's order (stable within a name)."""
    return Template(sorted(tmpl.attributes, key=lambda attr: _RANK.get(attr.name, len(_RANK))))


class History:
    """One placement of a VM on a host: a HISTORY element, edited in place."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def get(self, field: str) -> str:
        return self.element.findtext(field, "")

    def get_int(self, field: str) -> int:
        return int(self.element.findtext(field) or 0)

    def set(self, field: str, value: object) -> None:
        node = self.element.find(field)
        if node is None:
            raise KeyError(f"HISTORY has no {field}")
        node.text = str(value)

    @property
    def seq(self) -> int:
        return self.get_int("SEQ")


class VirtualMachine(PoolObject):
    TABLE = table
    TYPE = ObjectType.VM
    ROOT = "VM"
    LOCK_AFTER = "DEPLOY_ID"

    @classmethod
    def new(cls, uid: int, gid: int, uname: str, gname: str, name: str, perms: Permissions, state: VmState,
            template: Template, user_template: Template, stime: int) -> VirtualMachine:
        """A VM as allocation leaves it: no placement, no monitoring, LCM_STATE 0."""
        root = xml.element("VM", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        for tag, value in (("LAST_POLL", 0), ("STATE", int(state)), ("LCM_STATE", 0), ("PREV_STATE", int(state)),
                           ("PREV_LCM_STATE", 0), ("RESCHED", 0), ("STIME", stime), ("ETIME", 0)):
            xml.sub(root, tag, value)
        xml.sub(root, "DEPLOY_ID", "")
        root.extend([etree.Element("MONITORING"), etree.Element("SCHED_ACTIONS"), etree.Element("TEMPLATE"),
                     etree.Element("USER_TEMPLATE"), etree.Element("HISTORY_RECORDS"),
                     xml.element("BACKUPS", etree.Element("BACKUP_CONFIG"), etree.Element("BACKUP_IDS"))])
        vm = cls(root)
        vm.template = template
        vm.user_template = user_template
        return vm

    # -- states -----------------------------------------------------------------------
    @property
    def state(self) -> VmState:
        return VmState(self.get_int("STATE"))

    @state.setter
    def state(self, value: VmState) -> None:
        self.set("STATE", int(value))

    @property
    def lcm_state(self) -> LcmState:
        return LcmState(self.get_int("LCM_STATE"))

    @lcm_state.setter
    def lcm_state(self, value: LcmState) -> None:
        self.set("LCM_STATE", int(value))

    @property
    def prev_state(self) -> tuple[VmState, LcmState]:
        return VmState(self.get_int("PREV_STATE")), LcmState(self.get_int("PREV_LCM_STATE"))

    def set_state(self, state: VmState, lcm_state: LcmState = LcmState.LCM_INIT) -> None:
        """Move to (state, lcm_state), remembering the current pair as PREV_STATE/PREV_LCM_STATE."""
        self.set("PREV_STATE", self.get_int("STATE"))
        self.set("PREV_LCM_STATE", self.get_int("LCM_STATE"))
        self.state, self.lcm_state = state, lcm_state

    # -- plain fields -------------------------------------------------------------------
    @property
    def deploy_id(self) -> str:
        return self.get("DEPLOY_ID", "") or ""

    @deploy_id.setter
    def deploy_id(self, value: str) -> None:
        self.set("DEPLOY_ID", value)

    @property
    def last_poll(self) -> int:
        return self.get_int("LAST_POLL")

    @last_poll.setter
    def last_poll(self, value: int) -> None:
        self.set("LAST_POLL", value)

    @property
    def oid(self) -> int:
        return self.get_int("ID", -1)

    @oid.setter
    def oid(self, value: int) -> None:
        # VMID in TEMPLATE always mirrors the ID (VirtualMachine::insert).
        self.set("ID", value)
        node = self.root.find("TEMPLATE/VMID")
        if node is not None:
            node.text = etree.CDATA(str(value))

    # -- templates ----------------------------------------------------------------------
    @property
    def template(self) -> Template:
        return Template.from_xml(self.root.find("TEMPLATE"))

    @template.setter
    def template(self, value: Template) -> None:
        self.root.replace(self.root.find("TEMPLATE"), ordered(value).to_xml("TEMPLATE"))

    @property
    def user_template(self) -> Template:
        return Template.from_xml(self.root.find("USER_TEMPLATE"))

    @user_template.setter
    def user_template(self, value: Template) -> None:
        self.root.replace(self.root.find("USER_TEMPLATE"), value.to_xml("USER_TEMPLATE"))

    def disks(self) -> list[etree._Element]:
        """The TEMPLATE/DISK elements, to read or edit in place."""
        return self.root.findall("TEMPLATE/DISK")

    def nics(self) -> list[etree._Element]:
        return self.root.findall("TEMPLATE/NIC")

    # -- history ------------------------------------------------------------------------
    def histories(self) -> list[History]:
        return [History(node) for node in self.root.iterfind("HISTORY_RECORDS/HISTORY")]

    def last_history(self) -> History | None:
        nodes = self.root.findall("HISTORY_RECORDS/HISTORY")
        return History(nodes[-1]) if nodes else None

    def add_history(self, **fields: object) -> History:
        """Open a placement record: SEQ follows the last one, unset fields are 0 or empty."""
        last = self.last_history()
        values: dict[str, object] = {name: 0 for name in HISTORY_FIELDS}
        values.update(OID=self.oid, SEQ=0 if last is None else last.seq + 1, HOSTNAME="", VM_MAD="", TM_MAD="",
                      UID=-1, GID=-1, REQUEST_ID="-1")
        unknown = set(fields) - set(HISTORY_FIELDS)
        if unknown:
            raise KeyError(f"HISTORY has no {', '.join(sorted(unknown))}")
        values.update(fields)
        node = xml.element("HISTORY", **{name: values[name] for name in HISTORY_FIELDS})
        self.root.find("HISTORY_RECORDS").append(node)
        return History(node)

    # -- SQL columns and the reduced document ------------------------------------------------
    def columns(self) -> dict[str, object]:
        return {"state": self.get_int("STATE"), "lcm_state": self.get_int("LCM_STATE"), "short_body": self.short_body(),
                "resched": self.get_int("RESCHED")}

    def short_body(self) -> str:
        """The reduced ``<VM>`` of vm_pool.xsd (VirtualMachine::to_xml_short)."""
        # NOTE: written as text, as lxml would serialize the same elements: it runs on
        # every write of a VM, where building and serializing a tree cost ~10x more.
        root = self.root
        top = _texts(root)
        out = ["<VM>"]
        out.extend(_field(tag, top.get(tag, "")) for tag in _VM_SHORT)
        template = root.find("TEMPLATE")
        fields = _texts(template)
        out.append("<TEMPLATE>")
        out.extend(_field(tag, fields.get(tag, "")) for tag in ("CPU", "MEMORY", "VCPU"))
        for disk in template.iterfind("DISK"):
            fields = _texts(disk)
            out.append("<DISK>")
            out.extend(_field(tag, fields.get(tag, "")) for tag in _DISK_SHORT)
            out.append("</DISK>")
        for nic in template.iterfind("NIC"):
            fields = _texts(nic)
            out.append("<NIC>")
            out.extend(_field(tag, text) for tag in _NIC_SHORT_OPTIONAL if (text := fields.get(tag)))
            out.extend(_field(tag, fields.get(tag, "")) for tag in _NIC_SHORT)
            out.append("</NIC>")
        graphics = template.find("GRAPHICS")
        if graphics is not None:
            out.append(xml.tostring(_copy(graphics)))
        out.append("</TEMPLATE>")
        fields = _texts(root.find("MONITORING"))
        _group(out, "MONITORING", [_field(tag, fields[tag]) for tag in ("CPU", "MEMORY", "STATE") if tag in fields])
        user = root.find("USER_TEMPLATE")
        fields = _texts(user)
        _group(out, "USER_TEMPLATE", [
            *(_field(tag, text) for tag in _USER_SHORT if (text := fields.get(tag))),
            *(xml.tostring(_copy(node)) for tag in ("PUBLIC_CLOUD", "SCHED_ACTION") for node in user.iterfind(tag))])
        last = self.last_history()
        fields = {} if last is None else _texts(last.element)
        _group(out, "HISTORY_RECORDS", [] if last is None else [
            "<HISTORY>", *(_field(tag, fields.get(tag, "")) for tag in _HISTORY_SHORT), "</HISTORY>"])
        out.append("</VM>")
        return "".join(out)


_VM_SHORT = ("ID", "UID", "GID", "UNAME", "GNAME", "NAME", "LAST_POLL", "STATE", "LCM_STATE", "RESCHED", "STIME",
             "ETIME", "DEPLOY_ID")
#: How libxml2 writes text content (xmlEscapeContent): what lxml's serialization gives.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _texts(node: etree._Element) -> dict[str, str]:
    """The text of each child by tag, the first of a tag as ``findtext`` finds it."""
    texts: dict[str, str] = {}
    for child in node:
        texts.setdefault(child.tag, child.text or "")
    return texts


def _field(tag: str, text: str) -> str:
    return f"<{tag}>{text.translate(_ESCAPES)}</{tag}>"


def _group(out: list[str], tag: str, children: list[str]) -> None:
    out.extend((f"<{tag}>", *children, f"</{tag}>") if children else (f"<{tag}/>",))


def _copy(node: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(node))
