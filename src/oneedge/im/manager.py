"""Monitoring hosts through their IM_MAD (OpenNebula's InformationManager, simplified).

A loop on its own thread monitors every host of a configured IM_MAD that is due: new hosts (INIT)
at once, the others every ``MONITORING_INTERVAL_HOST`` seconds; OFFLINE
hosts are left alone. A successful monitor records the capacity in
HOST_SHARE (MAX_* after reservations, through ``HostAPI.apply_reservations``)
and moves INIT or ERROR to MONITORED; a failure moves the host to ERROR
with the driver's message in its TEMPLATE/ERROR and its RUNNING VMs to
UNKNOWN, which come back to RUNNING when the host does. Host state
changes are published on the event bus after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, AsyncIterator

from sqlalchemy.engine import Connection

from oneedge.drivers.base import DriverError
from oneedge.drivers.loop import DriverLoop
from oneedge.drivers.requests import HostMonitor
from oneedge.drivers.runner import DriverPool
from oneedge.hm.messages import state_message
from oneedge.lcm.effects import log_time
from oneedge.lcm.events import Event
from oneedge.lcm.machine import NotAllowed
from oneedge.lcm.requests import host_context
from oneedge.pool.host import Host, HostState
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import LcmState, VmState
from oneedge.rm.api.host import HostAPI

if TYPE_CHECKING:
    from oneedge.lcm.manager import LifeCycleManager
    from oneedge.nebula import Core

log = logging.getLogger("oneedge.im")

#: How often the loop looks for hosts that are due, seconds.
TICK = 0.2
_UNMONITORED = {HostState.OFFLINE}
#: States a successful monitor leaves (to MONITORED); DISABLED stays DISABLED.
_TO_MONITORED = {HostState.INIT, HostState.ERROR, HostState.MONITORING_INIT, HostState.MONITORING_ERROR,
                 HostState.MONITORING_MONITORED, HostState.MONITORED}


class InformationManager:
    def __init__(self, core: Core, drivers: DriverPool, lcm: LifeCycleManager, interval: float) -> None:
        self.core = core
        self.drivers = drivers
        self.lcm = lcm
        self.interval = interval
        self._last: dict[int, float] = {}
        self._busy: set[int] = set()

    @property
    def hosts(self):
        return self.core.pools[ObjectType.HOST]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        loop = DriverLoop("im")
        loop.start()
        loop.submit(self._loop())
        try:
            yield
        finally:
            loop.stop()

    async def _loop(self) -> None:
        while True:
            now = time.monotonic()
            with self.core.store.read() as conn:
                due = [h for h in self.hosts.objects(conn) if self._due(h, now)]
            for host in due:
                self._busy.add(host.oid)
                asyncio.ensure_future(self._monitor(host))
            await asyncio.sleep(TICK)

    def _due(self, host: Host, now: float) -> bool:
        # Hosts of IM drivers oned.conf does not configure here are left to the
        # monitoring daemon (oneedge.monitor) and its agents.
        if host.state in _UNMONITORED or host.oid in self._busy or not self.drivers.has("im", host.im_mad):
            return False
        last = self._last.get(host.oid)
        return host.state is HostState.INIT or last is None or now - last >= self.interval

    async def _monitor(self, host: Host) -> None:
        try:
            runner = self.drivers.runner("im", host.im_mad)
            result: HostMonitor | str = await runner.call("monitor", lambda d: d.monitor(host_context(host)))
        except DriverError as exc:
            result = str(exc)
        except asyncio.CancelledError:
            raise
        try:
            await asyncio.to_thread(self.record, host.oid, result)
        finally:
            self._last[host.oid] = time.monotonic()
            self._busy.discard(host.oid)

    def record(self, host_id: int, result: HostMonitor | str) -> None:
        """Apply a monitoring result (or the error message) to the host, in one transaction."""
        with self.core.store.write() as conn:
            if not self.hosts.exists(conn, host_id):
                return
            host: Host = self.hosts.get(conn, host_id)
            old = host.state
            template = host.template
            if isinstance(result, str):
                if old is not HostState.DISABLED:
                    host.set_state(HostState.ERROR)
                template.set("ERROR", f"{log_time(time.time())} : {result}")
                host.template = template
            else:
                template.remove("ERROR")
                for name, value in (("TOTALCPU", result.total_cpu), ("TOTALMEMORY", result.total_memory),
                                    ("USEDCPU", result.used_cpu), ("USEDMEMORY", result.used_memory),
                                    *result.attributes.items()):
                    template.set(name, str(value))
                host.template = template
                host.set_capacity(result.total_cpu, result.total_memory)
                self.core.api(HostAPI).apply_reservations(conn, host)
                host.set_datastores(result.max_disk, result.free_disk, result.max_disk - result.free_disk)
                if old in _TO_MONITORED:
                    host.set_state(HostState.MONITORED)
            self.hosts.update(conn, host)
            if host.state is not old:
                self.state_changed(conn, host)

    def state_changed(self, conn: Connection, host: Host) -> None:
        """``host`` was saved in a new state in ``conn``: its VMs follow and the change is published
        after commit. Also for the states the monitor daemon reports (``oneedge.monitor.core_link``)."""
        self._vms_follow(conn, host)
        body, state, host_id = host.body(), host.state, host.oid
        self.core.store.on_commit(conn, lambda: self._publish(host_id, state, body))

    def _vms_follow(self, conn: Connection, host: Host) -> None:
        """Running VMs of a failed host are UNKNOWN; they are RUNNING again when it recovers."""
        event, wanted = (Event.MONITOR_LOST, LcmState.RUNNING) if host.state is HostState.ERROR else \
            (Event.MONITOR_FOUND, LcmState.UNKNOWN)
        vms = self.core.pools[ObjectType.VM]
        for vm_id in sorted(host.vms):
            if not vms.exists(conn, vm_id):
                continue
            vm = vms.get(conn, vm_id)
            if (vm.state, vm.lcm_state) == (VmState.ACTIVE, wanted):
                try:
                    self.lcm.transition(conn, vm, event)
                except NotAllowed:
                    log.error("VM %d: %s refused in %s", vm_id, event.value, wanted.name)

    def _publish(self, host_id: int, state: HostState, body: str) -> None:
        keys, payload = state_message("HOST", host_id, state.name, None, body)
        for key in keys:
            self.core.events.publish(key, payload)
