"""The daemon's view of the hosts: what the core told it, plus what it heard from each agent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from lxml import etree

from oneedge.monitor.protocol import MessageType
from oneedge.pool.host import HostState


@dataclass
class HostEntry:
    oid: int
    name: str
    state: HostState
    im_mad: str
    #: Source addresses its agent's messages may come from.
    addresses: frozenset[str] = frozenset()
    #: time.monotonic() of the last valid message (or of the agent's start).
    last_seen: float = field(default_factory=time.monotonic)
    #: Per message type: the last timestamp accepted and digests of payloads seen at that second.
    last_ts: dict[MessageType, tuple[int, set[int]]] = field(default_factory=dict)
    #: Whether the daemon reported this host in ERROR and has not seen it since.
    error_reported: bool = False
    agent_running: bool = False

    @property
    def monitored(self) -> bool:
        """Whether the host should run an agent (every state but OFFLINE, as OpenNebula's monitord)."""
        return self.state is not HostState.OFFLINE


def from_xml(body: str) -> HostEntry:
    root = etree.fromstring(body.encode())
    return HostEntry(int(root.findtext("ID")), root.findtext("NAME") or "", HostState(int(root.findtext("STATE"))),
                     root.findtext("IM_MAD") or "")


class HostTable:
    def __init__(self) -> None:
        self.hosts: dict[int, HostEntry] = {}
        self._sources: dict[str, int] = {}

    def get(self, oid: int) -> HostEntry | None:
        return self.hosts.get(oid)

    def put(self, entry: HostEntry) -> HostEntry:
        """Add a host or update it from the core's document; keeps what the agents told."""
        old = self.hosts.get(entry.oid)
        if old is not None:
            self._unindex(old)
            entry.last_seen, entry.last_ts = old.last_seen, old.last_ts
            entry.error_reported, entry.agent_running = old.error_reported, old.agent_running
            if not entry.addresses:
                entry.addresses = old.addresses
        self.hosts[entry.oid] = entry
        self._index(entry)
        return entry

    def set_addresses(self, entry: HostEntry, addresses: frozenset[str]) -> None:
        self._unindex(entry)
        entry.addresses = addresses
        self._index(entry)

    def remove(self, oid: int) -> HostEntry | None:
        entry = self.hosts.pop(oid, None)
        if entry is not None:
            self._unindex(entry)
        return entry

    def known_source(self, address: str) -> bool:
        return address in self._sources

    def _index(self, entry: HostEntry) -> None:
        for address in entry.addresses:
            self._sources[address] = self._sources.get(address, 0) + 1

    def _unindex(self, entry: HostEntry) -> None:
        for address in entry.addresses:
            count = self._sources.get(address, 0) - 1
            if count > 0:
                self._sources[address] = count
            else:
                self._sources.pop(address, None)
