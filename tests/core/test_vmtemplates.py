"""VM templates through pyone and raw XML-RPC, and the pure template rules."""

from __future__ import annotations

import time

import pyone
import pytest

from oneedge.pool.vmtemplate import DEFAULT_VM_RESTRICTED_ATTR, find_restricted, restricted_map
from oneedge.template import parse
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, API, INTERNAL, ALLOCATE, LOCKED = (
    0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000)

BASE = 'CPU = 1\nMEMORY = 128\nDISK = [ TYPE = "fs", SIZE = 64 ]\nNIC = [ NETWORK = "edge" ]\n'
RAS = restricted_map(DEFAULT_VM_RESTRICTED_ATTR)


@pytest.fixture(scope="module")
def user(frontend):
    """A non-admin user (group 'users') and its password session."""
    frontend.pyone().user.allocate("tpl-user", "pw", "", [])
    return "tpl-user:pw"


def test_allocate_info_and_pool_validate(frontend):
    raw = frontend.raw()
    tid = raw.ok("one.template.allocate", f'NAME = "small"\n{BASE}LABELS = "edge"')
    doc = validate(raw.ok("one.template.info", tid, False, False), "vmtemplate")
    assert doc.findtext("NAME") == "small" and doc.find("TEMPLATE/NAME") is None
    assert doc.findtext("TEMPLATE/DISK/SIZE") == "64"
    assert doc.findtext("PERMISSIONS/OWNER_U") == "1" and doc.findtext("PERMISSIONS/GROUP_U") == "0"
    pool = validate(raw.ok("one.templatepool.info", -2, -1, -1), "vmtemplate_pool")
    assert tid in [int(t.findtext("ID")) for t in pool]
    # pyone: dict templates arrive as XML.
    one = frontend.pyone()
    tid2 = one.template.allocate({"TEMPLATE": {"NAME": "from-dict", "CPU": "0.5", "MEMORY": "64"}})
    assert one.template.info(tid2).TEMPLATE["MEMORY"] == "64"


def test_allocate_errors_change_nothing(frontend, user):
    raw = frontend.raw()
    before = raw.ok("one.templatepool.info", -2, -1, -1)
    raw.fails("one.template.allocate", 'NAME = "broken"\nDISK = [ SIZE = ', code=INTERNAL)
    raw.ok("one.template.allocate", f'NAME = "dup"\n{BASE}')
    assert "NAME is already taken by TEMPLATE" in raw.fails("one.template.allocate", f'NAME = "dup"\n{BASE}',
                                                             code=INTERNAL)
    raw.fails("one.template.allocate", BASE, code=INTERNAL)  # no NAME
    message = frontend.raw(user).fails("one.template.allocate", f'NAME = "r"\n{BASE}DEPLOY_ID = "x"',
                                       code=AUTHORIZATION)
    assert "restricted attribute DEPLOY_ID" in message
    frontend.raw(user).fails("one.template.allocate", 'NAME = "r"\nNIC = [ NETWORK = "a", MAC = "02:00:00:00:00:01" ]',
                             code=AUTHORIZATION)
    after = raw.ok("one.templatepool.info", -2, -1, -1)
    assert len(validate(after, "vmtemplate_pool")) == len(validate(before, "vmtemplate_pool")) + 1


def test_update_rename_chmod_chown_lock(frontend, user):
    one = frontend.pyone()
    raw = frontend.raw()
    tid = one.template.allocate(f'NAME = "upd"\n{BASE}')
    one.template.update(tid, 'CPU = 2\nMEMORY = 256', 1)
    tmpl = one.template.info(tid).TEMPLATE
    assert (tmpl["CPU"], tmpl["MEMORY"], tmpl["DISK"]["SIZE"]) == ("2", "256", "64")
    one.template.update(tid, 'CPU = 4\nMEMORY = 512', 0)
    assert "DISK" not in one.template.info(tid).TEMPLATE
    raw.fails("one.template.update", tid, "X = [", 0, code=INTERNAL)
    raw.fails("one.template.update", tid, "X = 1", 7, code=API)
    one.template.rename(tid, "renamed")
    assert one.template.info(tid).NAME == "renamed"
    raw.fails("one.template.rename", tid, "", code=ACTION)
    one.template.chmod(tid, -1, -1, -1, 1, -1, -1, 1, -1, -1)
    assert validate(raw.ok("one.template.info", tid, False, False), "vmtemplate").findtext("PERMISSIONS/OTHER_U") == "1"
    uid = frontend.pyone(user).user.info(-1).ID
    one.template.chown(tid, uid, 1)
    info = one.template.info(tid)
    assert (info.UID, info.UNAME, info.GID, info.GNAME) == (uid, "tpl-user", 1, "users")
    # The owner may not put a restricted attribute in, nor change one an admin set.
    one.template.update(tid, 'CPU = 1\nMEMORY = 64\nCPU_COST = 3', 0)
    mine = frontend.raw(user)
    assert "restricted attribute: CPU_COST" in mine.fails("one.template.update", tid, "CPU_COST = 9", 1, code=INTERNAL)
    mine.ok("one.template.update", tid, "CPU = 1\nMEMORY = 32", 0)
    assert one.template.info(tid).TEMPLATE["CPU_COST"] == "3"  # kept by the replace
    one.template.lock(tid, 1, False)
    assert validate(raw.ok("one.template.info", tid, False, False), "vmtemplate").findtext("LOCK/LOCKED") == "1"
    raw.fails("one.template.instantiate", tid, "", False, "", False, code=LOCKED)
    one.template.unlock(tid)
    raw.ok("one.template.instantiate", tid, "", False, "", False)


def test_clone_and_delete(frontend, user):
    one = frontend.pyone()
    raw = frontend.raw()
    tid = one.template.allocate(f'NAME = "orig"\n{BASE}')
    copy = one.template.clone(tid, "orig-copy", False)
    assert one.template.info(copy).TEMPLATE["DISK"]["SIZE"] == "64"
    # Volatile disks only: a recursive clone has no image to copy.
    assert one.template.clone(tid, "orig-rec", True) > copy
    raw.fails("one.template.clone", tid, "orig-copy", False, code=INTERNAL)
    raw.fails("one.template.clone", 9999, "x", False, code=NO_EXISTS)
    frontend.raw(user).fails("one.template.clone", tid, "stolen", False, code=AUTHORIZATION)
    frontend.raw(user).fails("one.template.delete", tid, False, code=AUTHORIZATION)
    one.template.delete(copy, False)
    with pytest.raises(pyone.OneNoExistsException):
        one.template.info(copy)
    raw.fails("one.template.delete", copy, False, code=NO_EXISTS)


def test_instantiate(frontend, user):
    one = frontend.pyone()
    raw = frontend.raw()
    tid = one.template.allocate(f'NAME = "web"\n{BASE}')
    vid = one.template.instantiate(tid, "", False, 'MEMORY = 512\nROLE = "front"', False)
    vm = validate(raw.ok("one.vm.info", vid, False), "vm")
    assert vm.findtext("NAME") == f"web-{vid}"
    assert (vm.findtext("STATE"), vm.findtext("LCM_STATE")) == ("1", "0")
    assert vm.findtext("TEMPLATE/MEMORY") == "512" and vm.findtext("TEMPLATE/TEMPLATE_ID") == str(tid)
    assert vm.findtext("USER_TEMPLATE/ROLE") == "front" and vm.find("USER_TEMPLATE/TEMPLATE_NAME") is None
    held = one.template.instantiate(tid, "named", True, "", False)
    vm = one.vm.info(held)
    assert (vm.NAME, vm.STATE, vm.TEMPLATE["SUBMIT_ON_HOLD"]) == ("named", 2, "YES")
    # persistent: a private copy of the template, which the VM comes from.
    pid = one.template.instantiate(tid, "pers", False, 'ROLE = "db"', True)
    vm = one.vm.info(pid)
    clone_id = int(vm.TEMPLATE["TEMPLATE_ID"])
    assert clone_id != tid and vm.TEMPLATE["CLONING_TEMPLATE_ID"] == str(tid)
    assert one.template.info(clone_id).TEMPLATE["ROLE"] == "db"
    # Errors: unknown template, broken extra template, bad MEMORY, restricted, not allowed.
    count = len(validate(raw.ok("one.vmpool.info", -2, -1, -1, -2), "vm_pool"))
    raw.fails("one.template.instantiate", 9999, "", False, "", False, code=NO_EXISTS)
    raw.fails("one.template.instantiate", tid, "", False, "A = [", False, code=INTERNAL)
    message = raw.fails("one.template.instantiate", tid, "", False, "MEMORY = -1", False, code=ALLOCATE)
    assert "Error allocating a new virtual machine. MEMORY attribute must be a positive integer" in message
    one.template.chmod(tid, -1, -1, -1, -1, -1, -1, 1, -1, -1)
    mine = frontend.raw(user)
    assert "restricted attribute" in mine.fails("one.template.instantiate", tid, "", False, "EMULATOR = x", False,
                                                code=AUTHORIZATION)
    private = one.template.allocate(f'NAME = "private"\n{BASE}')
    mine.fails("one.template.instantiate", private, "", False, "", False, code=AUTHORIZATION)
    assert len(validate(raw.ok("one.vmpool.info", -2, -1, -1, -2), "vm_pool")) == count
    own = mine.ok("one.template.instantiate", tid, "", False, "", False)
    assert frontend.pyone(user).vm.info(own).UNAME == "tpl-user"


def _ready_image(one, name):
    image = one.image.allocate(f'NAME = "{name}"\nTYPE = "DATABLOCK"\nSIZE = 1', 1, False)
    _wait_ready(one, image)
    return image


def _wait_ready(one, image):
    deadline = time.monotonic() + 10
    while one.image.info(image).STATE != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert one.image.info(image).STATE == 1


def test_recursive_clone_and_delete_with_images(frontend, user):
    one = frontend.pyone()
    raw = frontend.raw()
    image = _ready_image(one, "tpl-disk")
    tid = one.template.allocate(f'NAME = "with-image"\nCPU = 1\nMEMORY = 64\nDISK = [ IMAGE = "tpl-disk" ]')
    extended = validate(raw.ok("one.template.info", tid, True, False), "vmtemplate")
    assert (extended.findtext("TEMPLATE/DISK/IMAGE_ID"), extended.findtext("TEMPLATE/DISK/SIZE")) == (str(image), "1")
    assert validate(raw.ok("one.template.info", tid, False, False), "vmtemplate").find("TEMPLATE/DISK/SIZE") is None
    copy = one.template.clone(tid, "with-image-copy", True)
    new_image = int(one.template.info(copy).TEMPLATE["DISK"]["IMAGE_ID"])
    assert new_image != image and one.image.info(new_image).NAME == "with-image-copy-disk-0"
    _wait_ready(one, image)
    _wait_ready(one, new_image)
    # An image in use cannot go: the recursive delete is refused as a whole.
    vid = one.vm.allocate(f'CPU = 1\nMEMORY = 64\nDISK = [ IMAGE_ID = {new_image} ]', False)
    assert one.vm.info(vid).TEMPLATE["DISK"]["IMAGE_ID"] == str(new_image)
    raw.fails("one.template.delete", copy, True, code=ACTION)
    assert one.template.info(copy).ID == copy
    frontend.raw(user).fails("one.template.delete", tid, True, code=AUTHORIZATION)
    one.template.delete(tid, True)
    with pytest.raises(pyone.OneNoExistsException):
        one.image.info(image)
    validate(raw.ok("one.templatepool.info", -2, -1, -1), "vmtemplate_pool")


def test_vrouter_templates_are_not_instantiated(frontend):
    raw = frontend.raw()
    tid = raw.ok("one.template.allocate", f'NAME = "vr"\nVROUTER = "YES"\n{BASE}')
    assert "Virtual router" in raw.fails("one.template.instantiate", tid, "", False, "", False, code=ACTION)


# -- pure rules ------------------------------------------------------------------------------
def test_find_restricted_without_base():
    assert find_restricted(parse('NIC = [ NETWORK = "a", MAC = "m" ]'), RAS) == "MAC"
    assert find_restricted(parse('DEPLOY_ID = "x"'), RAS) == "DEPLOY_ID"
    assert find_restricted(parse('PCI = [ VENDOR = "1" ]'), RAS) == "PCI"
    assert find_restricted(parse('NIC = [ NETWORK = "a" ]\nCPU = 1'), RAS) is None


def test_find_restricted_against_a_base():
    base = parse('NIC = [ NETWORK = "a", MAC = "m" ]\nCPU_COST = 1')
    assert find_restricted(parse('NIC = [ NETWORK = "b", MAC = "m" ]\nCPU_COST = 1'), RAS, base) is None
    assert find_restricted(parse('NIC = [ NETWORK = "b", MAC = "n" ]'), RAS, base) == "NIC"
    # A replace that drops a restricted vector changes it; a merge (append) does not.
    assert find_restricted(parse('CPU = 1'), RAS, base) == "NIC"
    new = parse('NIC = [ NETWORK = "a", MAC = "m" ]')
    assert find_restricted(new, RAS, base) is None and new.get("CPU_COST") == "1"
    assert find_restricted(parse('CPU_COST = 2'), RAS, base, append=True) == "CPU_COST"
