"""Disk resize, save-as and disk snapshots through pyone against a real ``oneedge up``,
with the dummy drivers: every state they pass through, driver failures rolled back with
the message in the VM's ERROR, refusals that change nothing, and vm.xsd-valid documents."""

from __future__ import annotations

import time

import pyone
import pytest

from oneedge.pool.vm import LcmState as L
from oneedge.pool.vm import VmState as S
from support.xsd import validate

ACTION = 0x800
RUNNING, POWEROFF = (S.ACTIVE, L.RUNNING), (S.POWEROFF, L.LCM_INIT)
SUSPENDED, UNDEPLOYED, STOPPED = (S.SUSPENDED, L.LCM_INIT), (S.UNDEPLOYED, L.LCM_INIT), (S.STOPPED, L.LCM_INIT)


def state(one, vid):
    vm = one.vm.info(vid)
    return S(vm.STATE), L(vm.LCM_STATE)


def wait(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def wait_state(one, vid, expected):
    wait(lambda: state(one, vid) == expected, f"VM {vid} is {state(one, vid)}, expected {expected}")


@pytest.fixture(scope="module")
def setup(frontend):
    one = frontend.pyone()
    host = one.host.allocate("disks0", "dummy", "dummy", -1)
    wait(lambda: one.host.info(host).STATE == 2, "host monitored")
    image = one.image.allocate('NAME = "disk-base"\nTYPE = "DATABLOCK"\nSIZE = "8"', 1)
    wait(lambda: one.image.info(image).STATE == 1, "image READY")
    return one, host, image


def vm_in(one, host, image, where=RUNNING, extra=""):
    vid = one.vm.allocate(f'NAME = "disks"\nCPU = 0.1\nMEMORY = 32\nDISK = [ IMAGE_ID = "{image}" ]\n{extra}',
                          False)
    one.vm.deploy(vid, host, False, -1)
    wait_state(one, vid, RUNNING)
    action = {POWEROFF: "poweroff", SUSPENDED: "suspend", UNDEPLOYED: "undeploy", STOPPED: "stop"}.get(where)
    if action:
        one.vm.action(action, vid)
        wait_state(one, vid, where)
    return vid


def disk(frontend, vid):
    return validate(frontend.raw().ok("one.vm.info", vid, False), "vm").find("TEMPLATE/DISK")


@pytest.mark.parametrize("where", [RUNNING, POWEROFF, UNDEPLOYED], ids=["running", "poweroff", "undeployed"])
def test_disk_resize_grows_the_disk(setup, frontend, where):
    one, host, image = setup
    vid = vm_in(one, host, image, where)
    assert one.vm.diskresize(vid, 0, "20") == vid
    wait_state(one, vid, where)
    node = disk(frontend, vid)
    assert node.findtext("SIZE") == "20" and node.find("RESIZE") is None and node.find("SIZE_PREV") is None
    history = one.vm.info(vid).HISTORY_RECORDS.HISTORY
    assert (history[-1] if isinstance(history, list) else history).ACTION in (29, 5)


def test_disk_resize_failure_and_refusals(setup, frontend):
    one, host, image = setup
    vid = vm_in(one, host, image, extra='DUMMY_FAIL = "resize_disk"\nDUMMY_MESSAGE = "no room"')
    raw = frontend.raw()
    before = raw.ok("one.vm.info", vid, False)
    assert "New disk size has to be greater" in raw.fails("one.vm.diskresize", vid, 0, "8", code=ACTION)
    assert "VM disk does not exist" in raw.fails("one.vm.diskresize", vid, 7, "100", code=ACTION)
    assert "not a valid integer" in raw.fails("one.vm.diskresize", vid, 0, "big", code=ACTION)
    assert raw.ok("one.vm.info", vid, False) == before
    one.vm.diskresize(vid, 0, "30")
    wait(lambda: "no room" in (one.vm.info(vid).USER_TEMPLATE.get("ERROR") or ""), "resize failed")
    assert state(one, vid) == RUNNING and disk(frontend, vid).findtext("SIZE") == "8"
    one.vm.action("suspend", vid)
    wait_state(one, vid, SUSPENDED)
    before = raw.ok("one.vm.info", vid, False)
    message = raw.fails("one.vm.diskresize", vid, 0, "40", code=ACTION)
    assert message.endswith(f"Could not resize disk for VM {vid}, wrong state SUSPENDED.")
    assert raw.ok("one.vm.info", vid, False) == before


@pytest.mark.parametrize("tm_mad, grown", [("shared", 12), ("ssh", 4)])
def test_persistent_image_grows_with_a_linked_disk(setup, frontend, tm_mad, grown):
    """Only a disk that is the image itself (LN_TARGET NONE) makes the image grow (disk_resize_success)."""
    one, host, _ = setup
    ds = one.datastore.allocate(f'NAME = "pers-{tm_mad}"\nDS_MAD = "fs"\nTM_MAD = "{tm_mad}"', -1)
    image = one.image.allocate(f'NAME = "pers-{tm_mad}"\nTYPE = "DATABLOCK"\nSIZE = "4"\nPERSISTENT = "YES"', ds)
    wait(lambda: one.image.info(image).STATE == 1, "image READY")
    vid = vm_in(one, host, image, POWEROFF)
    one.vm.diskresize(vid, 0, "12")
    wait_state(one, vid, POWEROFF)
    assert one.image.info(image).SIZE == grown


@pytest.mark.parametrize("where", [RUNNING, POWEROFF, SUSPENDED, UNDEPLOYED, STOPPED],
                         ids=["running", "poweroff", "suspended", "undeployed", "stopped"])
def test_disk_saveas_makes_a_ready_image(setup, frontend, where):
    one, host, image = setup
    vid = vm_in(one, host, image, where)
    new = one.vm.disksaveas(vid, 0, f"saved-{vid}", "", -1)
    wait_state(one, vid, where)
    wait(lambda: one.image.info(new).STATE == 1, "saved image READY")
    saved = validate(frontend.raw().ok("one.image.info", new, False), "image")
    assert saved.findtext("TEMPLATE/SAVED_VM_ID") == str(vid) and saved.findtext("TYPE") == "2"
    assert saved.findtext("DATASTORE_ID") == "1" and saved.findtext("SIZE") == "8"
    assert disk(frontend, vid).find("HOTPLUG_SAVE_AS_ACTIVE") is None


def test_disk_saveas_failure_puts_the_image_in_error(setup, frontend):
    one, host, image = setup
    vid = vm_in(one, host, image, POWEROFF, 'DUMMY_FAIL = "cpds"\nDUMMY_MESSAGE = "copy broke"')
    new = one.vm.disksaveas(vid, 0, f"broken-{vid}", "OS", -1)
    wait(lambda: one.image.info(new).STATE == 5, "saved image in ERROR")
    assert "copy broke" in one.image.info(new).TEMPLATE["ERROR"]
    assert state(one, vid) == POWEROFF and "copy broke" in one.vm.info(vid).USER_TEMPLATE["ERROR"]
    raw = frontend.raw()
    assert "DISK does not exist" in raw.fails("one.vm.disksaveas", vid, 4, "x", "", -1, code=ACTION)
    assert "Snapshot does not exist" in raw.fails("one.vm.disksaveas", vid, 0, "x", "", 3, code=ACTION)
    one.vm.action("resume", vid)
    wait_state(one, vid, RUNNING)
    pending = one.vm.allocate(f'NAME = "p"\nCPU = 0.1\nMEMORY = 32\nDISK = [ IMAGE_ID = "{image}" ]', True)
    before = raw.ok("one.vm.info", pending, False)
    assert "wrong state HOLD" in raw.fails("one.vm.disksaveas", pending, 0, "x", "", -1, code=ACTION)
    assert raw.ok("one.vm.info", pending, False) == before
    assert "x" not in [i.NAME for i in one.imagepool.info(-2, -1, -1).IMAGE]


def snapshots(frontend, vid):
    return validate(frontend.raw().ok("one.vm.info", vid, False), "vm").find("SNAPSHOTS")


@pytest.mark.parametrize("where", [RUNNING, POWEROFF, SUSPENDED], ids=["running", "poweroff", "suspended"])
def test_disk_snapshots_create_and_delete(setup, frontend, where):
    one, host, image = setup
    vid = vm_in(one, host, image, where)
    assert one.vm.disksnapshotcreate(vid, 0, "first") == 0
    wait_state(one, vid, where)
    assert one.vm.disksnapshotcreate(vid, 0, "second") == 1
    wait_state(one, vid, where)
    group = snapshots(frontend, vid)
    assert group.findtext("DISK_ID") == "0" and group.findtext("NEXT_SNAPSHOT") == "2"
    first, second = group.findall("SNAPSHOT")
    assert first.findtext("CHILDREN") == "1" and second.findtext("PARENT") == "0"
    assert second.findtext("ACTIVE") == "YES" and first.find("ACTIVE") is None
    assert one.vm.disksnapshotrename(vid, 0, 1, "renamed") == vid
    assert snapshots(frontend, vid).findall("SNAPSHOT")[1].findtext("NAME") == "renamed"
    raw = frontend.raw()
    assert "Snapshot does not exist" in raw.fails("one.vm.disksnapshotdelete", vid, 0, 9, code=ACTION)
    one.vm.disksnapshotdelete(vid, 0, 0)
    wait_state(one, vid, where)
    (only,) = snapshots(frontend, vid).findall("SNAPSHOT")
    assert only.findtext("ID") == "1" and only.findtext("PARENT") == "-1" and only.findtext("ACTIVE") == "YES"
    one.vm.disksnapshotdelete(vid, 0, 1)
    wait_state(one, vid, where)
    assert snapshots(frontend, vid) is None


def test_disk_snapshot_revert_only_powered_off(setup, frontend):
    one, host, image = setup
    vid = vm_in(one, host, image, POWEROFF)
    one.vm.disksnapshotcreate(vid, 0, "base")
    wait_state(one, vid, POWEROFF)
    one.vm.diskresize(vid, 0, "16")
    wait_state(one, vid, POWEROFF)
    one.vm.disksnapshotcreate(vid, 0, "big")
    wait_state(one, vid, POWEROFF)
    assert one.vm.disksnapshotrevert(vid, 0, 0) == vid
    wait_state(one, vid, POWEROFF)
    first = snapshots(frontend, vid).findall("SNAPSHOT")[0]
    assert first.findtext("ACTIVE") == "YES" and disk(frontend, vid).findtext("SIZE") == "8"
    raw = frontend.raw()
    assert "is not valid" in raw.fails("one.vm.disksnapshotrevert", vid, 0, 5, code=ACTION)
    one.vm.action("resume", vid)
    wait_state(one, vid, RUNNING)
    before = raw.ok("one.vm.info", vid, False)
    message = raw.fails("one.vm.disksnapshotrevert", vid, 0, 1, code=ACTION)
    assert message.endswith(f"Could not revert to disk snapshot for VM {vid}, wrong state RUNNING.")
    assert raw.ok("one.vm.info", vid, False) == before


def test_disk_snapshot_failures_roll_back(setup, frontend):
    one, host, image = setup
    vid = vm_in(one, host, image, extra='DUMMY_FAIL = "disk_snapshot_create"\nDUMMY_MESSAGE = "no live"')
    one.vm.disksnapshotcreate(vid, 0, "live")
    wait(lambda: "no live" in (one.vm.info(vid).USER_TEMPLATE.get("ERROR") or ""), "snapshot failed")
    assert state(one, vid) == RUNNING and snapshots(frontend, vid) is None
    assert disk(frontend, vid).find("DISK_SNAPSHOT_ACTIVE") is None
    raw = frontend.raw()
    assert "volatile" in raw.fails("one.vm.disksnapshotcreate", vm_volatile(one, host), 0, "v", code=ACTION)
    with pytest.raises(pyone.OneActionException):
        one.vm.disksnapshotdelete(vid, 0, 0)


def vm_volatile(one, host):
    vid = one.vm.allocate('NAME = "vol"\nCPU = 0.1\nMEMORY = 32\nDISK = [ TYPE = "fs", SIZE = "4" ]', False)
    one.vm.deploy(vid, host, False, -1)
    wait_state(one, vid, RUNNING)
    return vid
