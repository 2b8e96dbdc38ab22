"""UDP and TCP listeners on the same port, feeding lines and their source address to a handler.

A datagram is one message. A TCP connection carries newline-separated
messages (one, as OpenNebula's agents send, or many); a line longer than
``max_line`` is dropped whole, connections from addresses of no host are
closed at once, and at most ``max_connections`` are served together.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

Handler = Callable[[bytes, str], None]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        # OpenNebula's agents end neither datagrams nor TCP messages with a newline.
        self.handler(data if data.endswith(b"\n") else data + b"\n", addr[0])


class Listener:
    def __init__(self, address: str, port: int, handler: Handler, known: Callable[[str], bool],
                 max_line: int, max_connections: int = 1024) -> None:
        self.address = address
        self.port = port
        self.handler = handler
        self.known = known
        self.max_line = max_line
        self.refused = 0
        self._slots = asyncio.Semaphore(max_connections)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        source = peer[0] if peer else ""
        if not self.known(source) or self._slots.locked():
            self.refused += 1
            writer.close()
            return
        async with self._slots:
            try:
                while True:
                    try:
                        line = await reader.readuntil(b"\n")
                    except asyncio.LimitOverrunError as exc:
                        self.handler(b"x" * (self.max_line + 1), source)  # counted as too large
                        await reader.readexactly(exc.consumed)
                        continue
                    except asyncio.IncompleteReadError as exc:
                        if exc.partial.strip():
                            self.handler(exc.partial + b"\n", source)
                        return
                    self.handler(line, source)
            except (ConnectionError, asyncio.LimitOverrunError):
                return
            finally:
                writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self.handler),
                                                           local_addr=(self.address, self.port), family=family)
        sock = transport.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        server = await asyncio.start_server(self._serve, self.address, self.port, limit=self.max_line,
                                            reuse_address=True, backlog=1024)
        try:
            yield
        finally:
            transport.close()
            server.close()
            await server.wait_closed()
