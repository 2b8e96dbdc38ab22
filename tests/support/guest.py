"""Talking to a test guest through its serial console socket."""

from __future__ import annotations

import socket
import time
from pathlib import Path


def console_shell(serial_socket: Path, command: str, timeout: float = 30) -> str:
    """Run ``command`` in the shell the bundled guest serves on its console; answers what it printed."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(timeout)
        sock.connect(str(serial_socket))
        # The echo of the typed line shows "$((40+2))", only the output shows "42".
        sock.sendall(f"echo BEGIN$((40+2)); {command}; echo DONE$((40+2))\n".encode())
        out = b""
        deadline = time.monotonic() + timeout
        while b"DONE42" not in out:
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to {command!r}: {out!r}")
            out += sock.recv(65536)
    return out.decode(errors="replace").split("BEGIN42", 1)[-1].split("DONE42", 1)[0]
