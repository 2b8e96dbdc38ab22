"""What the monitor daemon reports, applied by the core (``CoreLink``) to an in-process front-end.

The hosts use an IM_MAD oned.conf does not configure ("sim"), so the
lifecycle's own host monitoring leaves them to the daemon; their VMs are
deployed with the dummy drivers. Each message is applied as the daemon's
link would deliver it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lcm.lcm_harness import Harness
from oneedge.hm.bus import Subscription
from oneedge.lcm.monitor import POWERON_GRACE
from oneedge.monitor.core_link import CoreLink
from oneedge.monitor.link import LinkMessage, LinkType
from oneedge.pool.host import HostState
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import HistoryAction, LcmState, VmState
from support.xsd import validate


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    running = Harness(tmp_path_factory.mktemp("link") / "home").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def core_link(harness: Harness) -> CoreLink:
    return CoreLink(harness.core)


def report(core_link: CoreLink, kind: LinkType, oid: int, data: str) -> None:
    core_link.apply(LinkMessage(kind, "SUCCESS", oid, data))


@pytest.fixture
def host(harness: Harness, core_link: CoreLink) -> int:
    """A fresh host the daemon reports MONITORED."""
    number = len(harness.ok("one.hostpool.info").split("<HOST>"))
    host_id = harness.ok("one.host.allocate", f"sim{number}", "sim", "dummy", -1)
    report(core_link, LinkType.HOST_STATE, host_id, "MONITORED")
    assert harness.host(host_id).state is HostState.MONITORED
    return host_id


def running_vm(harness: Harness, host: int) -> int:
    vm_id = harness.ok("one.vm.allocate", 'NAME="m" CPU="0.1" MEMORY="32"', False)
    harness.ok("one.vm.deploy", vm_id, host, False, -1)
    harness.wait_state(vm_id, VmState.ACTIVE, LcmState.RUNNING)
    return vm_id


def states(subscription: Subscription) -> list[str]:
    seen = []
    while (item := subscription.get(timeout=0)) is not None:
        seen.append(item.key.split()[2])
    return seen


def test_host_error_makes_its_vms_unknown_and_is_published(harness: Harness, core_link: CoreLink,
                                                          host: int) -> None:
    vms = [running_vm(harness, host) for _ in range(2)]
    events = harness.core.events.subscribe("EVENT STATE HOST/")
    try:
        report(core_link, LinkType.HOST_STATE, host, "ERROR no monitoring messages for 200 s")
        info = harness.ok("one.host.info", host, False)
        validate(info, "host")
        assert "<STATE>3</STATE>" in info and "no monitoring messages for 200 s" in info
        assert [harness.state(vm) for vm in vms] == [(VmState.ACTIVE, LcmState.UNKNOWN)] * 2
        report(core_link, LinkType.HOST_STATE, host, "MONITORED")
        assert [harness.state(vm) for vm in vms] == [(VmState.ACTIVE, LcmState.RUNNING)] * 2
        assert "<ERROR>" not in harness.ok("one.host.info", host, False)
        assert states(events) == [f"HOST/ERROR//{host}", f"HOST/MONITORED//{host}"]
    finally:
        events.close()


def test_reported_poweroff_and_back(harness: Harness, core_link: CoreLink, host: int) -> None:
    vm = running_vm(harness, host)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{vm}", DEPLOY_ID="one-{vm}", STATE="POWEROFF" ]\n')
    assert harness.state(vm) == (VmState.POWEROFF, LcmState.LCM_INIT)
    last = harness.vm(vm).last_history()
    assert last.get_int("ACTION") == HistoryAction.MONITOR and last.get_int("RETIME") > 0
    with harness.core.store.read() as conn:
        assert vm in harness.core.pools[ObjectType.HOST].get(conn, host).vms  # it keeps its place
    # A RUNNING report right after it stopped is a stale one: ignored.
    running = f'VM=[ ID="{vm}", DEPLOY_ID="one-{vm}", STATE="RUNNING" ]\n'
    report(core_link, LinkType.VM_STATE, host, running)
    assert harness.state(vm) == (VmState.POWEROFF, LcmState.LCM_INIT)
    with harness.core.store.write() as conn:
        pool = harness.core.pools[ObjectType.VM]
        document = pool.get(conn, vm)
        document.last_history().set("RETIME", document.last_history().get_int("RETIME") - POWERON_GRACE)
        pool.update(conn, document)
    report(core_link, LinkType.VM_STATE, host, running)
    assert harness.state(vm) == (VmState.ACTIVE, LcmState.RUNNING)
    # vm.log is written by its own thread.
    path = harness.core.home / "vms" / str(vm) / "vm.log"
    harness.wait(lambda: "found again" in path.read_text(), what="vm.log lines")
    assert "VM running but monitor state is POWEROFF" in path.read_text()


def test_failure_report_and_states_that_ignore_reports(harness: Harness, core_link: CoreLink, host: int) -> None:
    vm = running_vm(harness, host)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{vm}", STATE="FAILURE" ]\n')
    assert harness.state(vm) == (VmState.ACTIVE, LcmState.UNKNOWN)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{vm}", STATE="SUSPENDED" ]\n')  # no row: ignored
    assert harness.state(vm) == (VmState.ACTIVE, LcmState.UNKNOWN)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{vm}", STATE="RUNNING" ]\n')
    assert harness.state(vm) == (VmState.ACTIVE, LcmState.RUNNING)
    pending = harness.ok("one.vm.allocate", 'NAME="p" CPU="0.1" MEMORY="32"', False)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{pending}", STATE="POWEROFF" ]\n')
    assert harness.state(pending) == (VmState.PENDING, LcmState.LCM_INIT)  # not on that host


def test_report_from_another_host_and_wild_vms_are_ignored(harness: Harness, core_link: CoreLink,
                                                           host: int) -> None:
    vm = running_vm(harness, host)
    other = harness.ok("one.host.allocate", f"other{host}", "sim", "dummy", -1)
    report(core_link, LinkType.VM_STATE, other, f'VM=[ ID="{vm}", STATE="POWEROFF" ]\n'
                                                'VM=[ ID="-1", DEPLOY_ID="wild", STATE="POWEROFF" ]\n'
                                                'VM=[ ID="99999", STATE="POWEROFF" ]\n')
    assert harness.state(vm) == (VmState.ACTIVE, LcmState.RUNNING)


def test_full_sync_powers_off_the_vms_missing_from_it(harness: Harness, core_link: CoreLink, host: int) -> None:
    seen, missing = running_vm(harness, host), running_vm(harness, host)
    report(core_link, LinkType.VM_STATE, host, f'VM=[ ID="{seen}", STATE="RUNNING" ]\n')
    assert harness.state(missing) == (VmState.ACTIVE, LcmState.RUNNING)  # not a full report
    report(core_link, LinkType.VM_STATE, host,
           f'VM=[ ID="{seen}", STATE="RUNNING" ]\nSYNC_STATE=YES\nMISSING_STATE=POWEROFF\n')
    assert harness.state(seen) == (VmState.ACTIVE, LcmState.RUNNING)
    assert harness.state(missing) == (VmState.POWEROFF, LcmState.LCM_INIT)
