"""Applying the state table: the one function that decides a VM's next state.

``TABLE`` is ``oneedge.lcm.table.ROWS`` plus the rows OpenNebula derives
from them (``LifeCycleManager::recover`` and ``retry``):

- recover success/failure of a transient state is the driver's success or
  failure of the step it waits for;
- recover success of a failure state is the success of the state it failed
  from; recover failure leaves it as it is;
- retry of a failure state goes back to the state it failed from and runs
  its step again; retry of a transient state runs the step again.

Pure: states in, a :class:`Transition` out; refusals raise :class:`NotAllowed`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from oneedge.lcm.events import Effect, Event, Step
from oneedge.lcm.table import FAILURES, ROWS, TARGET_BY_ACTION, WAITS_FOR, Row, State, active
from oneedge.pool.vm import HistoryAction, LcmState, VmState


@dataclass(frozen=True)
class Transition:
    source: State
    event: Event
    target: State
    effects: frozenset[Effect]
    #: Driver work that is not the target state's own (reboot, clean-up of a deleted VM).
    step: Step | None = None


class NotAllowed(Exception):
    """The event is not allowed in the VM's state (OpenNebula's "wrong state")."""

    def __init__(self, source: State, event: Event) -> None:
        super().__init__(f"{event.value} is not allowed in {state_name(source)}")
        self.source = source
        self.event = event


def state_name(state: State) -> str:
    """OpenNebula's ``VirtualMachine::state_str``: the LCM state when ACTIVE, else the state."""
    vm_state, lcm = state
    return lcm.name if vm_state is VmState.ACTIVE else vm_state.name


def _build(rows: tuple[Row, ...]) -> dict[tuple[State, Event], Transition]:
    table: dict[tuple[State, Event], Transition] = {}

    def add(source: State, event: Event, target: State, effects: frozenset[Effect], step: Step | None) -> None:
        if (source, event) in table:
            raise ValueError(f"state table: {state_name(source)} x {event.value} defined twice")
        table[(source, event)] = Transition(source, event, target, effects, step)

    for source, event, target, effects, step in rows:
        add(source, event, target, effects, step)
    for (source, event), t in list(table.items()):
        if source[0] is not VmState.ACTIVE:
            continue
        if event is Event.SUCCESS:
            add(source, Event.RECOVER_SUCCESS, t.target, t.effects, t.step)
        elif event is Event.FAILURE:
            add(source, Event.RECOVER_FAILURE, t.target, t.effects - {Effect.ERROR}, t.step)
    for failure, base in FAILURES.items():
        done = table[(active(base), Event.SUCCESS)]
        add(active(failure), Event.RECOVER_SUCCESS, done.target, done.effects, done.step)
        add(active(failure), Event.RECOVER_FAILURE, active(failure), frozenset(), None)
        add(active(failure), Event.RETRY, active(base), frozenset(), None)
    for lcm in WAITS_FOR:
        add(active(lcm), Event.RETRY, active(lcm), frozenset(), None)
    # recover of UNKNOWN means "it is running", whatever the flag (LifeCycleManager::recover).
    unknown, running = active(LcmState.UNKNOWN), active(LcmState.RUNNING)
    add(unknown, Event.RECOVER_SUCCESS, running, frozenset(), None)
    add(unknown, Event.RECOVER_FAILURE, running, frozenset(), None)
    return table


TABLE: dict[tuple[State, Event], Transition] = _build(ROWS)


def _by_action() -> dict[tuple[State, Event, HistoryAction], Transition]:
    """The rows of ``TARGET_BY_ACTION``: the success of the state (or the recover of its failure)."""
    failed = {base: failure for failure, base in FAILURES.items()}
    table = {}
    for (lcm, action), target in TARGET_BY_ACTION.items():
        sources = [active(lcm)] + ([active(failed[lcm])] if lcm in failed else [])
        for source in sources:
            for event in (Event.SUCCESS, Event.RECOVER_SUCCESS):
                if (source, event) in TABLE:
                    table[(source, event, action)] = replace(TABLE[(source, event)], target=target)
    return table


BY_ACTION: dict[tuple[State, Event, HistoryAction], Transition] = _by_action()


def transition(source: State, event: Event, action: HistoryAction = HistoryAction.NONE) -> Transition:
    """The transition ``event`` makes from ``source`` when the placement's last ACTION is ``action``;
    raise NotAllowed when there is none."""
    found = BY_ACTION.get((source, event, action))
    if found is not None:
        return found
    try:
        return TABLE[(source, event)]
    except KeyError:
        raise NotAllowed(source, event) from None


def allowed(source: State) -> list[Event]:
    """The events the table accepts in ``source`` (for documentation and tests)."""
    return [event for (state, event) in TABLE if state == source]


#: Steps that depend on the action which led to the state (the history ACTION).
STEP_BY_ACTION: dict[tuple[Step, HistoryAction], Step] = {
    **{(Step.SHUTDOWN, hard): Step.CANCEL for hard in (
        HistoryAction.TERMINATE_HARD, HistoryAction.POWEROFF_HARD, HistoryAction.UNDEPLOY_HARD)},
    # A power-off migration shuts the VM down (or cancels it) instead of saving it.
    (Step.SAVE, HistoryAction.POFF_MIGRATE): Step.SHUTDOWN,
    (Step.SAVE, HistoryAction.POFF_HARD_MIGRATE): Step.CANCEL,
    (Step.ATTACH_DISK, HistoryAction.DISK_DETACH): Step.DETACH_DISK,
    (Step.ATTACH_NIC, HistoryAction.NIC_DETACH): Step.DETACH_NIC,
    (Step.SNAPSHOT_CREATE, HistoryAction.SNAPSHOT_REVERT): Step.SNAPSHOT_REVERT,
    (Step.SNAPSHOT_CREATE, HistoryAction.SNAPSHOT_DELETE): Step.SNAPSHOT_DELETE,
}


def step_for(state: State, previous: State, action: HistoryAction) -> Step | None:
    """The driver step a VM in ``state`` waits for, or None when it waits for nothing.

    ``previous`` is PREV_STATE/PREV_LCM_STATE and ``action`` the last history
    ACTION: a terminate from STOPPED or UNDEPLOYED runs a local epilog, from POWEROFF one
    that cleans the host first (monitoring may have seen its QEMU die), a hard
    action cancels instead of shutting down, a detach runs the detach action.
    """
    vm_state, lcm = state
    if vm_state is not VmState.ACTIVE or lcm not in WAITS_FOR:
        return None
    step = WAITS_FOR[lcm]
    if step is Step.EPILOG and previous[0] in (VmState.STOPPED, VmState.UNDEPLOYED):
        return Step.EPILOG_LOCAL
    if step is Step.EPILOG and previous[0] is VmState.POWEROFF:
        return Step.EPILOG_POWEROFF
    return STEP_BY_ACTION.get((step, action), step)
