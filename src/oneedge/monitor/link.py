"""Messages between the monitor daemon and the core, one per line on the daemon's stdin/stdout.

OpenNebula's ``im_msg_t`` (ProtocolMessages.h): ``TYPE STATUS OID PAYLOAD``,
PAYLOAD base64 of the zlib-compressed data, no timestamp. Core to daemon:
HOST_LIST, UPDATE_HOST, DEL_HOST, START_MONITOR, STOP_MONITOR, RAFT_STATUS;
daemon to core: HOST_STATE, HOST_SYSTEM, VM_STATE.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from enum import IntEnum


class LinkType(IntEnum):
    """``InformationManagerMessages``; the numbers are OpenNebula's."""

    HOST_LIST = 3
    UPDATE_HOST = 4
    DEL_HOST = 5
    START_MONITOR = 6
    STOP_MONITOR = 7
    HOST_STATE = 8
    VM_STATE = 9
    HOST_SYSTEM = 10
    RAFT_STATUS = 11


@dataclass(frozen=True)
class LinkMessage:
    type: LinkType
    status: str
    oid: int
    data: str


def encode(kind: LinkType, oid: int, data: str = "", status: str = "SUCCESS") -> bytes:
    payload = base64.b64encode(zlib.compress(data.encode(), 1)).decode() if data else ""
    return f"{kind.name} {status} {oid} {payload}\n".encode()


def decode(line: bytes) -> LinkMessage:
    """One line; ``ValueError`` for anything malformed (the peer is trusted, but never crashes us)."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3:
        raise ValueError(f"short link message {line[:40]!r}")
    try:
        kind = LinkType[parts[0].decode()]
        data = zlib.decompress(base64.b64decode(parts[3], validate=True)).decode() if len(parts) == 4 and parts[3] else ""
    except (KeyError, UnicodeDecodeError, binascii.Error, zlib.error) as exc:
        raise ValueError(f"bad link message {line[:40]!r}: {exc}") from None
    return LinkMessage(kind, parts[1].decode(errors="replace"), int(parts[2]), data)
