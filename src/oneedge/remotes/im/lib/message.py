"""Monitor messages as the agent writes them (OpenNebula 6.10's wire order)::

    TYPE STATUS OBJECT_ID TIMESTAMP PAYLOAD\\n

PAYLOAD is the data zlib-compressed then base64-encoded; with a daemon key
the compressed data is sealed (see ``seal``) before base64. Stdlib only.
"""

from __future__ import annotations

import base64
import zlib

TYPES = ("MONITOR_VM", "BEACON_HOST", "MONITOR_HOST", "SYSTEM_HOST", "STATE_VM", "LOG")


def header(kind: str, status: str, host_id: int, timestamp: int) -> bytes:
    return f"{kind} {status} {host_id} {timestamp}".encode()


def encode(kind: str, status: str, host_id: int, timestamp: int, data: str, sealer=None) -> bytes:
    """One wire line; ``sealer`` is a ``seal.Sealer`` or None for plain payloads."""
    if kind not in TYPES:
        raise ValueError(f"unknown message type {kind}")
    head = header(kind, status, host_id, timestamp)
    body = zlib.compress(data.encode(), 6)
    if sealer is not None:
        body = sealer.seal(body, head)
    return head + b" " + base64.b64encode(body) + b"\n"
