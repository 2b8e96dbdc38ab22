"""VM states the monitoring reports, applied through the state table.

OpenNebula's ``InformationManager::_vm_state`` (``test_and_trigger``) and
``LifeCycleManager::trigger_monitor_*``: a host reports each VM's state
(RUNNING, POWEROFF, FAILURE...) and the VM follows where the table has a
``MONITOR_*`` row for it; elsewhere the report is ignored (a VM in a
transient state waits for its driver step, not for the monitoring).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.lcm import machine
from oneedge.lcm.events import Event
from oneedge.lcm.machine import Transition
from oneedge.pool.vm import HistoryAction, VirtualMachine, VmState

if TYPE_CHECKING:
    from oneedge.lcm.manager import LifeCycleManager

#: Reported state -> the event it is for the lifecycle.
REPORTED: dict[str, Event] = {
    "RUNNING": Event.MONITOR_FOUND,
    "POWEROFF": Event.MONITOR_POWEROFF,
    "FAILURE": Event.MONITOR_LOST,
}
#: A powered-off VM reported RUNNING this soon after it stopped running is a stale
#: report racing the driver's (trigger_monitor_poweron ignores it for 30 s).
POWERON_GRACE = 30
_LOG = {
    Event.MONITOR_FOUND: "VM found again by the drivers",
    Event.MONITOR_POWEROFF: "VM running but monitor state is POWEROFF",
    Event.MONITOR_LOST: "VM running but monitor state is ERROR",
}


def apply_reported(lcm: LifeCycleManager, conn: Connection, vm: VirtualMachine, reported: str,
                   now: float | None = None) -> Transition | None:
    """Apply the ``reported`` state of ``vm`` in the caller's transaction; None when it changes nothing."""
    event = REPORTED.get(reported)
    if event is None or ((vm.state, vm.lcm_state), event) not in machine.TABLE:
        return None
    now = time.time() if now is None else now
    last = vm.last_history()
    if event is Event.MONITOR_FOUND and vm.state is not VmState.ACTIVE and last is not None \
            and now - last.get_int("RETIME") < POWERON_GRACE:
        return None
    if event is Event.MONITOR_POWEROFF and last is not None:
        last.set("ACTION", int(HistoryAction.MONITOR))
    transition = lcm.transition(conn, vm, event)
    vm_id = vm.oid
    lcm.core.store.on_commit(conn, lambda: lcm.vmlog.write(vm_id, now, "LCM", "I", _LOG[event]))
    return transition
