"""The lifecycle manager: applies the state table, runs driver steps, applies their results.

Every transition happens in the caller's write transaction (``transition``):
the table decides the next state, the effects keep hosts, networks, images
and history consistent, and the VM row is updated with a compare-and-set on
the state it was read in. After commit the state change is published on the
event bus (in commit order, so in order per VM), written to the VM's log,
and the driver step the new state waits for is started.

Steps run on the manager's own event loop thread, within each driver's
limits (``DriverRunner``). Their outcomes go through one queue to one
applier thread that applies them in batches, each result a savepoint of its
own, and only if the VM is still in the state (and step) it started from.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, AsyncIterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.drivers.base import DriverError
from oneedge.drivers.loop import DriverLoop
from oneedge.drivers.runner import DriverPool
from oneedge.errors import ErrorCode, RequestError
from oneedge.hm.messages import state_message
from oneedge.lcm import machine, steps
from oneedge.lcm.effects import Effects, Outcome
from oneedge.lcm.events import USER_ACTIONS, Event
from oneedge.lcm.machine import Transition
from oneedge.lcm.plan import step_request
from oneedge.lcm.table import State
from oneedge.lcm.vmlog import VmLog
from oneedge.pool.host import Host
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import HistoryAction, VirtualMachine, VmState

if TYPE_CHECKING:
    from oneedge.nebula import Core
    from oneedge.rm.request import Request

log = logging.getLogger("oneedge.lcm")

#: Results applied in one transaction at most (each in its own savepoint).
BATCH = 256


@dataclass(frozen=True)
class _Result:
    vm_id: int
    serial: int
    expected: State
    outcome: Outcome
    failed: bool


class LifeCycleManager:
    def __init__(self, core: Core, drivers: DriverPool) -> None:
        self.core = core
        self.drivers = drivers
        self.effects = Effects(core)
        self.vmlog = VmLog(core.home)
        self._loop: DriverLoop | None = None
        self._serials: dict[int, int] = {}
        self._counter = itertools.count(1)
        self._results: queue.Queue[_Result | None] = queue.Queue()
        self._starting: list[tuple[steps.StepRequest, int, State]] = []
        self._starting_lock = threading.Lock()
        self._wake_pending = False

    @property
    def vms(self):
        return self.core.pools[ObjectType.VM]

    # -- transitions ------------------------------------------------------------------
    def transition(self, conn: Connection, vm: VirtualMachine, event: Event, outcome: Outcome = Outcome(),
                   req: Request | None = None, host: Host | None = None) -> Transition:
        """Apply ``event`` to ``vm`` in the caller's transaction; raise NotAllowed when the table refuses.

        ``host`` is the VM's (new) host when the caller already read it in this transaction.
        """
        source: State = (vm.state, vm.lcm_state)
        last = vm.last_history()
        t = machine.transition(source, event, HistoryAction(last.get_int("ACTION")) if last is not None
                               else HistoryAction.NONE)
        now = time.time()
        if t.target != source:
            vm.set_state(*t.target)
        if event in USER_ACTIONS and last is not None and event not in (
                Event.DEPLOY, Event.DEPLOY_RESUME, Event.DEPLOY_UNDEPLOYED):
            last.set("ACTION", int(USER_ACTIONS[event]))
            if req is not None:
                last.set("UID", req.user.uid)
                last.set("GID", req.user.gid)
        hosts: dict[int, Host | None] = {} if host is None else {host.oid: host}
        self.effects.apply(conn, vm, source, t.effects, outcome, now, hosts)
        body = self._save(conn, vm, source)
        step = t.step
        if step is None and (t.target != source or event in USER_ACTIONS):
            action = HistoryAction(last.get_int("ACTION")) if last is not None else HistoryAction.NONE
            step = machine.step_for(t.target, vm.prev_state, action)
        request = None
        if step is not None:
            last = vm.last_history()
            current = None if last is None else self.effects.host(conn, last.get_int("HID"), hosts)
            request = step_request(self.core, conn, self.drivers, vm, current, step)
        # The published document is the one just written (steps only read the VM).
        vm_id, target = vm.oid, t.target
        self.core.store.on_commit(conn, lambda: self._committed(vm_id, source, target, body, request,
                                                                outcome.message, now))
        return t

    def _host(self, conn: Connection, vm: VirtualMachine) -> Host | None:
        last = vm.last_history()
        return None if last is None else self.effects.host(conn, last.get_int("HID"))

    def _save(self, conn: Connection, vm: VirtualMachine, source: State) -> str:
        """Write the VM only if its row is still in ``source`` (compare-and-set); return its body."""
        body = vm.body()
        result = conn.execute(self._compare_and_set, {
            "w_oid": vm.oid, "w_state": int(source[0]), "w_lcm_state": int(source[1]), "body": body,
            **vm.columns()})
        if result.rowcount != 1:
            raise RequestError(ErrorCode.ACTION, f"VM {vm.oid} changed state meanwhile, try again", vm.oid)
        return body

    @functools.cached_property
    def _compare_and_set(self) -> sa.Update:
        # NOTE: built once, values bound at execution: SQLAlchemy's compiled cache then
        # skips rebuilding and hashing a statement on every transition.
        table = self.vms.table
        return sa.update(table).where(table.c.oid == sa.bindparam("w_oid"),
                                      table.c.state == sa.bindparam("w_state"),
                                      table.c.lcm_state == sa.bindparam("w_lcm_state"))

    def _committed(self, vm_id: int, source: State, target: State, body: str,
                   request: steps.StepRequest | None, message: str, now: float) -> None:
        self._serials[vm_id] = serial = next(self._counter)
        if message:
            self.vmlog.write(vm_id, now, "LCM", "E", message)
        if target != source:
            state, lcm = target
            if state is not source[0]:
                self.vmlog.write(vm_id, now, "VM", "I", f"New state is {state.name}")
            if lcm is not source[1] or state is VmState.ACTIVE and source[0] is not VmState.ACTIVE:
                self.vmlog.write(vm_id, now, "VM", "I", f"New LCM state is {lcm.name}")
            keys, payload = state_message("VM", vm_id, state.name, lcm.name, body)
            for key in keys:
                self.core.events.publish(key, payload)
        if request is not None:
            self._start(request, serial, target)

    # -- steps ------------------------------------------------------------------------
    def _start(self, request: steps.StepRequest, serial: int, expected: State) -> None:
        loop = self._loop
        if loop is None:
            # Not running: recovery at the next start runs the step the state waits for.
            return
        # NOTE: waking the loop costs a system call and a thread switch, paid under
        # the write lock; steps queue here and one wake-up starts all that came in.
        with self._starting_lock:
            self._starting.append((request, serial, expected))
            if self._wake_pending:
                return
            self._wake_pending = True
        loop.loop.call_soon_threadsafe(self._start_queued)

    def _start_queued(self) -> None:
        """On the driver loop: start every queued step."""
        with self._starting_lock:
            queued, self._starting = self._starting, []
            self._wake_pending = False
        for request, serial, expected in queued:
            asyncio.ensure_future(self._execute(request, serial, expected))

    async def _execute(self, request: steps.StepRequest, serial: int, expected: State) -> None:
        try:
            outcome = await steps.run(self.drivers, request)
            failed = False
        except DriverError as exc:
            outcome, failed = Outcome(message=str(exc)), True
        self._results.put(_Result(request.ctx.vm_id, serial, expected, outcome, failed))

    def _apply_results(self) -> None:
        """The applier thread: results in batches, until a None arrives."""
        while True:
            first = self._results.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self._results.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._results.put(None)
                    break
                batch.append(item)
            try:
                self._apply_batch(batch)
            except Exception:  # noqa: BLE001 - one bad batch must not stop the lifecycle
                log.exception("applying %d driver results failed", len(batch))

    def _apply_batch(self, batch: list[_Result]) -> None:
        with self.core.store.write() as conn:
            for result in batch:
                if self._serials.get(result.vm_id) != result.serial:
                    continue
                try:
                    vm = self.vms.get(conn, result.vm_id)
                except RequestError:
                    continue  # deleted meanwhile
                if (vm.state, vm.lcm_state) != result.expected:
                    continue
                event = Event.FAILURE if result.failed else Event.SUCCESS
                try:
                    with self.core.store.savepoint(conn):
                        self.transition(conn, vm, event, result.outcome)
                except (machine.NotAllowed, RequestError) as exc:
                    log.error("VM %d: cannot apply %s in %s: %s", vm.oid, event.value,
                              machine.state_name(result.expected), exc)

    # -- service ----------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        loop = DriverLoop("lcm-drivers")
        applier = threading.Thread(target=self._apply_results, name="lcm-results", daemon=True)
        loop.start()
        applier.start()
        self.vmlog.start()
        self._loop = loop
        try:
            self.recover()
            yield
        finally:
            # Steps cut short here leave their VMs in transient states: recover() at
            # the next start runs them again.
            self._loop = None
            loop.stop()
            self._results.put(None)
            applier.join(10)
            self.vmlog.stop()

    def recover(self) -> None:
        """Start again the step of every VM caught in a transient state (crash recovery).

        The state is the truth: a transition and its effects committed
        together or not at all, so only the driver work may be missing.
        """
        with self.core.store.read() as conn:
            table = self.vms.table
            for vm in self.vms.objects(conn, table.c.state == int(VmState.ACTIVE)):
                if self.restart_step(conn, vm):
                    log.info("VM %d: recovering %s", vm.oid, vm.lcm_state.name)

    def restart_step(self, conn: Connection, vm: VirtualMachine) -> bool:
        """Run again the step ``vm``'s state waits for; False when it waits for none."""
        last = vm.last_history()
        action = HistoryAction(last.get_int("ACTION")) if last is not None else HistoryAction.NONE
        step = machine.step_for((vm.state, vm.lcm_state), vm.prev_state, action)
        if step is None:
            return False
        request = step_request(self.core, conn, self.drivers, vm, self._host(conn, vm), step)
        self._serials[vm.oid] = serial = next(self._counter)
        self._start(request, serial, (vm.state, vm.lcm_state))
        return True
