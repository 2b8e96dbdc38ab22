"""VM records through pyone and raw XML-RPC, and the VM document class."""

from __future__ import annotations

import re
import time

import pyone
import pytest
from lxml import etree

from oneedge.pool import xml
from oneedge.pool.permissions import Permissions
from oneedge.pool.vm import HistoryAction, LcmState, VirtualMachine, VmState
from oneedge.pool.vmtemplate import InvalidTemplate, split_template
from oneedge.template import parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, API, INTERNAL, LOCKED = 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x8000

VM = 'NAME = "{name}"\nCPU = 0.5\nVCPU = 2\nMEMORY = 256\nDISK = [ TYPE = "swap", SIZE = 128 ]\n' \
     'DISK = [ TYPE = "fs", SIZE = 1024, FORMAT = "raw" ]\nNIC = [ NETWORK = "edge" ]\nNIC = [ NETWORK_ID = "3" ]\n' \
     'CONTEXT = [ NETWORK = "YES", SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]" ]\nSCHED_REQUIREMENTS = "ID > 0"\n' \
     'LABELS = "prod"\nAPP = "web"\n'


@pytest.fixture(scope="module")
def user(frontend):
    frontend.pyone().user.allocate("vm-user", "pw", "", [])
    return "vm-user:pw"


def vm_pool(raw, *args, method="one.vmpool.info"):
    return validate(raw.ok(method, *args), "vm_pool") if method == "one.vmpool.info" else _extended(raw.ok(method, *args))


def _extended(text):
    pool = etree.fromstring(text.encode())
    assert pool.tag == "VM_POOL"
    for vm in pool:
        validate(etree.tostring(vm, encoding="unicode"), "vm")
    return pool


def test_allocate_splits_template_and_user_template(frontend):
    raw = frontend.raw()
    vid = raw.ok("one.vm.allocate", VM.format(name="web-1"), False)
    vm = validate(raw.ok("one.vm.info", vid, False), "vm")
    assert (vm.findtext("NAME"), vm.findtext("STATE"), vm.findtext("LCM_STATE")) == ("web-1", "1", "0")
    assert [d.findtext("DISK_ID") for d in vm.iterfind("TEMPLATE/DISK")] == ["0", "1"]
    assert [n.findtext("NIC_ID") for n in vm.iterfind("TEMPLATE/NIC")] == ["0", "1"]
    # Substituted at allocation (tests/lcm/test_context_vars.py): oneadmin has no SSH_PUBLIC_KEY.
    assert vm.findtext("TEMPLATE/CONTEXT/SSH_PUBLIC_KEY") == ""
    assert vm.findtext("TEMPLATE/CONTEXT/DISK_ID") == "2"
    assert (vm.findtext("TEMPLATE/VMID"), vm.findtext("TEMPLATE/VCPU"), vm.findtext("TEMPLATE/CPU")) == (str(vid), "2", "0.5")
    assert vm.findtext("TEMPLATE/AUTOMATIC_REQUIREMENTS") == "!(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)"
    assert vm.findtext("TEMPLATE/OS/UUID")
    user_tmpl = {child.tag for child in vm.find("USER_TEMPLATE")}
    assert user_tmpl == {"SCHED_REQUIREMENTS", "LABELS", "APP"}
    pooled = [v for v in vm_pool(raw, -2, vid, vid, -2)]
    assert pooled[0].findtext("USER_TEMPLATE/LABELS") == "prod" and pooled[0].find("USER_TEMPLATE/APP") is None
    vm = frontend.pyone().vm.info(vid)
    assert vm.TEMPLATE["DISK"][1]["SIZE"] == "1024" and vm.USER_TEMPLATE["APP"] == "web"


def test_hold_default_name_and_import(frontend):
    one = frontend.pyone()
    vid = one.vm.allocate('CPU = 1\nMEMORY = 64', True)
    vm = one.vm.info(vid)
    assert (vm.NAME, vm.STATE, vm.TEMPLATE["SUBMIT_ON_HOLD"]) == (f"one-{vid}", VmState.HOLD, "YES")
    imported = one.vm.allocate('CPU = 1\nMEMORY = 64\nDEPLOY_ID = "i-123"', False)
    vm = one.vm.info(imported)
    assert (vm.DEPLOY_ID, vm.STATE, vm.TEMPLATE["IMPORTED"]) == ("i-123", VmState.HOLD, "YES")


@pytest.mark.parametrize("template, message", [
    ('CPU = 1', "MEMORY attribute must be a positive integer value."),
    ('CPU = 1\nMEMORY = 0', "MEMORY attribute must be a positive integer value."),
    ('MEMORY = 64', "CPU attribute must be a positive float or integer value."),
    ('CPU = -1\nMEMORY = 64', "CPU attribute must be a positive float or integer value."),
    ('CPU = 1\nMEMORY = 64\nVCPU = 1.5', "VCPU attribute must be a positive integer value."),
    ('CPU = 1\nMEMORY = 64\nCPU_COST = -1', "CPU_COST attribute must be a positive float or integer value."),
    ('CPU = 1\nMEMORY = 64\nDISK = [ TYPE = "fs" ]', "Volatile DISK 0 needs a positive SIZE"),
    ('CPU = 1\nMEMORY = 64\nDISK = [ SIZE = 1 ]', "DISK 0 needs IMAGE_ID or IMAGE"),
    ('CPU = 1\nMEMORY = 64\nOS = [ ARCH = "x" ]\nOS = [ ARCH = "y" ]', "Only one OS attribute can be defined."),
    ('CPU = 1\nMEMORY = 64\nDEPLOY_ID = "one-12"', "Trying to import an OpenNebula VM"),
    ('CPU = 1\nMEMORY = 64\nGRAPHICS = [ TYPE = "vnc", PORT = "99999" ]', "Wrong PORT number"),
    ('CPU = 1\nMEMORY = [ A = 1 ]', "MEMORY attribute must be a positive integer value."),
    ('CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = 4242 ]', "Image with ID: 4242 does not exist"),
    ('CPU = 1\nMEMORY = [ A = ', "Parse error"),
])
def test_broken_templates_change_nothing(frontend, template, message):
    raw = frontend.raw()
    before = raw.ok("one.vmpool.infoextended", -2, -1, -1, -2)
    result = raw("one.vm.allocate", template, False)
    assert result[0] is False and result[2] in (INTERNAL, ACTION), result
    assert message in result[1]
    assert raw.ok("one.vmpool.infoextended", -2, -1, -1, -2) == before


def test_update_rename_chown_chmod_lock(frontend, user):
    one = frontend.pyone()
    raw = frontend.raw()
    vid = one.vm.allocate(VM.format(name="upd"), False)
    one.vm.update(vid, 'APP = "db"\nOWNER = "ops"', 1)
    tmpl = one.vm.info(vid).USER_TEMPLATE
    assert (tmpl["APP"], tmpl["OWNER"], tmpl["LABELS"]) == ("db", "ops", "prod")
    one.vm.update(vid, 'ONLY = "this"', 0)
    assert dict(one.vm.info(vid).USER_TEMPLATE) == {"ONLY": "this"}
    assert validate(raw.ok("one.vm.info", vid, False), "vm").findtext("TEMPLATE/MEMORY") == "256"
    raw.fails("one.vm.update", vid, "A = [", 0, code=ACTION)
    raw.fails("one.vm.update", vid, "A = 1", 2, code=API)
    raw.fails("one.vm.update", 9999, "A = 1", 0, code=NO_EXISTS)
    one.vm.rename(vid, "upd")  # names need not be unique
    one.vm.rename(vid, "renamed")
    assert validate(raw.ok("one.vmpool.info", -2, vid, vid, -1), "vm_pool")[0].findtext("NAME") == "renamed"
    mine = frontend.raw(user)
    mine.fails("one.vm.info", vid, False, code=AUTHORIZATION)
    mine.fails("one.vm.rename", vid, "x", code=AUTHORIZATION)
    uid = frontend.pyone(user).user.info(-1).ID
    one.vm.chown(vid, uid, 1)
    assert validate(mine.ok("one.vm.info", vid, False), "vm").findtext("UNAME") == "vm-user"
    assert "restricted attribute" in mine.fails("one.vm.update", vid, 'USER_PRIORITY = "9"', 1, code=ACTION)
    before = raw.ok("one.vm.info", vid, False)
    mine.fails("one.vm.chmod", vid, -1, -1, 1, -1, -1, -1, -1, -1, -1, code=AUTHORIZATION)
    assert raw.ok("one.vm.info", vid, False) == before
    mine.ok("one.vm.chmod", vid, -1, -1, -1, 1, -1, -1, -1, -1, -1)
    one.vm.lock(vid, 2, False)
    assert validate(raw.ok("one.vm.info", vid, False), "vm").findtext("LOCK/LOCKED") == "2"
    mine.fails("one.vm.rename", vid, "locked", code=LOCKED)
    one.vm.unlock(vid)
    mine.ok("one.vm.rename", vid, "unlocked")


def test_pool_filters_states_and_pages(frontend, user):
    raw = frontend.raw()
    ids = [raw.ok("one.vm.allocate", VM.format(name=f"p{i}"), i % 2 == 1) for i in range(6)]
    held = [vid for i, vid in enumerate(ids) if i % 2 == 1]
    in_range = [int(v.findtext("ID")) for v in vm_pool(raw, -2, ids[0], ids[-1], int(VmState.HOLD))]
    assert sorted(in_range) == held
    everything = vm_pool(raw, -2, -1, -1, -2)
    assert len(everything) >= 6 and len(vm_pool(raw, -2, -1, -1, -1)) == len(everything)
    page = [int(v.findtext("ID")) for v in vm_pool(raw, -2, 0, -2, -2)]
    assert len(page) == 2  # start 0, end -2: the first two in listing order
    raw.fails("one.vmpool.info", -2, -1, -1, 12, code=API)
    raw.fails("one.vmpool.info", -2, -1, -1, -3, code=API)
    raw.fails("one.vmpool.info", -5, -1, -1, -1, code=API)
    extended = _extended(raw.ok("one.vmpool.infoextended", -2, ids[0], ids[-1], -2))
    assert sorted(int(v.findtext("ID")) for v in extended) == ids
    assert extended[0].find("PERMISSIONS") is not None
    subset = _extended(raw.ok("one.vmpool.infoset", f"{ids[1]},{ids[3]}, 99999", True))
    assert sorted(int(v.findtext("ID")) for v in subset) == [ids[1], ids[3]]
    short = validate(raw.ok("one.vmpool.infoset", f"{ids[2]}", False), "vm_pool")
    assert [v.findtext("ID") for v in short] == [str(ids[2])]
    assert raw.ok("one.vmpool.infoset", "", False) == "<VM_POOL></VM_POOL>"
    raw.fails("one.vmpool.infoset", "1,x", False, code=API)
    # A user sees only its own VMs.
    mine = frontend.raw(user)
    own = mine.ok("one.vm.allocate", 'CPU = 1\nMEMORY = 32', False)
    visible = vm_pool(mine, -2, -1, -1, -2)
    assert own in [int(v.findtext("ID")) for v in visible] and {v.findtext("UNAME") for v in visible} == {"vm-user"}
    assert len(vm_pool(mine, -3, -1, -1, -2)) == len(visible) < len(everything)
    assert "restricted attribute MAC" in mine.fails(
        "one.vm.allocate", 'CPU = 1\nMEMORY = 32\nNIC = [ NETWORK = "a", MAC = "x" ]', False, code=AUTHORIZATION)


def test_image_disks_are_acquired(frontend):
    one = frontend.pyone()
    raw = frontend.raw()
    image = one.image.allocate('NAME = "vm-disk"\nTYPE = "DATABLOCK"\nSIZE = 1', 1, False)
    deadline = time.monotonic() + 10
    while one.image.info(image).STATE != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert one.image.info(image).STATE == 1
    vid = raw.ok("one.vm.allocate", f'CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = {image} ]\n'
                                    'DISK = [ IMAGE = "vm-disk", IMAGE_UNAME = "oneadmin" ]', False)
    vm = validate(raw.ok("one.vm.info", vid, False), "vm")
    disks = vm.findall("TEMPLATE/DISK")
    assert [d.findtext("IMAGE_ID") for d in disks] == [str(image)] * 2
    assert [d.findtext("DISK_ID") for d in disks] == ["0", "1"]
    used = validate(raw.ok("one.image.info", image, False), "image")
    assert [i.text for i in used.iterfind("VMS/ID")] == [str(vid)] and used.findtext("STATE") == "2"
    assert "CLUSTER_ID = 0" in vm.findtext("TEMPLATE/AUTOMATIC_REQUIREMENTS")
    before = raw.ok("one.image.info", image, False)
    raw.fails("one.vm.allocate", f'CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = {image} ]\nDISK = [ IMAGE = "nope" ]',
              False, code=ACTION)
    assert raw.ok("one.image.info", image, False) == before


# -- the document class ---------------------------------------------------------------------
def _doc() -> VirtualMachine:
    parts = split_template(parse(VM.format(name="doc")), 7, False)
    vm = VirtualMachine.new(0, 0, "oneadmin", "oneadmin", parts.name, Permissions(), VmState.PENDING,
                            parts.template, parts.user_template, 100)
    vm.oid = 7
    return vm


def test_states_and_history():
    vm = _doc()
    assert (vm.state, vm.lcm_state, vm.template.get("VMID")) == (VmState.PENDING, LcmState.LCM_INIT, "7")
    vm.set_state(VmState.ACTIVE, LcmState.PROLOG)
    assert (vm.state, vm.lcm_state, vm.prev_state) == (VmState.ACTIVE, LcmState.PROLOG,
                                                       (VmState.PENDING, LcmState.LCM_INIT))
    first = vm.add_history(HOSTNAME="edge-1", HID=3, CID=0, STIME=200, VM_MAD="kvm", TM_MAD="ssh", DS_ID=0)
    first.set("ACTION", int(HistoryAction.MIGRATE))
    second = vm.add_history(HOSTNAME="edge-2", HID=4, STIME=300)
    assert [h.seq for h in vm.histories()] == [0, 1] and vm.last_history().get("HOSTNAME") == "edge-2"
    assert second.get_int("OID") == 7
    vm.deploy_id, vm.last_poll = "one-7", 400
    vm.disks()[0].find("SIZE").text = "256"
    document = validate(vm.body(), "vm")
    assert document.findtext("HISTORY_RECORDS/HISTORY/ACTION") == "1"
    short = validate(f"<VM_POOL>{vm.short_body()}</VM_POOL>", "vm_pool")
    assert short.findtext("VM/HISTORY_RECORDS/HISTORY/HOSTNAME") == "edge-2"
    assert short.findtext("VM/TEMPLATE/DISK/SIZE") == "256"
    assert vm.columns()["state"] == 3 and vm.columns()["lcm_state"] == 1
    with pytest.raises(KeyError):
        vm.add_history(BOGUS=1)


def test_short_body_is_what_lxml_writes():
    # short_body writes text itself: escapes and empty elements must be lxml's own.
    vm = _doc()
    odd = 'a&b<c>d\r"e\'f ]]> é'
    vm.name = odd
    vm.deploy_id = ""
    user = vm.user_template
    user.set("SCHED_MESSAGE", odd)
    vm.user_template = user
    vm.add_history(HOSTNAME=odd, HID=3)
    short = vm.short_body()
    root = etree.fromstring(short)
    # lxml writes an element given "" as <X></X>, one read back without text as <X/>.
    assert etree.tostring(root, encoding="unicode") == re.sub(r"<(\w+)></\1>", r"<\1/>", short)
    assert etree.tostring(xml.sub(etree.Element("VM"), "NAME", odd), encoding="unicode") in short
    assert root.findtext("NAME") == root.findtext("USER_TEMPLATE/SCHED_MESSAGE") == odd
    assert root.findtext("HISTORY_RECORDS/HISTORY/HOSTNAME") == odd and "<MONITORING/>" in short


def test_split_template_is_pure():
    source = parse(VM.format(name="pure"))
    split_template(source, 1, True)
    assert source.get("NAME") == "pure" and source.vectors("DISK")[0].get("DISK_ID") is None
    with pytest.raises(InvalidTemplate):
        split_template(parse("CPU = 1"), 1, False)


def test_state_numbers_are_opennebulas():
    assert (VmState.DONE, VmState.POWEROFF, VmState.CLONING_FAILURE) == (6, 8, 11)
    assert (LcmState.CLEANUP_RESUBMIT, LcmState.HOTPLUG_SAVEAS_STOPPED, LcmState.RESTORE) == (15, 68, 71)
    assert 7 not in VmState._value2member_map_ and 13 not in LcmState._value2member_map_
    with pytest.raises(ValueError):
        VmState(7)
