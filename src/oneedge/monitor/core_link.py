"""The core's side of monitoring: runs ``oneedge monitord`` and applies what it reports.

``MonitorService`` (a ``Core.services`` entry) starts the daemon as a child
process, sends it RAFT_STATUS and the host list, then an UPDATE_HOST or
DEL_HOST whenever a host's name, state or IM_MAD changes (checked after
every ``one.host.*`` call and every ``RESYNC`` seconds). What the daemon
reports is applied by :class:`CoreLink` in one ``core.store.write()``
transaction per message:

- HOST_STATE: ERROR (with the reason in the template's ERROR) or MONITORED;
  disabled and offline hosts are left alone.
- HOST_SYSTEM: template attributes, capacity (reservations applied),
  datastores, NUMA topology and PCI devices (``system_info``); an INIT or
  ERROR host becomes MONITORED.
- VM_STATE: each VM follows its reported state through the lifecycle
  (``oneedge.lcm.monitor.apply_reported``): RUNNING -> POWEROFF, UNKNOWN ->
  RUNNING...; a full report (SYNC_STATE) covers the host's VMs missing from it.

Host state changes go through the lifecycle's information manager
(``InformationManager.state_changed``), as its own monitoring does: the
host's VMs follow (RUNNING -> UNKNOWN on ERROR, back on MONITORED) and the
change is published on ``core.events``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import sqlalchemy as sa

from oneedge.aio import background
from oneedge.errors import RequestError
from oneedge.im.manager import InformationManager
from oneedge.lcm.effects import log_time
from oneedge.lcm.monitor import apply_reported
from oneedge.monitor import link, probe_data, system_info
from oneedge.monitor.link import LinkMessage, LinkType
from oneedge.pool.host import Host, HostState
from oneedge.pool.types import ObjectType

if TYPE_CHECKING:
    from oneedge.nebula import Core

log = logging.getLogger("oneedge.monitor")

RESYNC = 30.0


class CoreLink:
    """Applies the daemon's messages to the core's documents (blocking: call from a thread)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        found = [s for s in core.services if isinstance(s, InformationManager)]
        if not found:
            raise LookupError("monitoring needs the lifecycle's information manager in core.services")
        self.im: InformationManager = found[0]

    @property
    def hosts(self):
        return self.core.pools[ObjectType.HOST]

    def apply(self, message: LinkMessage) -> None:
        handler = {LinkType.HOST_STATE: self.host_state, LinkType.HOST_SYSTEM: self.host_system,
                   LinkType.VM_STATE: self.vm_state}.get(message.type)
        if handler is None:
            log.warning("unexpected message from the monitor daemon: %s", message.type.name)
            return
        handler(message.oid, message.data)

    def host_state(self, host_id: int, data: str) -> None:
        name, _, reason = data.strip().partition(" ")
        new = HostState[name]
        with self.core.store.write() as conn:
            if not self.hosts.exists(conn, host_id):
                return
            host: Host = self.hosts.get(conn, host_id)
            if host.state in (HostState.OFFLINE, HostState.DISABLED) or host.state is new:
                return
            host.set_state(new)
            template = host.template
            if new is HostState.ERROR:
                template.set("ERROR", f"{log_time(time.time())} : {reason}")
            else:
                template.remove("ERROR")
            host.template = template
            self.hosts.update(conn, host)
            self.im.state_changed(conn, host)
        log.info("host %d is %s%s", host_id, new.name, f": {reason}" if reason else "")

    def host_system(self, host_id: int, data: str) -> None:
        from oneedge.rm.api.host import HostAPI

        pairs = list(probe_data.attributes(data))
        with self.core.store.write() as conn:
            if not self.hosts.exists(conn, host_id):
                return
            host: Host = self.hosts.get(conn, host_id)
            if host.state is HostState.OFFLINE:
                return
            system_info.apply(host, pairs)
            self.core.api(HostAPI).apply_reservations(conn, host)
            changed = host.state in (HostState.INIT, HostState.ERROR)
            if changed:
                host.set_state(HostState.MONITORED)
            self.hosts.update(conn, host)
            if changed:
                self.im.state_changed(conn, host)

    def vm_state(self, host_id: int, data: str) -> None:
        """Each reported VM still placed on the host follows its state; on a full report
        (SYNC_STATE=YES) the host's VMs missing from it are MISSING_STATE (POWEROFF or UNKNOWN)."""
        pairs = list(probe_data.attributes(data))
        reported: dict[int, str] = {}
        for vm in probe_data.vectors(pairs, "VM"):
            with contextlib.suppress(ValueError):
                reported[int(vm.get("ID", "-1"))] = vm.get("STATE", "")
        single = probe_data.single(pairs)
        vm_pool = self.core.pools[ObjectType.VM]
        with self.core.store.write() as conn:
            if single.get("SYNC_STATE", "").upper() == "YES" and self.hosts.exists(conn, host_id):
                missing = "FAILURE" if single.get("MISSING_STATE", "POWEROFF").upper() == "UNKNOWN" else "POWEROFF"
                for vm_id in self.hosts.get(conn, host_id).vms - reported.keys():
                    reported[vm_id] = missing
            for vm_id, state in sorted(reported.items()):
                if vm_id < 0 or not vm_pool.exists(conn, vm_id):
                    continue  # wild VMs (not created by the front-end) are not followed
                vm = vm_pool.get(conn, vm_id)
                placed = vm.last_history()
                if placed is None or placed.get_int("HID") != host_id:
                    continue  # the VM is no longer on that host
                try:
                    with conn.begin_nested():
                        apply_reported(self.im.lcm, conn, vm, state)
                except RequestError as exc:  # it changed state meanwhile: the next report decides
                    log.info("VM %d: reported %s not applied: %s", vm_id, state, exc)

    def host_rows(self, sent: dict[int, tuple[str, int]]) -> tuple[dict[int, tuple[str, int]], dict[int, str]]:
        """Every host's (name, state) and the bodies of those the daemon does not know as they are
        (``sent``). Bodies are read only for those: IM_MAD is fixed at allocation, so name and
        state columns tell what changed, and a full read of a large fleet's documents after each
        report slowed the API down."""
        t = self.hosts.table
        with self.core.store.read() as conn:
            keys = {oid: (name, state) for oid, name, state in conn.execute(sa.select(t.c.oid, t.c.name, t.c.state))}
            changed = sorted(oid for oid, key in keys.items() if sent.get(oid) != key)
            bodies: dict[int, str] = {}
            for start in range(0, len(changed), 500):
                bodies.update(conn.execute(sa.select(t.c.oid, t.c.body)
                                           .where(t.c.oid.in_(changed[start:start + 500]))).tuples().all())
        return keys, bodies


class MonitorService:
    """Runs the monitor daemon beside the API, for ``Core.services``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.link = CoreLink(core)
        #: What the daemon knows of each host: (name, state).
        self._sent: dict[int, tuple[str, int]] = {}
        self._dirty = asyncio.Event()

    async def _sync(self, process: asyncio.subprocess.Process) -> None:
        keys, bodies = await asyncio.to_thread(self.link.host_rows, dict(self._sent))
        lines = []
        for gone in set(self._sent) - keys.keys():
            lines.append(link.encode(LinkType.DEL_HOST, gone))
            del self._sent[gone]
        for oid, body in bodies.items():
            if oid in keys:
                self._sent[oid] = keys[oid]
                lines.append(link.encode(LinkType.UPDATE_HOST, oid, body))
        if lines:
            process.stdin.write(b"".join(lines))
            await process.stdin.drain()

    async def _apply(self, process: asyncio.subprocess.Process) -> None:
        while line := await process.stdout.readline():
            try:
                message = link.decode(line)
                await asyncio.to_thread(self.link.apply, message)
                if message.type is not LinkType.VM_STATE:  # a host's state may have changed
                    self._dirty.set()
            except Exception:  # noqa: BLE001 - one bad report must not stop monitoring
                log.exception("cannot apply %r from the monitor daemon", line[:80])
        log.error("the monitor daemon exited (see monitor.log)")

    async def _run(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "oneedge", "monitord", "--home", str(self.core.home),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=64 << 20)
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), 60)
            if not ready.startswith(b"READY"):
                log.error("the monitor daemon did not start (see monitor.log)")
                return
            process.stdin.write(link.encode(LinkType.RAFT_STATUS, -1, "SOLO"))
            subscription = self.core.events.subscribe("EVENT API one.host.", size=1000)
            applying = asyncio.create_task(self._apply(process))
            try:
                while not applying.done():
                    await self._sync(process)
                    self._dirty.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wait(subscription), RESYNC)
            finally:
                subscription.close()
                applying.cancel()
        finally:
            if process.returncode is None:
                process.stdin.close()
                try:
                    await asyncio.wait_for(process.wait(), 40)
                except asyncio.TimeoutError:
                    process.kill()
                    await process.wait()

    async def _wait(self, subscription) -> None:
        """Until a host API call or a daemon report may have changed what the daemon must know."""
        while not self._dirty.is_set():
            if await asyncio.to_thread(subscription.get, 0.5) is not None:
                return

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with background(self._run()):
            yield
