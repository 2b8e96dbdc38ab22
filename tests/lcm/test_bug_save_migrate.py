"""Regression: a cold migration saves (or shuts down) the VM on the host it leaves.

SAVE_MIGRATE's step ran with the context of the new placement, so the save
went to the destination host, where the VM does not run. OpenNebula runs it
on ``get_previous_hostname``. The source host is scripted to fail its save:
the VM must stay RUNNING there with the driver's message.
"""

from __future__ import annotations

import pytest

from lcm_harness import Harness
from oneedge.pool.host import HostState
from oneedge.pool.vm import LcmState, VmState


@pytest.mark.parametrize("migration, action", [(0, "save"), (1, "shutdown"), (2, "cancel")])
def test_save_migrate_acts_on_the_previous_host(harness: Harness, migration: int, action: str) -> None:
    source, target = (harness.ok("one.host.allocate", f"mig-{action}-{i}", "dummy", "dummy", -1) for i in range(2))
    for host_id in (source, target):
        harness.wait(lambda h=host_id: harness.host(h).state is HostState.MONITORED, what=f"host {host_id}")
    harness.ok("one.host.update", source, f'DUMMY_FAIL = "{action}"\nDUMMY_MESSAGE = "{action} on source"', 1)
    vid = harness.ok("one.vm.allocate", 'NAME = "mig"\nCPU = 0.1\nMEMORY = 32', False)
    harness.ok("one.vm.deploy", vid, source, False, -1)
    harness.wait_state(vid, VmState.ACTIVE, LcmState.RUNNING)
    harness.ok("one.vm.migrate", vid, target, False, False, -1, migration)
    harness.wait(lambda: harness.state(vid)[1] not in (LcmState.SAVE_MIGRATE, LcmState.RUNNING)
                 or bool(harness.vm(vid).user_template.get("ERROR")), what="the save step ended")
    harness.wait(lambda: harness.state(vid)[1] is LcmState.RUNNING, what="VM running again")
    vm = harness.vm(vid)
    assert harness.state(vid) == (VmState.ACTIVE, LcmState.RUNNING)
    assert f"{action} on source" in (vm.user_template.get("ERROR") or "")
    assert vm.last_history().get_int("HID") == source
