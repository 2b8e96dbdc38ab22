"""The scheduler service: every SCHED_INTERVAL, or as soon as there is new work, place pending VMs.

A cycle runs in a worker thread, off the event loop: read the snapshot in one
read transaction, compute the plan (``placement.place``), write the
SCHED_MESSAGE of VMs that stay pending, then dispatch each placement through
the lifecycle's deploy (or migrate, for rescheduled VMs), as OpenNebula's
mm_sched calls one.vm.deploy and one.vm.migrate. A VM entering PENDING, a
host becoming MONITORED or a VM action (resched) wakes the loop at once;
events arriving during a cycle start the next one right after. A cycle that
hit MAX_DISPATCH or MAX_HOST is followed by another at once. A cycle's deploys are one
write transaction, each VM in a savepoint. Shutdown stops the loop between
two cycles and waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from oneedge.errors import RequestError
from oneedge.hm.bus import Subscription
from oneedge.hm.messages import api_message
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import VirtualMachine, VmState
from oneedge.rm.request import AuthUser, Request
from oneedge.scheduler.config import SchedulerSettings
from oneedge.scheduler.model import Failure, Placement, Plan, Snapshot
from oneedge.scheduler.placement import place
from oneedge.scheduler.snapshot import ViewCache, read_snapshot

if TYPE_CHECKING:
    from oneedge.nebula import Core

log = logging.getLogger("oneedge.scheduler")

#: Events after which pending VMs may find a place at once.
WAKE_PREFIXES = ("EVENT STATE VM/PENDING/", "EVENT STATE HOST/MONITORED/", "EVENT API one.vm.allocate 1",
                 "EVENT API one.template.instantiate 1", "EVENT API one.vm.action 1",
                 "EVENT API one.vm.release 1", "EVENT API one.vm.update 1")

#: The scheduler acts as oneadmin, as mm_sched authenticates with oneadmin's credentials.
ONEADMIN = AuthUser(0, 0, frozenset({0}), "oneadmin", "oneadmin")

#: Runs a cycle's placements, each applied or refused on its own: (placements, settings) -> the
#: refusals by VM ID.
Dispatch = Callable[[Sequence[Placement], SchedulerSettings], dict[int, RequestError]]


def sched_message(text: str, now: float | None = None) -> str:
    """USER_TEMPLATE/SCHED_MESSAGE as OpenNebula writes it: ctime, colon, text."""
    return f"{time.ctime(now)}: {text}"


class SchedulerService:
    def __init__(self, core: Core, settings: SchedulerSettings, dispatch: Dispatch) -> None:
        self.core = core
        self.settings = settings
        self.dispatch = dispatch
        self._stopping = threading.Event()
        self._views = ViewCache()
        #: Completed cycles, for tests and logs.
        self.cycles = 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        subscription = self.core.events.subscribe("EVENT ", accepts=lambda key: key.startswith(WAKE_PREFIXES))
        task = asyncio.create_task(self._loop(subscription), name="scheduler")
        try:
            yield
        finally:
            self._stopping.set()
            await task
            subscription.close()

    async def _loop(self, subscription: Subscription) -> None:
        while not self._stopping.is_set():
            try:
                plan = await asyncio.to_thread(self.cycle)
            except Exception:  # noqa: BLE001 - a failed cycle must not end scheduling
                log.exception("scheduling cycle failed")
                plan = Plan((), ())
            if not _limited(plan):
                await self._wait(subscription)

    async def _wait(self, subscription: Subscription) -> None:
        """Until SCHED_INTERVAL passes, a waking event arrives or the service stops."""
        deadline = time.monotonic() + self.settings.interval
        while not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            # NOTE: a short timeout so shutdown is noticed without another thread to wake us.
            if await asyncio.to_thread(subscription.get, min(remaining, 0.2)) is not None:
                while subscription.get(0) is not None:
                    pass  # one cycle serves every event queued so far
                return

    @classmethod
    def build(cls, core: Core) -> SchedulerService | None:
        """The scheduler of the home's sched.conf, dispatching through the lifecycle; None if disabled."""
        from oneedge.rm.api.vm_actions import VirtualMachineActionsAPI

        settings = SchedulerSettings.load(core.home)
        if not settings.enabled:
            return None
        actions = core.api(VirtualMachineActionsAPI)

        def dispatch(placements: Sequence[Placement], settings: SchedulerSettings) -> dict[int, RequestError]:
            refused: dict[int, RequestError] = {}
            deploys = [p for p in placements if not p.resched]
            if deploys:
                # NOTE: one transaction for the cycle's deploys, a savepoint each: a refused
                # one changes nothing, and the write lock is taken once instead of per VM.
                with core.store.write() as conn:
                    for p in deploys:
                        try:
                            with core.store.savepoint(conn):
                                actions.deploy_in(conn, Request(core, ONEADMIN, "one.vm.deploy"), p.vm_id,
                                                  p.host_id, False, p.ds_id)
                        except RequestError as exc:
                            refused[p.vm_id] = exc
            for p in placements:
                if p.resched:
                    try:
                        actions.migrate(Request(core, ONEADMIN, "one.vm.migrate"), p.vm_id, p.host_id,
                                        settings.live_rescheds, False, p.ds_id, settings.cold_migrate_mode)
                    except RequestError as exc:
                        refused[p.vm_id] = exc
            return refused

        return cls(core, settings, dispatch)

    # -- one cycle, in a worker thread -------------------------------------------------------
    def cycle(self) -> Plan:
        with self.core.store.read() as conn:
            snapshot = read_snapshot(conn, self.core.pools, self.core.acl, self.settings, self._views)
        if not snapshot.vms:
            self.cycles += 1
            return Plan((), ())
        started = time.perf_counter()
        plan = place(snapshot, self.settings)
        log.info("%d pending VMs, %d hosts: %d placed, %d not, in %.3f s", len(snapshot.vms),
                 len(snapshot.hosts), len(plan.placements), len(plan.unplaced), time.perf_counter() - started)
        self.write_messages(snapshot, plan)
        if not self._stopping.is_set():
            refused = self.dispatch(plan.placements, self.settings)
            for placement in plan.placements:
                self._published(placement, refused.get(placement.vm_id))
        self.cycles += 1
        return plan

    def write_messages(self, snapshot: Snapshot, plan: Plan) -> None:
        """Set SCHED_MESSAGE on VMs left pending (when its text changes) and clear it on placed ones."""
        current = {vm.id: vm.sched_message for vm in snapshot.vms}
        changes: dict[int, str | None] = {}
        for unplaced in plan.unplaced:
            old = current.get(unplaced.vm_id, "")
            if unplaced.message and old.partition(": ")[2] != unplaced.message:
                changes[unplaced.vm_id] = sched_message(unplaced.message)
        for placement in plan.placements:
            if current.get(placement.vm_id):
                changes[placement.vm_id] = None
        if not changes:
            return
        pool = self.core.pools[ObjectType.VM]
        with self.core.store.write() as conn:
            for vm_id, message in changes.items():
                try:
                    vm: VirtualMachine = pool.get(conn, vm_id)
                except RequestError:
                    continue  # deleted since the snapshot
                template = vm.user_template
                if message is None:
                    template.remove("SCHED_MESSAGE")
                elif vm.state is VmState.PENDING or vm.get_int("RESCHED") == 1:
                    template.set("SCHED_MESSAGE", message)
                else:
                    continue
                vm.user_template = template
                pool.update(conn, vm)

    def _published(self, placement: Placement, error: RequestError | None) -> None:
        """Log a refused placement and publish the API call it stands for."""
        method = "one.vm.migrate" if placement.resched else "one.vm.deploy"
        params: tuple[object, ...] = (placement.vm_id, placement.host_id, False, placement.ds_id)
        response: list[object] = [True, placement.vm_id, 0]
        if error is not None:
            log.error("Error deploying virtual machine %d to HID: %d. Reason: %s", placement.vm_id,
                      placement.host_id, error.message)
            response = [False, f"[{method}] {error.message}", int(error.code)]
        # NOTE: OpenNebula's scheduler dispatches through XML-RPC, so API hooks and
        # subscribers see these calls; in process they are published here.
        self.core.events.publish(f"EVENT API {method} {int(bool(response[0]))}",
                                 lambda: api_message(method, params, response)[1])


def _limited(plan: Plan) -> bool:
    """Whether the cycle stopped short only because of MAX_DISPATCH or MAX_HOST while it
    placed VMs: then the next cycle runs at once instead of after SCHED_INTERVAL (the
    limits spread a burst over hosts and cycles; they are not meant to slow it down)."""
    return bool(plan.placements) and any(
        u.failure in (Failure.DISPATCH_LIMIT, Failure.NOT_DISPATCHED) for u in plan.unplaced)
