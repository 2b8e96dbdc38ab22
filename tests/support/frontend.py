"""A real ``oneedge up`` process on a free loopback port, and clients for it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyone

from oneedge.db.store import Store, sqlite_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Raw:
    """Plain XML-RPC: returns OpenNebula's ``[ok, value, code, ...]`` arrays untouched."""

    def __init__(self, url: str, session: str) -> None:
        self.url = url
        self.session = session

    def __call__(self, method: str, *args: Any) -> list[Any]:
        with xmlrpc.client.ServerProxy(self.url, allow_none=False) as proxy:
            return getattr(proxy, method)(self.session, *args)

    def ok(self, method: str, *args: Any) -> Any:
        """Call and insist on success; returns the value."""
        result = self(method, *args)
        assert result[0] is True, f"{method}{args} failed: {result}"
        return result[1]

    def fails(self, method: str, *args: Any, code: int) -> str:
        """Call and insist on failure with ``code``; returns the message."""
        result = self(method, *args)
        assert result[0] is False, f"{method}{args} unexpectedly succeeded: {result}"
        assert result[2] == code, f"{method}{args}: expected code {code:#x}, got {result}"
        return result[1]


def write_conf(home: Path, db: list[tuple[str, str]] | None = None, scheduler: bool = False) -> int:
    """Write ``home/oned.conf``, ``home/monitord.conf`` and ``home/sched.conf``: the defaults,
    with the event stream, the monitor daemon and its metrics on free ports (so
    front-ends of parallel tests do not fight over 2101, 4124 and 4125), and
    optionally another DB vector. Returns the event stream port.

    The scheduler runs only when ``scheduler`` is set: test front-ends place
    their VMs with one.vm.deploy unless a suite asks for it, so a VM stays where
    (and as) the test put it."""
    from oneedge.config import default_text
    from oneedge.template import VectorAttribute, parse

    home.mkdir(parents=True, exist_ok=True)
    template = parse(default_text())
    events = free_port()
    (hm,) = template.vectors("HM_MAD")
    hm.set("ARGUMENTS", f"-p {events} -b 127.0.0.1")
    if db is not None:
        template.remove("DB")
        template.add(VectorAttribute("DB", db))
    (home / "oned.conf").write_text(template.to_text())
    monitord = parse(default_text("monitord.conf"))
    (network,) = monitord.vectors("NETWORK")
    network.set("PORT", str(free_port()))
    (metrics,) = monitord.vectors("METRICS")
    metrics.set("PORT", str(free_port()))
    (home / "monitord.conf").write_text(monitord.to_text())
    sched = parse(default_text("sched.conf"))
    sched.set("SCHED_ENABLED", "YES" if scheduler else "NO")
    (home / "sched.conf").write_text(sched.to_text())
    return events


def event_port(home: Path) -> int:
    from oneedge.config import OnedConfig

    return OnedConfig.load(home).event_stream()[1]


@dataclass
class Frontend:
    home: Path
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/RPC2"

    @property
    def runtime_dir(self) -> Path:
        """Where this front-end announces itself (its XDG_RUNTIME_DIR)."""
        return self.home.parent / f"{self.home.name}.run"

    @property
    def events_endpoint(self) -> str:
        return f"tcp://127.0.0.1:{event_port(self.home)}"

    @property
    def session(self) -> str:
        return (self.home / "one_auth").read_text().strip()

    def pyone(self, session: str | None = None) -> pyone.OneServer:
        return pyone.OneServer(self.url, session=session or self.session)

    def raw(self, session: str | None = None) -> Raw:
        return Raw(self.url, session or self.session)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def output(self) -> str:
        """What the process printed on stdout and stderr."""
        return (self.home.parent / f"{self.home.name}.out").read_text()

    @contextlib.contextmanager
    def database(self) -> Iterator[Store]:
        """The running front-end's own (SQLite) database, for what only its services write."""
        store = Store(sqlite_url(str(self.home / "one.db")))
        try:
            yield store
        finally:
            store.dispose()

    def log(self) -> str:
        path = self.home / "oned.log"
        return path.read_text() if path.exists() else ""


def start(home: Path, port: int | None = None, extra: tuple[str, ...] = (), timeout: float = 30,
          local_host: bool = False) -> Frontend:
    """Start ``oneedge up`` and wait until it answers ``one.system.version``; without
    ``local_host`` it does not set up this machine as its kvm host (``--no-local-host``)."""
    port = port or free_port()
    if not (home / "oned.conf").exists():
        write_conf(home)
    # Each front-end announces itself for the CLI in its own runtime dir, not the user's.
    runtime = home.parent / f"{home.name}.run"
    runtime.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1", XDG_RUNTIME_DIR=str(runtime))
    with open(home.parent / f"{home.name}.out", "a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oneedge", "up", "--home", str(home), "--port", str(port),
             *(() if local_host else ("--no-local-host",)), *extra],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    frontend = Frontend(home, port, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oneedge up exited with {process.returncode}:\n{frontend.output()}\n{frontend.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
            if (home / "one_auth").exists():
                frontend.raw()("one.system.version")
                return frontend
        except OSError:
            time.sleep(0.05)
    frontend.stop(signal.SIGKILL)
    raise RuntimeError(f"oneedge up did not answer within {timeout} s:\n{frontend.log()}")
