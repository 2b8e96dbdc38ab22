"""The scheduler inside a real ``oneedge up`` with dummy hosts: placement, SCHED_MESSAGE, resched."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from lxml import etree

from oneedge.template import parse
from support import frontend as fe

T = TypeVar("T")
PENDING, ACTIVE, RUNNING = 1, 3, 3
MESSAGE = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: ")


def wait_for(probe: Callable[[], T], timeout: float = 20) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, "condition not met in time"
            return value
        time.sleep(0.05)


@pytest.fixture(scope="module")
def frontend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fe.Frontend]:
    home = tmp_path_factory.mktemp("sched") / "home"
    fe.write_conf(home, scheduler=True)
    for path, values in (("sched.conf", (("SCHED_INTERVAL", "30"), ("MAX_DISPATCH", "0"), ("MAX_HOST", "0"))),
                         ("oned.conf", (("MONITORING_INTERVAL_HOST", "0.3"),))):
        template = parse((home / path).read_text())
        for name, value in values:
            template.set(name, value)
        (home / path).write_text(template.to_text())
    running = fe.start(home)
    yield running
    assert running.stop() == 0, running.log()


@pytest.fixture(scope="module")
def raw(frontend: fe.Frontend) -> fe.Raw:
    return frontend.raw()


@pytest.fixture(scope="module")
def hosts(raw: fe.Raw) -> list[int]:
    ids = [raw.ok("one.host.allocate", f"node{i}", "dummy", "dummy", -1) for i in range(3)]
    for host in ids:
        wait_for(lambda h=host: vm_doc(raw, "one.host.info", h).findtext("STATE") == "2")
    return ids


def vm_doc(raw: fe.Raw, method: str, oid: int) -> etree._Element:
    return etree.fromstring(raw.ok(method, oid).encode())


def running_on(raw: fe.Raw, vm: int) -> int | None:
    doc = vm_doc(raw, "one.vm.info", vm)
    if (doc.findtext("STATE"), doc.findtext("LCM_STATE")) != (str(ACTIVE), str(RUNNING)):
        return None
    return int(doc.findall("HISTORY_RECORDS/HISTORY")[-1].findtext("HID"))


def wait_host(raw: fe.Raw, vm: int) -> int:
    """The host ``vm`` runs on, once it is RUNNING (host IDs start at 0: not a truth value)."""
    return wait_for(lambda: [running_on(raw, vm)] if running_on(raw, vm) is not None else [])[0]


def allocate(raw: fe.Raw, extra: str = "") -> int:
    return raw.ok("one.vm.allocate", f'NAME = "v"\nCPU = 0.1\nMEMORY = 32\n{extra}', False)


def test_pending_vms_are_placed_at_once_and_striped(raw: fe.Raw, hosts: list[int]) -> None:
    started = time.monotonic()
    vms = [allocate(raw) for _ in range(6)]
    placed = {vm: wait_host(raw, vm) for vm in vms}
    # SCHED_INTERVAL is 30 s: only the wake-up on allocation explains this.
    assert time.monotonic() - started < 15
    assert Counter(placed.values()) == {host: 2 for host in hosts}


def test_a_vm_rank_overrides_the_policy(raw: fe.Raw, hosts: list[int]) -> None:
    vms = [allocate(raw, 'SCHED_RANK = "ID"') for _ in range(3)]
    assert {wait_host(raw, vm) for vm in vms} == {max(hosts)}


def test_impossible_requirements_leave_the_vm_pending_with_a_message(raw: fe.Raw, hosts: list[int]) -> None:
    vm = allocate(raw, 'SCHED_REQUIREMENTS = "HYPERVISOR = xen"')
    message = wait_for(lambda: vm_doc(raw, "one.vm.info", vm).findtext("USER_TEMPLATE/SCHED_MESSAGE"))
    assert MESSAGE.match(message), message
    assert message.endswith("Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: "
                            "!(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED) & ( HYPERVISOR = xen )")
    assert vm_doc(raw, "one.vm.info", vm).findtext("STATE") == str(PENDING)
    raw.ok("one.vm.update", vm, f'SCHED_REQUIREMENTS = "ID = {hosts[0]}"', 1)
    assert wait_host(raw, vm) == hosts[0]
    assert vm_doc(raw, "one.vm.info", vm).find("USER_TEMPLATE/SCHED_MESSAGE") is None


def test_too_big_a_vm_says_no_capacity(raw: fe.Raw, hosts: list[int]) -> None:
    vm = raw.ok("one.vm.allocate", 'NAME = "huge"\nCPU = 100000\nMEMORY = 32', False)
    message = wait_for(lambda: vm_doc(raw, "one.vm.info", vm).findtext("USER_TEMPLATE/SCHED_MESSAGE"))
    assert message.endswith(": Cannot dispatch VM: No host with enough capacity to deploy the VM")
    raw.ok("one.vm.action", "terminate-hard", vm)


def test_resched_moves_a_running_vm(raw: fe.Raw, hosts: list[int]) -> None:
    vm = allocate(raw, f'SCHED_REQUIREMENTS = "ID = {hosts[0]} | ID = {hosts[1]}"')
    first = wait_host(raw, vm)
    raw.ok("one.vm.action", "resched", vm)
    other = ({hosts[0], hosts[1]} - {first}).pop()
    assert wait_for(lambda: running_on(raw, vm) == other)
    doc = vm_doc(raw, "one.vm.info", vm)
    assert [h.findtext("HID") for h in doc.findall("HISTORY_RECORDS/HISTORY")][:2] == [str(first), str(other)]


def test_a_rescheduled_vm_moves_once(raw: fe.Raw, hosts: list[int]) -> None:
    vm = allocate(raw, f'SCHED_REQUIREMENTS = "ID = {hosts[1]} | ID = {hosts[2]}"')
    first = wait_host(raw, vm)
    raw.ok("one.vm.action", "resched", vm)
    assert wait_for(lambda: running_on(raw, vm) not in (None, first))
    assert vm_doc(raw, "one.vm.info", vm).findtext("RESCHED") == "0"
    # A later cycle (it places this other VM) leaves the rescheduled one where it went.
    wait_host(raw, allocate(raw, f'SCHED_REQUIREMENTS = "ID = {hosts[0]}"'))
    doc = vm_doc(raw, "one.vm.info", vm)
    assert len(doc.findall("HISTORY_RECORDS/HISTORY")) == 2
