"""An in-process front-end for lifecycle tests: the real core, API and services, no HTTP.

Calls go through the XML-RPC dispatcher (method table, authentication,
observers), services run on a background event loop as ``oneedge up`` runs
them, and waits poll the database for a condition.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Callable

from oneedge.nebula import build_app, build_core, run_services
from oneedge.pool.types import ObjectType
from oneedge.pool.vm import LcmState, VmState
from oneedge.template import parse

#: Drivers answer within this many seconds in tests, so hangs time out fast.
TIMEOUT = 0.5


def write_conf(home: Path, timeout: float = TIMEOUT, interval: float = 0.3, scheduler: bool = False) -> None:
    """The default configuration with short driver timeouts and a fast monitoring interval.

    The scheduler is off unless asked for: lifecycle tests place PENDING VMs
    themselves (one.vm.deploy) and must find them where they left them."""
    from support.frontend import write_conf as base

    base(home, scheduler=scheduler)
    template = parse((home / "oned.conf").read_text())
    for name in ("VM_MAD", "IM_MAD", "TM_MAD"):
        for vector in template.vectors(name):
            args = (vector.get("ARGUMENTS") or "").replace("-w 90", f"-w {timeout}")
            vector.set("ARGUMENTS", args)
    template.set("MONITORING_INTERVAL_HOST", str(interval))
    (home / "oned.conf").write_text(template.to_text())


class Harness:
    def __init__(self, home: Path) -> None:
        if not (home / "oned.conf").exists():
            write_conf(home)
        self.core = build_core(home)
        self.app = build_app(self.core)
        self.session = (home / "one_auth").read_text().strip()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        async def main() -> None:
            self._stop = asyncio.Event()
            async with run_services(self.core):
                self._ready.set()
                await self._stop.wait()

        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(main())
        self._loop.close()

    def start(self) -> Harness:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("services did not start")
        return self

    def stop(self) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        self.app.close()
        self.core.store.dispose()

    # -- calls -----------------------------------------------------------------------------
    def call(self, method: str, *args: Any, session: str | None = None) -> list[Any]:
        return self.app.dispatcher.call(method, (session or self.session, *args))

    def ok(self, method: str, *args: Any, session: str | None = None) -> Any:
        result = self.call(method, *args, session=session)
        assert result[0] is True, f"{method}{args} failed: {result}"
        return result[1]

    def fails(self, method: str, *args: Any, code: int, session: str | None = None) -> str:
        result = self.call(method, *args, session=session)
        assert result[0] is False, f"{method}{args} unexpectedly succeeded: {result}"
        assert result[2] == code, f"{method}{args}: expected code {code:#x}, got {result}"
        return result[1]

    # -- reading state ---------------------------------------------------------------------------
    def vm(self, vm_id: int):
        with self.core.store.read() as conn:
            return self.core.pools[ObjectType.VM].get(conn, vm_id)

    def host(self, host_id: int):
        with self.core.store.read() as conn:
            return self.core.pools[ObjectType.HOST].get(conn, host_id)

    def state(self, vm_id: int) -> tuple[VmState, LcmState]:
        vm = self.vm(vm_id)
        return vm.state, vm.lcm_state

    def wait(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.005)

    def wait_state(self, vm_id: int, state: VmState, lcm: LcmState = LcmState.LCM_INIT,
                   timeout: float = 5.0) -> None:
        self.wait(lambda: self.state(vm_id) == (state, lcm), timeout,
                  f"VM {vm_id} in {state.name}/{lcm.name}, it is {self.state(vm_id)}")
