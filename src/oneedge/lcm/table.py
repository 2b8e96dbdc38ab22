"""The VM state table of OpenNebula 6.10, as data.

Each row is (state, event) -> (next state, effects, step): what
``src/dm/DispatchManagerActions.cc``, ``src/lcm/LifeCycleActions.cc`` and
``src/lcm/LifeCycleStates.cc`` do in their if/else chains. A state is the
pair (STATE, LCM_STATE); outside ACTIVE the LCM state is LCM_INIT. The step
of a row is the driver work started after the transition commits; when it
is None the target state's own step runs (see ``WAITS_FOR``).

``oneedge.lcm.machine`` derives the recover and retry rows from these, and
applies the table; nothing else decides a VM's next state.
"""

from __future__ import annotations

from oneedge.lcm.events import Effect as E
from oneedge.lcm.events import Event as V
from oneedge.lcm.events import Step as S
from oneedge.pool.vm import HistoryAction
from oneedge.pool.vm import LcmState as L
from oneedge.pool.vm import VmState

State = tuple[VmState, L]
Row = tuple[State, V, State, frozenset[E], S | None]


def active(lcm: L) -> State:
    return VmState.ACTIVE, lcm


def plain(state: VmState) -> State:
    return state, L.LCM_INIT


PENDING, HOLD, POWEROFF, SUSPENDED = plain(VmState.PENDING), plain(VmState.HOLD), plain(VmState.POWEROFF), \
    plain(VmState.SUSPENDED)
STOPPED, UNDEPLOYED, DONE = plain(VmState.STOPPED), plain(VmState.UNDEPLOYED), plain(VmState.DONE)
INIT, CLONING, CLONING_FAILURE = plain(VmState.INIT), plain(VmState.CLONING), plain(VmState.CLONING_FAILURE)
RUNNING, UNKNOWN = active(L.RUNNING), active(L.UNKNOWN)

#: The driver step each transient LCM state waits for. Where the step depends on
#: the action that led there (hard or not, attach or detach...), the entry is
#: refined by ``STEP_BY_ACTION`` in oneedge.lcm.machine.
WAITS_FOR: dict[L, S] = {
    L.PROLOG: S.PROLOG, L.PROLOG_RESUME: S.PROLOG_RESUME, L.PROLOG_UNDEPLOY: S.PROLOG_RESUME,
    L.PROLOG_MIGRATE: S.PROLOG_MIGRATE, L.PROLOG_MIGRATE_POWEROFF: S.PROLOG_MIGRATE,
    L.PROLOG_MIGRATE_SUSPEND: S.PROLOG_MIGRATE, L.PROLOG_MIGRATE_UNKNOWN: S.PROLOG_MIGRATE,
    L.BOOT: S.DEPLOY, L.BOOT_POWEROFF: S.DEPLOY, L.BOOT_UNKNOWN: S.DEPLOY, L.BOOT_UNDEPLOY: S.DEPLOY,
    L.BOOT_SUSPENDED: S.RESTORE, L.BOOT_STOPPED: S.RESTORE, L.BOOT_MIGRATE: S.RESTORE,
    L.SHUTDOWN: S.SHUTDOWN, L.SHUTDOWN_POWEROFF: S.SHUTDOWN, L.SHUTDOWN_UNDEPLOY: S.SHUTDOWN,
    L.SAVE_STOP: S.SAVE, L.SAVE_SUSPEND: S.SAVE, L.SAVE_MIGRATE: S.SAVE, L.MIGRATE: S.MIGRATE,
    L.EPILOG: S.EPILOG, L.EPILOG_STOP: S.EPILOG_STOP, L.EPILOG_UNDEPLOY: S.EPILOG_STOP,
    L.HOTPLUG: S.ATTACH_DISK, L.HOTPLUG_PROLOG_POWEROFF: S.PROLOG_ATTACH,
    L.HOTPLUG_EPILOG_POWEROFF: S.EPILOG_DETACH, L.HOTPLUG_NIC: S.ATTACH_NIC,
    L.HOTPLUG_SNAPSHOT: S.SNAPSHOT_CREATE, L.HOTPLUG_RESIZE: S.RESIZE,
    L.CLEANUP_DELETE: S.CLEANUP, L.CLEANUP_RESUBMIT: S.CLEANUP,
    L.DISK_RESIZE: S.DISK_RESIZE, L.DISK_RESIZE_POWEROFF: S.DISK_RESIZE_OFFLINE,
    L.DISK_RESIZE_UNDEPLOYED: S.DISK_RESIZE_OFFLINE,
    **{lcm: S.DISK_SAVEAS for lcm in (L.HOTPLUG_SAVEAS, L.HOTPLUG_SAVEAS_POWEROFF, L.HOTPLUG_SAVEAS_SUSPENDED,
                                      L.HOTPLUG_SAVEAS_UNDEPLOYED, L.HOTPLUG_SAVEAS_STOPPED)},
    L.DISK_SNAPSHOT: S.DISK_SNAPSHOT_LIVE, L.DISK_SNAPSHOT_POWEROFF: S.DISK_SNAPSHOT_CREATE,
    L.DISK_SNAPSHOT_SUSPENDED: S.DISK_SNAPSHOT_CREATE, L.DISK_SNAPSHOT_REVERT_POWEROFF: S.DISK_SNAPSHOT_REVERT,
    L.DISK_SNAPSHOT_DELETE: S.DISK_SNAPSHOT_DELETE, L.DISK_SNAPSHOT_DELETE_POWEROFF: S.DISK_SNAPSHOT_DELETE,
    L.DISK_SNAPSHOT_DELETE_SUSPENDED: S.DISK_SNAPSHOT_DELETE,
}

#: Disk operations: (event, source, the state it waits in). The VM goes back to its source
#: state whatever the outcome (LifeCycleStates.cc trigger_disk_*_success/failure,
#: trigger_saveas_*); DispatchManagerActions.cc and VirtualMachine::set_saveas_state say
#: where each is allowed. OpenNebula 6.10 reverts a disk snapshot only powered off:
#: DISK_SNAPSHOT_REVERT (58) and DISK_SNAPSHOT_REVERT_SUSPENDED (55) are retired.
DISK_OPERATIONS: tuple[tuple[V, State, State], ...] = (
    (V.DISK_RESIZE, RUNNING, active(L.DISK_RESIZE)),
    (V.DISK_RESIZE, POWEROFF, active(L.DISK_RESIZE_POWEROFF)),
    (V.DISK_RESIZE, UNDEPLOYED, active(L.DISK_RESIZE_UNDEPLOYED)),
    (V.DISK_SAVEAS, RUNNING, active(L.HOTPLUG_SAVEAS)),
    (V.DISK_SAVEAS, POWEROFF, active(L.HOTPLUG_SAVEAS_POWEROFF)),
    (V.DISK_SAVEAS, SUSPENDED, active(L.HOTPLUG_SAVEAS_SUSPENDED)),
    (V.DISK_SAVEAS, UNDEPLOYED, active(L.HOTPLUG_SAVEAS_UNDEPLOYED)),
    (V.DISK_SAVEAS, STOPPED, active(L.HOTPLUG_SAVEAS_STOPPED)),
    (V.DISK_SNAPSHOT_CREATE, RUNNING, active(L.DISK_SNAPSHOT)),
    (V.DISK_SNAPSHOT_CREATE, POWEROFF, active(L.DISK_SNAPSHOT_POWEROFF)),
    (V.DISK_SNAPSHOT_CREATE, SUSPENDED, active(L.DISK_SNAPSHOT_SUSPENDED)),
    (V.DISK_SNAPSHOT_REVERT, POWEROFF, active(L.DISK_SNAPSHOT_REVERT_POWEROFF)),
    (V.DISK_SNAPSHOT_DELETE, RUNNING, active(L.DISK_SNAPSHOT_DELETE)),
    (V.DISK_SNAPSHOT_DELETE, POWEROFF, active(L.DISK_SNAPSHOT_DELETE_POWEROFF)),
    (V.DISK_SNAPSHOT_DELETE, SUSPENDED, active(L.DISK_SNAPSHOT_DELETE_SUSPENDED)),
)

#: Failure states and the state a retry (or a successful recover) goes back to.
FAILURES: dict[L, L] = {
    L.PROLOG_FAILURE: L.PROLOG, L.PROLOG_RESUME_FAILURE: L.PROLOG_RESUME,
    L.PROLOG_UNDEPLOY_FAILURE: L.PROLOG_UNDEPLOY, L.PROLOG_MIGRATE_FAILURE: L.PROLOG_MIGRATE,
    L.PROLOG_MIGRATE_POWEROFF_FAILURE: L.PROLOG_MIGRATE_POWEROFF,
    L.PROLOG_MIGRATE_SUSPEND_FAILURE: L.PROLOG_MIGRATE_SUSPEND,
    L.PROLOG_MIGRATE_UNKNOWN_FAILURE: L.PROLOG_MIGRATE_UNKNOWN,
    L.BOOT_FAILURE: L.BOOT, L.BOOT_MIGRATE_FAILURE: L.BOOT_MIGRATE, L.BOOT_UNDEPLOY_FAILURE: L.BOOT_UNDEPLOY,
    L.BOOT_STOPPED_FAILURE: L.BOOT_STOPPED,
    L.EPILOG_FAILURE: L.EPILOG, L.EPILOG_STOP_FAILURE: L.EPILOG_STOP, L.EPILOG_UNDEPLOY_FAILURE: L.EPILOG_UNDEPLOY,
}

#: Targets that depend on the placement's history ACTION: after a power-off migration the
#: VM boots from its disks (deploy), not from a checkpoint (LifeCycleManager::trigger_prolog_success).
TARGET_BY_ACTION: dict[tuple[L, HistoryAction], State] = {
    (L.PROLOG_MIGRATE, HistoryAction.POFF_MIGRATE): active(L.BOOT),
    (L.PROLOG_MIGRATE, HistoryAction.POFF_HARD_MIGRATE): active(L.BOOT),
}

NONE: frozenset[E] = frozenset()
ON_HOST = frozenset({E.ADD_CAPACITY})
TAKE = frozenset({E.ADD_CAPACITY, E.TAKE_LEASES})
ERR = frozenset({E.ERROR})
#: Leaving a host for good, or for the front-end (stop, undeploy).
DONE_EFFECTS = frozenset({E.DEL_CAPACITY, E.CLOSE_HISTORY, E.RELEASE_LEASES, E.RELEASE_IMAGES})
FREE = frozenset({E.RELEASE_LEASES, E.RELEASE_IMAGES})
#: A migration on cold storage: the new host counts the VM, the previous one no longer.
MOVE = frozenset({E.ADD_CAPACITY, E.DEL_PREVIOUS_CAPACITY})
UNRESCHED = frozenset({E.CLEAR_RESCHED})
#: recover --delete/--recreate of a VM on a host: it leaves the host before the clean-up.
CLEANUP = frozenset({E.DEL_CAPACITY, E.CLOSE_HISTORY})


def _rows() -> list[Row]:
    rows: list[Row] = []

    def row(source: State, event: V, target: State, effects: frozenset[E] = NONE, step: S | None = None) -> None:
        rows.append((source, event, target, effects, step))

    # -- placement (one.vm.deploy) --------------------------------------------------
    for source in (PENDING, HOLD, STOPPED, UNDEPLOYED):
        row(source, V.DEPLOY, active(L.PROLOG), TAKE)
        row(source, V.DEPLOY_RESUME, active(L.PROLOG_RESUME), ON_HOST)
        row(source, V.DEPLOY_UNDEPLOYED, active(L.PROLOG_UNDEPLOY), TAKE)
    # -- prolog: disks reach the host ----------------------------------------------------
    for prolog, boot in ((L.PROLOG, L.BOOT), (L.PROLOG_RESUME, L.BOOT_STOPPED), (L.PROLOG_UNDEPLOY, L.BOOT_UNDEPLOY),
                         (L.PROLOG_MIGRATE, L.BOOT_MIGRATE), (L.PROLOG_MIGRATE_UNKNOWN, L.BOOT)):
        row(active(prolog), V.SUCCESS, active(boot))
    row(active(L.PROLOG_MIGRATE_POWEROFF), V.SUCCESS, POWEROFF)
    row(active(L.PROLOG_MIGRATE_SUSPEND), V.SUCCESS, SUSPENDED)
    # -- boot: the hypervisor starts the VM -------------------------------------------------
    for boot in (L.BOOT, L.BOOT_MIGRATE, L.BOOT_UNDEPLOY, L.BOOT_STOPPED, L.BOOT_POWEROFF, L.BOOT_SUSPENDED,
                 L.BOOT_UNKNOWN):
        row(active(boot), V.SUCCESS, RUNNING, frozenset({E.SET_DEPLOY_ID}))
    # A failed boot from poweroff, suspended or unknown leaves the VM where it was.
    row(active(L.BOOT_POWEROFF), V.FAILURE, POWEROFF, ERR)
    row(active(L.BOOT_SUSPENDED), V.FAILURE, SUSPENDED, ERR)
    row(active(L.BOOT_UNKNOWN), V.FAILURE, UNKNOWN, ERR)
    # Every other transient state with a failure state falls into it.
    for failure, base in FAILURES.items():
        row(active(base), V.FAILURE, active(failure), ERR)
    for epilog, target, effects in ((L.EPILOG, DONE, DONE_EFFECTS),
                                    (L.EPILOG_STOP, STOPPED, frozenset({E.DEL_CAPACITY, E.CLOSE_HISTORY})),
                                    (L.EPILOG_UNDEPLOY, UNDEPLOYED,
                                     frozenset({E.DEL_CAPACITY, E.CLOSE_HISTORY, E.RELEASE_LEASES}))):
        row(active(epilog), V.SUCCESS, target, effects)
    # -- live migration ----------------------------------------------------------------------
    # A migration clears RESCHED: the VM was rescheduled (LifeCycleActions.cc set_resched(false)).
    row(RUNNING, V.LIVE_MIGRATE, active(L.MIGRATE), ON_HOST | UNRESCHED)
    row(active(L.MIGRATE), V.SUCCESS, RUNNING, frozenset({E.DEL_PREVIOUS_CAPACITY}))
    row(active(L.MIGRATE), V.FAILURE, RUNNING, frozenset({E.REVERT_MIGRATION, E.ERROR}))
    # -- cold migration: save (or shut down, see STEP_BY_ACTION), transfer, restore (or boot) -----------
    for event in (V.MIGRATE, V.MIGRATE_POWEROFF, V.MIGRATE_POWEROFF_HARD):
        row(RUNNING, event, active(L.SAVE_MIGRATE), ON_HOST | UNRESCHED)
        row(POWEROFF, event, active(L.PROLOG_MIGRATE_POWEROFF), MOVE | UNRESCHED)
        row(SUSPENDED, event, active(L.PROLOG_MIGRATE_SUSPEND), MOVE | UNRESCHED)
        row(UNKNOWN, event, active(L.PROLOG_MIGRATE_UNKNOWN), MOVE | UNRESCHED)
    row(active(L.SAVE_MIGRATE), V.SUCCESS, active(L.PROLOG_MIGRATE), frozenset({E.DEL_PREVIOUS_CAPACITY}))
    row(active(L.SAVE_MIGRATE), V.FAILURE, RUNNING, frozenset({E.REVERT_MIGRATION, E.ERROR}))
    # -- terminate ---------------------------------------------------------------------------------
    for event in (V.TERMINATE, V.TERMINATE_HARD):
        for source in (RUNNING, UNKNOWN):
            row(source, event, active(L.SHUTDOWN))
        # Hard has no effect on a VM that is not running (DispatchManager::terminate).
        for source in (SUSPENDED, POWEROFF):
            row(source, event, active(L.EPILOG))
        # Their disks are on the front-end already: the epilog is local (see machine.step_for).
        for source in (STOPPED, UNDEPLOYED):
            row(source, event, active(L.EPILOG))
        for source in (INIT, PENDING, HOLD, CLONING, CLONING_FAILURE):
            row(source, event, DONE, FREE)
        for failure in FAILURES:
            row(active(failure), event, active(L.CLEANUP_DELETE), CLEANUP)
    row(active(L.SHUTDOWN), V.TERMINATE_HARD, active(L.SHUTDOWN))
    row(active(L.SHUTDOWN), V.SUCCESS, active(L.EPILOG))
    # -- poweroff and undeploy ------------------------------------------------------------------------
    for source in (RUNNING, UNKNOWN):
        for event in (V.POWEROFF, V.POWEROFF_HARD):
            row(source, event, active(L.SHUTDOWN_POWEROFF))
        for event in (V.UNDEPLOY, V.UNDEPLOY_HARD):
            row(source, event, active(L.SHUTDOWN_UNDEPLOY))
    row(active(L.SHUTDOWN_POWEROFF), V.POWEROFF_HARD, active(L.SHUTDOWN_POWEROFF))
    row(active(L.SHUTDOWN_UNDEPLOY), V.UNDEPLOY_HARD, active(L.SHUTDOWN_UNDEPLOY))
    for event in (V.UNDEPLOY, V.UNDEPLOY_HARD):
        row(POWEROFF, event, active(L.EPILOG_UNDEPLOY))
    # A powered-off VM keeps its place (and capacity) on the host.
    row(active(L.SHUTDOWN_POWEROFF), V.SUCCESS, POWEROFF)
    row(active(L.SHUTDOWN_UNDEPLOY), V.SUCCESS, active(L.EPILOG_UNDEPLOY))
    for shutdown in (L.SHUTDOWN, L.SHUTDOWN_POWEROFF, L.SHUTDOWN_UNDEPLOY):
        row(active(shutdown), V.FAILURE, RUNNING, ERR)
    # -- stop and suspend ---------------------------------------------------------------------------------
    row(RUNNING, V.STOP, active(L.SAVE_STOP))
    row(SUSPENDED, V.STOP, active(L.EPILOG_STOP))
    row(RUNNING, V.SUSPEND, active(L.SAVE_SUSPEND))
    row(active(L.SAVE_STOP), V.SUCCESS, active(L.EPILOG_STOP))
    row(active(L.SAVE_SUSPEND), V.SUCCESS, SUSPENDED)
    for save in (L.SAVE_STOP, L.SAVE_SUSPEND):
        row(active(save), V.FAILURE, RUNNING, ERR)
    # -- hold, release, resume, resched ------------------------------------------------------------------
    row(PENDING, V.HOLD, HOLD)
    row(HOLD, V.RELEASE, PENDING)
    row(STOPPED, V.RESUME, PENDING)
    row(UNDEPLOYED, V.RESUME, PENDING)
    row(SUSPENDED, V.RESUME, active(L.BOOT_SUSPENDED))
    row(POWEROFF, V.RESUME, active(L.BOOT_POWEROFF))
    row(UNKNOWN, V.RESUME, active(L.BOOT_UNKNOWN))
    for source in (RUNNING, UNKNOWN, POWEROFF):
        row(source, V.RESCHED, source, frozenset({E.SET_RESCHED}))
        row(source, V.UNRESCHED, source, frozenset({E.CLEAR_RESCHED}))
    # -- reboot: the VM stays RUNNING, a failure is only logged -------------------------------------------
    row(RUNNING, V.REBOOT, RUNNING, step=S.REBOOT)
    row(RUNNING, V.REBOOT_HARD, RUNNING, step=S.RESET)
    row(RUNNING, V.SUCCESS, RUNNING)
    row(RUNNING, V.FAILURE, RUNNING, ERR)
    # -- hotplug ----------------------------------------------------------------------------------------------
    commit, rollback = frozenset({E.HOTPLUG_COMMIT}), frozenset({E.HOTPLUG_ROLLBACK, E.ERROR})
    row(RUNNING, V.DISK_ATTACH, active(L.HOTPLUG))
    row(RUNNING, V.DISK_DETACH, active(L.HOTPLUG))
    row(POWEROFF, V.DISK_ATTACH, active(L.HOTPLUG_PROLOG_POWEROFF))
    row(POWEROFF, V.DISK_DETACH, active(L.HOTPLUG_EPILOG_POWEROFF))
    row(RUNNING, V.NIC_ATTACH, active(L.HOTPLUG_NIC))
    row(RUNNING, V.NIC_DETACH, active(L.HOTPLUG_NIC))
    # A powered-off VM has no NIC to plug on the host: the document changes at once.
    row(POWEROFF, V.NIC_ATTACH, POWEROFF, commit)
    row(POWEROFF, V.NIC_DETACH, POWEROFF, commit)
    for event in (V.SNAPSHOT_CREATE, V.SNAPSHOT_REVERT, V.SNAPSHOT_DELETE):
        row(RUNNING, event, active(L.HOTPLUG_SNAPSHOT))
    row(RUNNING, V.RESIZE, active(L.HOTPLUG_RESIZE))
    for source in (INIT, PENDING, HOLD, UNDEPLOYED, CLONING, CLONING_FAILURE, POWEROFF):
        row(source, V.RESIZE, source, commit)
    for hotplug, target in ((L.HOTPLUG, RUNNING), (L.HOTPLUG_NIC, RUNNING), (L.HOTPLUG_SNAPSHOT, RUNNING),
                            (L.HOTPLUG_RESIZE, RUNNING), (L.HOTPLUG_PROLOG_POWEROFF, POWEROFF),
                            (L.HOTPLUG_EPILOG_POWEROFF, POWEROFF)):
        row(active(hotplug), V.SUCCESS, target, commit)
        row(active(hotplug), V.FAILURE, target, rollback)
    # -- disk operations ---------------------------------------------------------------------------------------------
    for event, source, waiting in DISK_OPERATIONS:
        row(source, event, waiting)
        row(waiting, V.SUCCESS, source, frozenset({E.DISK_COMMIT}))
        row(waiting, V.FAILURE, source, frozenset({E.DISK_ROLLBACK, E.ERROR}))
    # -- monitoring -----------------------------------------------------------------------------------------------
    row(RUNNING, V.MONITOR_LOST, UNKNOWN)
    row(UNKNOWN, V.MONITOR_FOUND, RUNNING)
    # LifeCycleManager::trigger_monitor_poweroff/poweron: the VM keeps its place on the host.
    for source in (RUNNING, UNKNOWN):
        row(source, V.MONITOR_POWEROFF, POWEROFF, frozenset({E.CLEAR_RESCHED}))
    for source in (POWEROFF, SUSPENDED):
        row(source, V.MONITOR_FOUND, RUNNING)
    # -- recover --delete and --recreate ----------------------------------------------------------------------------
    for source in (INIT, PENDING, HOLD, CLONING, CLONING_FAILURE):
        row(source, V.DELETE, DONE, FREE)
    for source in (STOPPED, UNDEPLOYED):
        row(source, V.DELETE, DONE, FREE, S.CLEANUP)
    for source in (SUSPENDED, POWEROFF):
        row(source, V.DELETE, DONE, DONE_EFFECTS, S.CLEANUP)
    for source in (INIT, PENDING, CLONING, CLONING_FAILURE, HOLD, STOPPED, UNDEPLOYED):
        row(source, V.DELETE_RECREATE, PENDING, frozenset({E.RELEASE_LEASES}))
    for source in (SUSPENDED, POWEROFF):
        row(source, V.DELETE_RECREATE, active(L.CLEANUP_RESUBMIT), CLEANUP)
    for lcm in L:
        if lcm not in (L.LCM_INIT, L.CLEANUP_DELETE, L.CLEANUP_RESUBMIT):
            row(active(lcm), V.DELETE, active(L.CLEANUP_DELETE), CLEANUP)
            row(active(lcm), V.DELETE_RECREATE, active(L.CLEANUP_RESUBMIT), CLEANUP)
    # The clean-up's outcome does not matter: the VM goes on (as OpenNebula does).
    for event in (V.SUCCESS, V.FAILURE):
        row(active(L.CLEANUP_DELETE), event, DONE, FREE)
        row(active(L.CLEANUP_RESUBMIT), event, PENDING, frozenset({E.RELEASE_LEASES}))
    return rows


ROWS: tuple[Row, ...] = tuple(_rows())
