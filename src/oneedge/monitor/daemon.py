"""The monitor daemon: host list from the core, agents on hosts, messages in, records and states out.

One asyncio loop. The core talks to the daemon through ``core_in`` (lines
of ``oneedge.monitor.link``) and hears from it through ``core_out``. Every
MANAGER_TIMER seconds the daemon checks its hosts: one silent for
MONITORING_INTERVAL_HOST goes to ERROR (HOST_STATE to the core) and its
agent is restarted; any valid message from it brings it back (MONITORED).
Records older than the expiration times are deleted on the same tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable

from lxml import etree

from oneedge.aio import background
from oneedge.db.store import Store
from oneedge.drivers.transport_factory import Transports
from oneedge.monitor import link, records
from oneedge.monitor.agents import AgentControl, AgentError
from oneedge.monitor.config import MonitorConfig
from oneedge.monitor.crypto import Keyring
from oneedge.monitor.hosts import HostEntry, HostTable, from_xml
from oneedge.monitor.link import LinkMessage, LinkType
from oneedge.monitor.listener import Listener
from oneedge.monitor.metrics import Figures, MetricsServer, render
from oneedge.monitor.receiver import Receiver
from oneedge.monitor.writer import RecordWriter
from oneedge.pool.host import HostState

log = logging.getLogger("oneedge.monitord")


class Monitord:
    def __init__(self, config: MonitorConfig, store: Store, transports: Transports,
                 core_out: Callable[[bytes], None]) -> None:
        self.config = config
        self.core_out = core_out
        self.hosts = HostTable()
        self.keyring = Keyring.load(config.prikey, lambda oid: oid in self.hosts.hosts) if config.prikey else None
        public_pem = config.pubkey.read_text() if config.pubkey else ""
        self.writer = RecordWriter(store)
        self.figures = Figures()
        self.receiver = Receiver(self.hosts, self.keyring, self)
        self.agents = AgentControl(config, transports, public_pem,
                                   self.keyring.host_secret if self.keyring else lambda oid: b"", config.port)
        self.listener = Listener(config.address, config.port, self.receiver.handle, self.hosts.known_source,
                                 self.receiver.max_line)
        self.metrics = MetricsServer(config.metrics_address, config.metrics_port, self.metrics_page)
        self.leader = True
        self._agent_ops: dict[int, asyncio.Task] = {}

    # -- receiver sink ----------------------------------------------------------------
    def host_record(self, host_id: int, timestamp: int, record: str, values: dict[str, str]) -> None:
        self.writer.host(host_id, timestamp, record)
        self.figures.host(host_id, values)

    def vm_record(self, host_id: int, vm_id: int, timestamp: int, record: str, values: dict[str, str]) -> None:
        self.writer.vm(vm_id, timestamp, record, records.vm_short_record(values))
        self.figures.vm(host_id, vm_id, values)

    def to_core(self, kind: LinkType, oid: int, data: str) -> None:
        self.core_out(link.encode(kind, oid, data))

    def host_alive(self, host: HostEntry) -> None:
        host.last_seen = time.monotonic()
        if host.error_reported or host.state is HostState.ERROR:
            host.error_reported = False
            host.state = HostState.MONITORED
            log.info("host %d is back", host.oid)
            self.to_core(LinkType.HOST_STATE, host.oid, "MONITORED")

    def host_failed(self, host: HostEntry, reason: str) -> None:
        if not host.error_reported:
            host.error_reported = True
            log.warning("host %d in ERROR: %s", host.oid, reason)
            self.to_core(LinkType.HOST_STATE, host.oid, f"ERROR {reason}")

    # -- core link --------------------------------------------------------------------------
    def managed(self, host: HostEntry) -> bool:
        return host.im_mad in self.config.im_mads

    async def on_core(self, message: LinkMessage) -> None:
        kind = message.type
        if kind is LinkType.UPDATE_HOST:
            await self._update(from_xml(message.data))
        elif kind is LinkType.HOST_LIST:
            listed = [from_xml(etree.tostring(node).decode()) for node in etree.fromstring(message.data.encode())]
            for gone in set(self.hosts.hosts) - {entry.oid for entry in listed}:
                self._delete(gone)
            for entry in listed:
                await self._update(entry)
        elif kind is LinkType.DEL_HOST:
            self._delete(message.oid)
        elif kind is LinkType.START_MONITOR and (host := self.hosts.get(message.oid)):
            self._agent(host, start=True)
        elif kind is LinkType.STOP_MONITOR and (host := self.hosts.get(message.oid)):
            self._agent(host, start=False)
        elif kind is LinkType.RAFT_STATUS:
            self.leader = message.data.strip() in ("LEADER", "SOLO")

    async def _update(self, entry: HostEntry) -> None:
        old = self.hosts.get(entry.oid)
        if old is None or old.name != entry.name:
            entry.addresses = await asyncio.to_thread(self._addresses, entry.name)
        entry = self.hosts.put(entry)
        if self.managed(entry) and entry.monitored != entry.agent_running:
            self._agent(entry, start=entry.monitored)

    def _delete(self, oid: int) -> None:
        host = self.hosts.remove(oid)
        self.figures.forget_host(oid)
        if host is not None and host.agent_running:
            self._agent(host, start=False)

    def _addresses(self, name: str) -> frozenset[str]:
        found = {"127.0.0.1", "::1"} if self.agents.is_local(name) else set()
        with contextlib.suppress(OSError):
            found |= {info[4][0] for info in socket.getaddrinfo(name, None)}
        return frozenset(found)

    # -- agents -----------------------------------------------------------------------------
    def _agent(self, host: HostEntry, start: bool) -> None:
        """Start (or restart) or stop the host's agent; one operation per host at a time."""
        mad = self.config.im_mads.get(host.im_mad)
        host.agent_running = start
        host.last_seen = time.monotonic()
        if mad is None or not mad.start_agent or not self.leader:
            return
        previous = self._agent_ops.get(host.oid)

        async def operate() -> None:
            if previous is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await previous
            try:
                if start:
                    await self.agents.start(host.oid, host.name, host.im_mad)
                else:
                    await self.agents.stop(host.oid, host.name)
            except AgentError as exc:
                self.host_failed(host, str(exc))

        task = asyncio.create_task(operate())
        self._agent_ops[host.oid] = task
        task.add_done_callback(lambda t, oid=host.oid: self._agent_ops.pop(oid, None) if self._agent_ops.get(oid) is t else None)

    async def tick(self) -> None:
        now = time.monotonic()
        interval = self.config.monitoring_interval_host
        for host in list(self.hosts.hosts.values()):
            if self.managed(host) and host.monitored and now - host.last_seen > interval:
                self.host_failed(host, f"no monitoring messages for {int(now - host.last_seen)} s")
                self._agent(host, start=True)
        await self.writer.expire(self.config.host_expiration, self.config.vm_expiration)

    # -- metrics ----------------------------------------------------------------------------
    def metrics_page(self) -> str:
        counters = [("one_monitord_messages_total", "Valid messages received, by type", {"type": t.name}, n)
                    for t, n in sorted(self.receiver.received.items())]
        counters += [("one_monitord_dropped_total", "Messages dropped, by reason", {"reason": r.value}, n)
                     for r, n in sorted(self.receiver.dropped.items(), key=lambda item: item[0].value)]
        counters.append(("one_monitord_records_written_total", "Monitoring records written", {}, self.writer.written))
        counters.append(("one_monitord_vm_documents_total", "VM documents given their latest record", {},
                         self.writer.documents))
        counters.append(("one_monitord_tcp_refused_total", "TCP connections refused", {}, self.listener.refused))
        states = {h.oid: (h.state.name, int(h.state)) for h in self.hosts.hosts.values()}
        return render(counters, self.figures, states)

    # -- running ----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async def timer() -> None:
            while True:
                await asyncio.sleep(self.config.manager_timer)
                try:
                    await self.tick()
                except Exception:  # noqa: BLE001 - the timer must outlive a failed tick
                    log.exception("monitor timer failed")

        async with self.writer.running(), self.listener.running(), self.metrics.running():
            try:
                async with background(timer()):
                    yield
            finally:
                await self._stop_agents()

    async def _stop_agents(self) -> None:
        """Stop the agents this daemon started, a few at a time."""
        for host in self.hosts.hosts.values():
            if host.agent_running and self.managed(host):
                self._agent(host, start=False)
        pending = list(self._agent_ops.values())
        if pending:
            await asyncio.wait(pending, timeout=30)
