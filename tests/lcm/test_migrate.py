"""Cold migrations by one.vm.migrate's types (0 save, 1 poweroff, 2 poweroff-hard) and RESCHED.

OpenNebula 6.10 (LifeCycleActions.cc trigger_migrate, LifeCycleStates.cc
prolog_success): every type goes through SAVE_MIGRATE and PROLOG_MIGRATE; a
save migration checkpoints and restores (BOOT_MIGRATE), a power-off one
shuts the VM down (or cancels it) and boots it again (BOOT). A migration
clears RESCHED.
"""

from __future__ import annotations

import pytest

from lcm_harness import Harness
from oneedge.hm.bus import Subscription
from oneedge.pool.vm import HistoryAction, LcmState, VmState

VM = 'NAME = "mig"\nCPU = 0.1\nMEMORY = 32\nDUMMY_FAIL = "{fail}"'


def running(harness: Harness, host: int, fail: str = "") -> int:
    vid = harness.ok("one.vm.allocate", VM.format(fail=fail), False)
    harness.ok("one.vm.deploy", vid, host, False, -1)
    harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
    return vid


def lcm_states(subscription: Subscription) -> list[str]:
    seen = []
    while (item := subscription.get(timeout=0)) is not None:
        seen.append(item.key.split()[2].split("/")[2])
    return seen


@pytest.mark.parametrize("kind, action, boot", [
    (0, HistoryAction.MIGRATE, "BOOT_MIGRATE"),
    (1, HistoryAction.POFF_MIGRATE, "BOOT"),
    (2, HistoryAction.POFF_HARD_MIGRATE, "BOOT"),
])
def test_cold_migration_types(harness: Harness, hosts: list[int], kind: int, action: HistoryAction,
                              boot: str) -> None:
    vid = running(harness, hosts[0])
    subscription = harness.core.events.subscribe("EVENT STATE VM/", accepts=lambda key: key.endswith(f"/{vid} "))
    try:
        harness.ok("one.vm.migrate", vid, hosts[1], False, False, -1, kind)
        harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
        with harness.core.store.write():
            pass  # publications of the last transaction are done
        assert lcm_states(subscription) == ["SAVE_MIGRATE", "PROLOG_MIGRATE", boot, "RUNNING"]
    finally:
        subscription.close()
    vm = harness.vm(vid)
    records = vm.histories()
    assert [r.get_int("HID") for r in records] == [hosts[0], hosts[1]]
    assert records[-1].get_int("ACTION") == int(action)
    assert vid not in harness.host(hosts[0]).vms and vid in harness.host(hosts[1]).vms
    harness.ok("one.vm.action", "terminate-hard", vid)


@pytest.mark.parametrize("kind, stop", [(0, "save"), (1, "shutdown"), (2, "cancel")])
def test_a_failed_migration_stays_on_its_host(harness: Harness, hosts: list[int], kind: int, stop: str) -> None:
    """The action that stops the VM fails: back to RUNNING where it was (revert_migrate_after_failure)."""
    vid = running(harness, hosts[0], fail=stop)
    harness.ok("one.vm.migrate", vid, hosts[1], False, False, -1, kind)
    harness.wait(lambda: harness.vm(vid).user_template.get("ERROR") is not None, what="the driver's error")
    harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
    vm = harness.vm(vid)
    assert vm.last_history().get_int("HID") == hosts[0]
    assert vid in harness.host(hosts[0]).vms and vid not in harness.host(hosts[1]).vms
    assert stop in vm.user_template.get("ERROR")
    harness.ok("one.vm.action", "terminate", vid)


def test_an_unknown_type_is_a_save_migration(harness: Harness, hosts: list[int]) -> None:
    vid = running(harness, hosts[0])
    harness.ok("one.vm.migrate", vid, hosts[1], False, False, -1, 7)
    harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
    assert harness.vm(vid).last_history().get_int("ACTION") == int(HistoryAction.MIGRATE)
    harness.ok("one.vm.action", "terminate-hard", vid)


@pytest.mark.parametrize("live", [False, True])
def test_a_migration_clears_resched(harness: Harness, hosts: list[int], live: bool) -> None:
    vid = running(harness, hosts[0])
    harness.ok("one.vm.action", "resched", vid)
    assert harness.vm(vid).get_int("RESCHED") == 1
    harness.ok("one.vm.migrate", vid, hosts[2], live, False, -1, 0)
    assert harness.vm(vid).get_int("RESCHED") == 0
    harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
    assert harness.vm(vid).get_int("RESCHED") == 0
    harness.ok("one.vm.action", "terminate-hard", vid)
