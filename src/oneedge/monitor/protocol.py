"""Monitor messages: ``TYPE STATUS OBJECT_ID TIMESTAMP PAYLOAD`` lines (OpenNebula 6.10's order).

Pure functions, no I/O. :func:`parse` turns a received line into a
:class:`Message` or raises :class:`Dropped` with the :class:`DropReason`
that the daemon counts and logs; it never raises anything else, whatever
the bytes. PAYLOAD is base64 of the zlib-compressed data, sealed first when
the daemon has keys (``oneedge.monitor.crypto``).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Protocol


class MessageType(IntEnum):
    """``MonitorDriverMessages`` (src/monitor/include/MonitorDriverMessages.h); numbers are OpenNebula's."""

    MONITOR_VM = 3
    BEACON_HOST = 4
    MONITOR_HOST = 5
    SYSTEM_HOST = 6
    STATE_VM = 7
    START_MONITOR = 8
    STOP_MONITOR = 9
    LOG = 10


#: What agents may send to the daemon.
AGENT_TYPES = frozenset({MessageType.MONITOR_VM, MessageType.BEACON_HOST, MessageType.MONITOR_HOST,
                         MessageType.SYSTEM_HOST, MessageType.STATE_VM, MessageType.LOG})


class DropReason(Enum):
    """Why a received message was dropped; each is a counter in the metrics."""

    TRUNCATED = "truncated"
    UNKNOWN_TYPE = "unknown_type"
    BAD_HEADER = "bad_header"
    BAD_BASE64 = "bad_base64"
    BAD_ZLIB = "bad_zlib"
    TOO_LARGE = "too_large"
    DECRYPT = "decrypt"
    NOT_SEALED = "not_sealed"
    UNKNOWN_HOST = "unknown_host"
    WRONG_HOST = "wrong_host"
    REPLAY = "replay"
    UNKNOWN_SOURCE = "unknown_source"
    BAD_DATA = "bad_data"


class Dropped(Exception):
    def __init__(self, reason: DropReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Header:
    type: MessageType
    status: str
    host_id: int
    timestamp: int

    def wire(self) -> bytes:
        return f"{self.type.name} {self.status} {self.host_id} {self.timestamp}".encode()


@dataclass(frozen=True)
class Message:
    header: Header
    data: str

    @property
    def type(self) -> MessageType:
        return self.header.type

    @property
    def host_id(self) -> int:
        return self.header.host_id

    @property
    def ok(self) -> bool:
        return self.header.status == "SUCCESS"


class Opener(Protocol):
    """Unseals a payload for a header, raising :class:`Dropped` (``DECRYPT``/``WRONG_HOST``/``NOT_SEALED``)."""

    def open(self, header: Header, sealed: bytes) -> bytes: ...


_TYPES = {t.name: t for t in AGENT_TYPES}


def parse_header(line: bytes) -> tuple[Header, bytes]:
    """The header and the still-encoded payload of a line (with or without its newline)."""
    if not line.endswith(b"\n"):
        raise Dropped(DropReason.TRUNCATED, "no end of line")
    parts = line[:-1].split(b" ", 4)
    if len(parts) < 4:
        raise Dropped(DropReason.TRUNCATED, f"{len(parts)} fields")
    kind = _TYPES.get(parts[0].decode("ascii", "replace"))
    if kind is None:
        raise Dropped(DropReason.UNKNOWN_TYPE, repr(parts[0][:32]))
    status = parts[1].decode("ascii", "replace")
    try:
        host_id, timestamp = int(parts[2]), int(parts[3])
    except ValueError:
        raise Dropped(DropReason.BAD_HEADER, "ID or timestamp not a number") from None
    if status not in ("SUCCESS", "FAILURE") or host_id < 0 or timestamp < 0:
        raise Dropped(DropReason.BAD_HEADER, f"status {status!r}, ID {host_id}, timestamp {timestamp}")
    return Header(kind, status, host_id, timestamp), parts[4] if len(parts) == 5 else b""


def decode_payload(header: Header, payload: bytes, opener: Opener | None, max_data: int) -> str:
    """base64 -> (unseal) -> zlib, with at most ``max_data`` bytes of decompressed data."""
    if not payload.strip():
        if opener is not None:
            raise Dropped(DropReason.NOT_SEALED, "empty payload")
        return ""
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise Dropped(DropReason.BAD_BASE64) from None
    if opener is not None:
        raw = opener.open(header, raw)
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, max_data)
    except zlib.error as exc:
        raise Dropped(DropReason.BAD_ZLIB, str(exc)) from None
    if inflater.unconsumed_tail:
        raise Dropped(DropReason.TOO_LARGE, f"data over {max_data} bytes")
    if not inflater.eof:
        raise Dropped(DropReason.BAD_ZLIB, "incomplete stream")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise Dropped(DropReason.BAD_DATA, "not UTF-8") from None


def parse(line: bytes, opener: Opener | None, max_data: int = 4 << 20) -> Message:
    header, payload = parse_header(line)
    return Message(header, decode_payload(header, payload, opener, max_data))
