"""A minimal QMP client: one unix-socket connection, commands in, answers and events out."""

from __future__ import annotations

import json
import socket
import time
from typing import Any


class QmpError(RuntimeError):
    """QEMU answered an error, or could not be reached in time."""


class Qmp:
    """Connected and in command mode on construction; ``events`` keeps what arrived meanwhile."""

    def __init__(self, path: str, timeout: float = 10.0) -> None:
        self.events: list[dict[str, Any]] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._buffer = b""
        try:
            self._sock.connect(path)
        except OSError as exc:
            self._sock.close()
            raise QmpError(f"cannot connect to QEMU's monitor {path}: {exc.strerror or exc}") from None
        try:
            self._read()  # the greeting
            self.command("qmp_capabilities")
        except (OSError, QmpError) as exc:
            self.close()
            raise QmpError(f"QEMU's monitor {path} did not answer: {exc}") from None

    def _read(self) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise QmpError("QEMU closed its monitor")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def command(self, name: str, fds: list[int] | None = None, **arguments: Any) -> Any:
        """Run a command; answers its ``return`` value, raises QmpError with QEMU's ``desc``."""
        message = json.dumps({"execute": name, "arguments": arguments} if arguments else {"execute": name})
        if fds:
            socket.send_fds(self._sock, [message.encode()], fds)
        else:
            self._sock.sendall(message.encode())
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise QmpError(reply["error"].get("desc", str(reply["error"])))
            elif "return" in reply:
                return reply["return"]

    def wait_event(self, names: set[str], timeout: float) -> dict[str, Any] | None:
        """The first event named in ``names`` (already received or arriving within ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event["event"] in names:
                    return self.events.pop(index)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._sock.settimeout(left)
            try:
                reply = self._read()
            except (socket.timeout, TimeoutError):
                return None
            if "event" in reply:
                self.events.append(reply)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> "Qmp":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
