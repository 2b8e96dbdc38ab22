"""Every transition of the state table, walked with the dummy drivers.

For each (state, event) row a fresh VM is put in the row's source state
(forged in the database: hosts, history and capacity as the lifecycle would
have left them), the event is applied — a user action through
``LifeCycleManager.transition``, a driver outcome by running the state's step
with the dummy drivers scripted to succeed, fail or hang — and the test
checks the state events the bus saw for that VM start with the row's
target, in order, and that host capacity still matches the VMs on each host.
"""

from __future__ import annotations

import pytest

from lcm_harness import Harness
from oneedge.lcm import machine
from oneedge.lcm.capacity import capacity
from oneedge.lcm.events import USER_ACTIONS, Event
from oneedge.lcm.table import State
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import HistoryAction, LcmState, VmState

ROWS = sorted(machine.TABLE, key=lambda key: (key[0][0], key[0][1], key[1].value))
NO_HOST = {VmState.INIT, VmState.PENDING, VmState.HOLD, VmState.CLONING, VmState.CLONING_FAILURE, VmState.DONE}
PLACING = {Event.DEPLOY, Event.DEPLOY_RESUME, Event.DEPLOY_UNDEPLOYED, Event.MIGRATE, Event.MIGRATE_POWEROFF,
           Event.MIGRATE_POWEROFF_HARD, Event.LIVE_MIGRATE}
#: Failures checked a second time as a hang the runner's timeout ends.
HANGS = [(s, e) for (s, e) in ROWS if e is Event.FAILURE and s[1] in (
    LcmState.PROLOG, LcmState.BOOT, LcmState.SHUTDOWN, LcmState.EPILOG, LcmState.SAVE_STOP, LcmState.MIGRATE)]


#: ACTIVE states of a VM that left its host: its disks are on the front-end.
OFF_HOST = {LcmState.CLEANUP_DELETE, LcmState.CLEANUP_RESUBMIT, LcmState.DISK_RESIZE_UNDEPLOYED,
            LcmState.HOTPLUG_SAVEAS_UNDEPLOYED, LcmState.HOTPLUG_SAVEAS_STOPPED}


def holds_capacity(state: State) -> bool:
    vm_state, lcm = state
    if vm_state is VmState.ACTIVE:
        return lcm not in OFF_HOST
    return vm_state in (VmState.POWEROFF, VmState.SUSPENDED)


def forge(h: Harness, hosts: list[int], state: State, script: str = "") -> int:
    """A VM in ``state``: previously on hosts[0], now on hosts[1] when the state has a host."""
    vid = h.ok("one.vm.allocate", f'NAME = "walk"\nCPU = 0.5\nMEMORY = 64\n{script}', False)
    pools = h.core.pools
    with h.core.store.write() as conn:
        vm = pools[ObjectType.VM].get(conn, vid)
        if state[0] not in NO_HOST:
            for host_id in hosts[:2]:
                host = pools[ObjectType.HOST].get(conn, host_id)
                vm.add_history(HOSTNAME=host.name, HID=host_id, CID=0, STIME=1, VM_MAD="dummy", TM_MAD="ssh", DS_ID=0)
            if holds_capacity(state):
                host = pools[ObjectType.HOST].get(conn, hosts[1])
                host.add_vm(vid, *capacity(vm))
                pools[ObjectType.HOST].update(conn, host)
        vm.set_state(*state)
        pools[ObjectType.VM].update(conn, vm)
    return vid


def apply(h: Harness, hosts: list[int], vid: int, event: Event) -> None:
    manager = next(s for s in h.core.services if type(s).__name__ == "LifeCycleManager")
    pools = h.core.pools
    with h.core.store.write() as conn:
        vm = pools[ObjectType.VM].get(conn, vid)
        if event in USER_ACTIONS or event in (Event.MONITOR_LOST, Event.MONITOR_FOUND, Event.MONITOR_POWEROFF):
            if event in PLACING:
                host = pools[ObjectType.HOST].get(conn, hosts[2])
                vm.add_history(HOSTNAME=host.name, HID=host.oid, CID=0, STIME=2, VM_MAD="dummy", TM_MAD="ssh",
                               DS_ID=0)
            manager.transition(conn, vm, event)
        elif (vm.state, vm.lcm_state) == (VmState.ACTIVE, LcmState.RUNNING):
            manager.transition(conn, vm, Event.REBOOT)  # its outcome is the row's event
        else:
            assert manager.restart_step(conn, vm), f"{machine.state_name((vm.state, vm.lcm_state))} waits for no step"


def settled(h: Harness, vid: int) -> bool:
    vm = h.vm(vid)
    last = vm.last_history()
    action = last.get_int("ACTION") if last is not None else 0
    return machine.step_for((vm.state, vm.lcm_state), vm.prev_state, HistoryAction(action)) is None


def check_capacity(h: Harness, hosts: list[int]) -> None:
    """Each host counts exactly the VMs whose state holds capacity on it, with their CPU and memory."""
    with h.core.store.read() as conn:
        vms = list(h.core.pools[ObjectType.VM].objects(conn))
        for host_id in hosts:
            host = h.core.pools[ObjectType.HOST].get(conn, host_id)
            expected = [vm for vm in vms if holds_capacity((vm.state, vm.lcm_state))
                        and vm.last_history() is not None and vm.last_history().get_int("HID") == host_id]
            assert host.vms == {vm.oid for vm in expected}, f"host {host_id}"
            share = host.share()
            assert share.cpu_usage == sum(capacity(vm)[0] for vm in expected)
            assert share.mem_usage == sum(capacity(vm)[1] for vm in expected)
            assert share.running_vms == len(expected)


def walk(h: Harness, hosts: list[int], source: State, event: Event, script: str) -> int:
    """Walk one row with a fresh VM; return its ID."""
    transition = machine.transition(source, event)
    vid = forge(h, hosts, source, script)
    events = h.core.events.subscribe("EVENT STATE VM/", accepts=lambda key: key.endswith(f"/{vid} "))
    try:
        apply(h, hosts, vid, event)
        h.wait(lambda: settled(h, vid), what=f"VM {vid} settled, it is {h.state(vid)}")
        # Events are published after commit, under the write lock: taking it
        # waits for the last transaction's publications.
        with h.core.store.write():
            pass
        seen = []
        while (item := events.get(timeout=0)) is not None:
            seen.append(item.key.split()[2].rsplit("/", 1)[0])
    finally:
        events.close()
    target = "VM/{}/{}".format(*(s.name for s in transition.target))
    if transition.target != source:
        assert seen and seen[0] == target, f"expected {target} first, saw {seen}"
    else:
        assert not seen or seen[0] != f"VM/{source[0].name}/{source[1].name}" or event is not Event.SUCCESS
    check_capacity(h, hosts)
    return vid


@pytest.mark.parametrize("source, event", ROWS, ids=lambda v: v.value if isinstance(v, Event) else
                         machine.state_name(v))
def test_transition(harness: Harness, hosts: list[int], source: State, event: Event) -> None:
    script = 'DUMMY_FAIL = "vmm tm vnm"' if event in (Event.FAILURE,) else ""
    walk(harness, hosts, source, event, script)


@pytest.mark.parametrize("source, event", HANGS, ids=lambda v: v.value if isinstance(v, Event) else
                         machine.state_name(v))
def test_timeout(harness: Harness, hosts: list[int], source: State, event: Event) -> None:
    vid = walk(harness, hosts, source, event, 'DUMMY_HANG = "vmm tm vnm"')
    assert "timeout" in (harness.vm(vid).user_template.get("ERROR") or "")
