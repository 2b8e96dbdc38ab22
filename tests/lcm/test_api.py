"""Every lifecycle verb through pyone against a real ``oneedge up``, refusals included,
and the ZeroMQ event stream seeing each state change in order."""

from __future__ import annotations

import base64
import time

import pyone
import pytest
import zmq

from oneedge.pool.vm import LcmState as L
from oneedge.pool.vm import VmState as S
from support.xsd import validate

ACTION = 0x800
VM = 'NAME = "api"\nCPU = 0.5\nMEMORY = 128\nDISK = [ TYPE = "fs", SIZE = "10" ]'


@pytest.fixture(scope="module")
def setup(frontend):
    one = frontend.pyone()
    hosts = [one.host.allocate(f"api{i}", "dummy", "dummy", -1) for i in range(2)]
    deadline = time.monotonic() + 10
    while any(one.host.info(h).STATE != 2 for h in hosts):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    net = one.vn.allocate('NAME = "apinet"\nVN_MAD = "dummy"\nBRIDGE = "br1"\n'
                          'AR = [ TYPE = "IP4", IP = "10.2.0.1", SIZE = "20" ]', -1)
    return one, hosts, net


def as_list(value):
    """pyone gives one vector as a dict or a one-element list, depending on the attribute."""
    return value if isinstance(value, list) else [value]


def state(one, vid):
    vm = one.vm.info(vid)
    return S(vm.STATE), L(vm.LCM_STATE)


def wait(one, vid, expected, timeout=10.0):
    deadline = time.monotonic() + timeout
    while state(one, vid) != expected:
        assert time.monotonic() < deadline, f"VM {vid} is {state(one, vid)}, expected {expected}"
        time.sleep(0.01)


RUNNING, POWEROFF = (S.ACTIVE, L.RUNNING), (S.POWEROFF, L.LCM_INIT)


def running_vm(one, host, extra=""):
    vid = one.vm.allocate(VM + extra, False)
    one.vm.deploy(vid, host, False, -1)
    wait(one, vid, RUNNING)
    return vid


def test_deploy_and_every_action(setup, frontend):
    one, (h0, h1), net = setup
    vid = one.vm.allocate(VM + f'\nNIC = [ NETWORK_ID = "{net}" ]', True)
    assert state(one, vid) == (S.HOLD, L.LCM_INIT)
    one.vm.action("release", vid)
    one.vm.action("hold", vid)
    one.vm.action("release", vid)
    one.vm.deploy(vid, h0, False, -1)
    wait(one, vid, RUNNING)
    vm = validate(frontend.raw().ok("one.vm.info", vid, False), "vm")
    assert vm.findtext("TEMPLATE/NIC/IP") == "10.2.0.1" and vm.findtext("DEPLOY_ID") == f"one-{vid}"
    for action, expected in (("reboot", RUNNING), ("reboot-hard", RUNNING), ("poweroff", POWEROFF),
                             ("resume", RUNNING), ("poweroff-hard", POWEROFF), ("resume", RUNNING),
                             ("suspend", (S.SUSPENDED, L.LCM_INIT)), ("resume", RUNNING),
                             ("stop", (S.STOPPED, L.LCM_INIT)), ("resume", (S.PENDING, L.LCM_INIT))):
        one.vm.action(action, vid)
        wait(one, vid, expected)
    one.vm.deploy(vid, h1, False, -1)
    wait(one, vid, RUNNING)
    one.vm.action("undeploy", vid)
    wait(one, vid, (S.UNDEPLOYED, L.LCM_INIT))
    one.vm.action("resume", vid)
    wait(one, vid, (S.PENDING, L.LCM_INIT))
    one.vm.deploy(vid, h0, False, -1)
    wait(one, vid, RUNNING)
    assert one.vm.info(vid).TEMPLATE["NIC"]["IP"] == "10.2.0.1"
    one.vm.action("resched", vid)
    assert one.vm.info(vid).RESCHED == 1
    one.vm.action("unresched", vid)
    one.vm.migrate(vid, h1, False, False, -1, 0)
    wait(one, vid, RUNNING)
    one.vm.migrate(vid, h0, True, False, -1, 0)
    wait(one, vid, RUNNING)
    history = one.vm.info(vid).HISTORY_RECORDS.HISTORY
    assert [h.HID for h in history][-3:] == [h0, h1, h0]
    one.vm.action("terminate-hard", vid)
    wait(one, vid, (S.DONE, L.LCM_INIT))
    assert "<USED_LEASES>0</USED_LEASES>" in frontend.raw().ok("one.vn.info", net, False)
    for host in (h0, h1):
        assert one.host.info(host).HOST_SHARE.RUNNING_VMS == 0


@pytest.mark.parametrize("action", ["terminate", "terminate-hard", "undeploy", "undeploy-hard", "poweroff",
                                    "poweroff-hard", "reboot", "reboot-hard", "hold", "release", "stop",
                                    "suspend", "resume", "resched", "unresched"])
def test_refused_actions_change_nothing(setup, frontend, action):
    one, (h0, _), _ = setup
    raw = frontend.raw()
    allowed_in_pending = {"terminate", "terminate-hard", "hold"}
    vid = one.vm.allocate(VM, False)
    before = raw.ok("one.vm.info", vid, False)
    if action not in allowed_in_pending:
        message = raw.fails("one.vm.action", action, vid, code=ACTION)
        assert message.startswith(f'[one.vm.action] Error performing action "{action}": Could not ')
        assert message.endswith(f"VM {vid}, wrong state PENDING.")
        assert raw.ok("one.vm.info", vid, False) == before
    allowed_in_running = {"terminate", "terminate-hard", "undeploy", "undeploy-hard", "poweroff", "poweroff-hard",
                          "reboot", "reboot-hard", "stop", "suspend", "resched", "unresched"}
    vid = running_vm(one, h0)
    if action not in allowed_in_running:
        before = raw.ok("one.vm.info", vid, False)
        raw.fails("one.vm.action", action, vid, code=ACTION)
        assert raw.ok("one.vm.info", vid, False) == before
    one.vm.action("terminate", vid)


def test_unknown_action_and_wrong_deploys(setup, frontend):
    one, (h0, _), _ = setup
    raw = frontend.raw()
    vid = running_vm(one, h0)
    assert raw.fails("one.vm.action", "explode", vid, code=ACTION).endswith('Action "explode" is not supported')
    assert raw.fails("one.vm.deploy", vid, h0, False, -1, "", code=ACTION).endswith(
        "Deploy action is not available for state RUNNING")
    raw.fails("one.vm.deploy", vid, 999, False, -1, "", code=0x400)
    pending = one.vm.allocate("CPU = 64\nMEMORY = 1024", False)
    message = raw.fails("one.vm.deploy", pending, h0, True, -1, "", code=ACTION)
    assert f"VM [{pending}] does not fit in Host [{h0}]" in message
    raw.fails("one.vm.migrate", vid, h0, False, False, -1, 0, code=ACTION)
    raw.fails("one.vm.recover", pending, 1, code=ACTION)


def test_driver_failure_error_and_recover(setup, frontend):
    one, (h0, _), _ = setup
    vid = one.vm.allocate(VM + '\nDUMMY_FAIL = "deploy"\nDUMMY_MESSAGE = "no hypervisor"', False)
    one.vm.deploy(vid, h0, False, -1)
    wait(one, vid, (S.ACTIVE, L.BOOT_FAILURE))
    assert "deploy: no hypervisor" in one.vm.info(vid).USER_TEMPLATE["ERROR"]
    log = (frontend.home / "vms" / str(vid) / "vm.log").read_text()
    assert "New LCM state is BOOT_FAILURE" in log and "no hypervisor" in log
    one.vm.recover(vid, 2)  # retry: fails again
    wait(one, vid, (S.ACTIVE, L.BOOT_FAILURE))
    one.vm.update(vid, 'DUMMY_FAIL = ""', 1)
    one.vm.recover(vid, 2)
    wait(one, vid, RUNNING)
    one.vm.update(vid, 'DUMMY_FAIL = "epilog"', 1)
    one.vm.action("terminate", vid)
    wait(one, vid, (S.ACTIVE, L.EPILOG_FAILURE))
    one.vm.recover(vid, 1)
    wait(one, vid, (S.DONE, L.LCM_INIT))
    other = one.vm.allocate(VM + '\nDUMMY_FAIL = "prolog"', False)
    one.vm.deploy(other, h0, False, -1)
    wait(one, other, (S.ACTIVE, L.PROLOG_FAILURE))
    one.vm.recover(other, 4)  # delete-recreate
    wait(one, other, (S.PENDING, L.LCM_INIT))
    one.vm.recover(other, 3)
    wait(one, other, (S.DONE, L.LCM_INIT))
    assert other not in as_list(one.host.info(h0).VMS.ID or [])


def test_hotplug_resize_and_snapshots(setup, frontend):
    one, (h0, _), net = setup
    vid = running_vm(one, h0)
    one.vm.attach(vid, 'DISK = [ TYPE = "swap", SIZE = "16" ]')
    wait(one, vid, RUNNING)
    assert len(as_list(one.vm.info(vid).TEMPLATE["DISK"])) == 2
    one.vm.detach(vid, 1)
    wait(one, vid, RUNNING)
    assert len(as_list(one.vm.info(vid).TEMPLATE["DISK"])) == 1
    one.vm.attachnic(vid, f'NIC = [ NETWORK_ID = "{net}" ]')
    wait(one, vid, RUNNING)
    assert as_list(one.vm.info(vid).TEMPLATE["NIC"])[0]["NIC_ID"] == "0"
    one.vm.detachnic(vid, 0)
    wait(one, vid, RUNNING)
    assert "NIC" not in one.vm.info(vid).TEMPLATE
    snap = one.vm.snapshotcreate(vid, "first")
    wait(one, vid, RUNNING)
    (created,) = as_list(one.vm.info(vid).TEMPLATE["SNAPSHOT"])
    assert created["HYPERVISOR_ID"] == f"snap-{snap}" and created["NAME"] == "first"
    one.vm.snapshotrevert(vid, snap)
    wait(one, vid, RUNNING)
    one.vm.snapshotdelete(vid, snap)
    wait(one, vid, RUNNING)
    assert "SNAPSHOT" not in one.vm.info(vid).TEMPLATE
    one.vm.resize(vid, "CPU = 1\nMEMORY = 256", False)
    wait(one, vid, RUNNING)
    assert one.host.info(h0).HOST_SHARE.MEM_USAGE >= 256 * 1024
    one.vm.update(vid, 'DUMMY_FAIL = "resize"', 1)
    one.vm.resize(vid, "CPU = 2\nMEMORY = 512", False)
    wait(one, vid, RUNNING)
    assert one.vm.info(vid).TEMPLATE["MEMORY"] == "256"
    with pytest.raises(pyone.OneActionException):
        one.vm.detach(vid, 7)
    validate(frontend.raw().ok("one.vm.info", vid, False), "vm")
    one.vm.action("terminate", vid)


def test_event_stream_sees_each_change_in_order(setup, frontend):
    one, (h0, _), _ = setup
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.SUBSCRIBE, b"EVENT STATE VM/")
    socket.connect(frontend.events_endpoint)
    try:
        time.sleep(0.3)  # the subscription reaches the XPUB socket
        vid = running_vm(one, h0)
        one.vm.action("poweroff", vid)
        wait(one, vid, POWEROFF)
        seen = []
        while len(seen) < 5 and socket.poll(3000):
            key, payload = socket.recv_multipart()
            if key.decode().endswith(f"/{vid} "):
                seen.append(key.decode().split()[2].rsplit("/", 1)[0])
                assert f"<ID>{vid}</ID>" in base64.b64decode(payload).decode()
        assert seen == ["VM/ACTIVE/PROLOG", "VM/ACTIVE/BOOT", "VM/ACTIVE/RUNNING", "VM/ACTIVE/SHUTDOWN_POWEROFF",
                        "VM/POWEROFF/LCM_INIT"]
    finally:
        socket.close()
