"""``oneedge monitord --home DIR``: the monitor daemon process.

The front-end starts it (``core_link.MonitorService``) and talks to it on
its stdin and stdout; it ends when its stdin closes or on SIGTERM. It
reads the front-end's oned.conf (database, SCRIPTS_REMOTE_DIR) and
monitord.conf, logs to ``DIR/monitor.log``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path, PurePosixPath

from oneedge.config import OnedConfig
from oneedge.db.store import Store
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.monitor import config as monitor_config
from oneedge.monitor import link
from oneedge.monitor.daemon import Monitord

log = logging.getLogger("oneedge.monitord")


def _logging(home: Path, level: int) -> None:
    handler = logging.FileHandler(home / "monitor.log")
    handler.setFormatter(logging.Formatter("%(asctime)s [monitord][%(levelname).1s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel({0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO}.get(level, logging.DEBUG))


async def serve(home: Path) -> None:
    oned = OnedConfig.load(home)
    config = monitor_config.load(home)
    _logging(home, config.log_level)
    store = Store(oned.db_url(home), oned.db_timeout)
    remote_dir = oned.template.get("SCRIPTS_REMOTE_DIR") or "/var/tmp/one"
    transports = Transports(TransportConfig(home=home, remote_dir=PurePosixPath(remote_dir)))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    stdout = sys.stdout.buffer
    out_fd = stdout.fileno()

    def core_out(line: bytes) -> None:
        os.write(out_fd, line)

    daemon = Monitord(config, store, transports, core_out)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with daemon.running():
        log.info("listening on %s:%d (UDP, TCP)%s", config.address, config.port,
                 ", payloads sealed" if config.encrypted else "")
        core_out(b"READY SUCCESS -1 \n")

        async def read_core() -> None:
            while line := await reader.readline():
                try:
                    await daemon.on_core(link.decode(line))
                except Exception:  # noqa: BLE001 - a bad message from the core is logged, not fatal
                    log.exception("cannot apply core message %r", line[:80])
            stop.set()

        reading = asyncio.create_task(read_core())
        await stop.wait()
        reading.cancel()
    await transports.close()
    store.dispose()


def run(home: Path) -> None:
    asyncio.run(serve(home))
