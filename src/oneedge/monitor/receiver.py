"""Agent messages in, validated and dispatched: records to the writer, states and system data to the core.

Checks run cheapest first: size, source address, header, host, replay,
then base64, unsealing, zlib and probe data. Whatever fails is dropped,
counted by :class:`DropReason` and logged (at most once a minute per
reason and source, so a flood cannot fill the log); nothing is written for
it and nothing raises out of :meth:`Receiver.handle`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import zlib
from collections import Counter
from typing import Protocol

from oneedge.monitor import probe_data, records
from oneedge.monitor.hosts import HostEntry, HostTable
from oneedge.monitor.link import LinkType
from oneedge.monitor.protocol import DropReason, Dropped, Message, MessageType, Opener, decode_payload, parse_header

log = logging.getLogger("oneedge.monitord")

#: A timestamp further ahead than this is refused: it would lock out the host's real messages.
MAX_SKEW = 300
_VM_NUMBERS = ("CPU", "MEMORY", "NETRX", "NETTX", "DISKRDBYTES", "DISKWRBYTES", "DISKRDIOPS", "DISKWRIOPS")


class Sink(Protocol):
    """Where valid messages go (the daemon)."""

    def host_record(self, host_id: int, timestamp: int, record: str, values: dict[str, str]) -> None: ...
    def vm_record(self, host_id: int, vm_id: int, timestamp: int, record: str, values: dict[str, str]) -> None: ...
    def to_core(self, kind: LinkType, oid: int, data: str) -> None: ...
    def host_alive(self, host: HostEntry) -> None: ...
    def host_failed(self, host: HostEntry, reason: str) -> None: ...


class Receiver:
    def __init__(self, hosts: HostTable, opener: Opener | None, sink: Sink, max_line: int = 1 << 20,
                 max_data: int = 4 << 20) -> None:
        self.hosts = hosts
        self.opener = opener
        self.sink = sink
        self.max_line = max_line
        self.max_data = max_data
        self.received: Counter[MessageType] = Counter()
        self.dropped: Counter[DropReason] = Counter()
        self._logged: dict[tuple[DropReason, str], float] = {}

    def handle(self, line: bytes, source: str) -> None:
        try:
            message = self._accept(line, source)
            self._dispatch(message)
        except Dropped as exc:
            self._drop(exc, source)
        except Exception:  # noqa: BLE001 - one bad message must never stop the daemon
            log.exception("message from %s could not be processed", source)
            self._drop(Dropped(DropReason.BAD_DATA, "processing failed"), source)

    def _drop(self, exc: Dropped, source: str) -> None:
        self.dropped[exc.reason] += 1
        now = time.monotonic()
        key = (exc.reason, source)
        if now - self._logged.get(key, -60.0) >= 60.0:
            self._logged[key] = now
            if len(self._logged) > 10000:
                self._logged.clear()
            log.warning("dropped message from %s: %s", source, exc)

    def _accept(self, line: bytes, source: str) -> Message:
        if len(line) > self.max_line:
            raise Dropped(DropReason.TOO_LARGE, f"{len(line)} bytes")
        if not self.hosts.known_source(source):
            raise Dropped(DropReason.UNKNOWN_SOURCE, "address of no host")
        header, payload = parse_header(line)
        host = self.hosts.get(header.host_id)
        if host is None:
            raise Dropped(DropReason.UNKNOWN_HOST, f"host {header.host_id}")
        if source not in host.addresses:
            raise Dropped(DropReason.WRONG_HOST, f"claims host {header.host_id}, not its address")
        digest = zlib.crc32(payload)
        last, seen = host.last_ts.get(header.type, (0, set()))
        if header.timestamp < last or (header.timestamp == last and digest in seen):
            raise Dropped(DropReason.REPLAY, f"timestamp {header.timestamp}, last {last}")
        if header.timestamp > time.time() + MAX_SKEW:
            raise Dropped(DropReason.REPLAY, f"timestamp {header.timestamp} is in the future")
        message = Message(header, decode_payload(header, payload, self.opener, self.max_data))
        if header.timestamp > last:
            host.last_ts[header.type] = (header.timestamp, {digest})
        else:
            seen.add(digest)
        return message

    def _dispatch(self, message: Message) -> None:
        host = self.hosts.get(message.host_id)
        if host is None:
            return
        kind = message.type
        self.received[kind] += 1
        if kind is MessageType.LOG:
            log.info("host %d: %s", host.oid, message.data.strip())
            return
        if not message.ok:
            if kind in (MessageType.BEACON_HOST, MessageType.MONITOR_HOST, MessageType.SYSTEM_HOST):
                self.sink.host_failed(host, message.data.strip() or f"{kind.name} failed")
            else:
                log.warning("host %d: %s failed: %s", host.oid, kind.name, message.data.strip())
            return
        try:
            pairs = list(probe_data.attributes(message.data))
        except ValueError as exc:
            raise Dropped(DropReason.BAD_DATA, str(exc)) from None
        self.sink.host_alive(host)
        ts = message.header.timestamp
        if kind is MessageType.MONITOR_HOST:
            self.sink.host_record(host.oid, ts, records.host_record(host.oid, ts, pairs), probe_data.single(pairs))
        elif kind is MessageType.SYSTEM_HOST:
            self.sink.to_core(LinkType.HOST_SYSTEM, host.oid, message.data)
        elif kind is MessageType.STATE_VM:
            self.sink.to_core(LinkType.VM_STATE, host.oid, message.data)
        elif kind is MessageType.MONITOR_VM:
            self._vms(host.oid, ts, probe_data.vectors(pairs, "VM"))

    def _vms(self, host_id: int, ts: int, vms: list[dict[str, str]]) -> None:
        for vm in vms:
            try:
                vm_id = int(vm.get("ID", "-1"))
                data = base64.b64decode(vm.get("MONITOR", ""), validate=True).decode()
                pairs = list(probe_data.attributes(data))
            except (ValueError, binascii.Error, UnicodeDecodeError):
                self.dropped[DropReason.BAD_DATA] += 1
                continue
            if vm_id < 0:
                continue  # a VM the front-end did not create (wild): not monitored
            if not records.numeric(pairs, _VM_NUMBERS):
                self.dropped[DropReason.BAD_DATA] += 1
                continue
            self.sink.vm_record(host_id, vm_id, ts, records.vm_record(vm_id, ts, pairs), probe_data.single(pairs))
