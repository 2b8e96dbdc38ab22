"""Running driver actions: each driver's concurrency bounded, each action timed.

A :class:`DriverRunner` wraps one configured driver. At most
``config.concurrency`` of its actions run at once (OpenNebula's ``-t``), the
rest wait their turn; an action running longer than ``config.timeout``
(``-w``) is cancelled and fails with :class:`DriverTimeout`. Any exception a
driver lets escape becomes a :class:`DriverError`, so a driver bug fails one
action and never the manager that called it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from oneedge.drivers import registry
from oneedge.drivers.base import Driver, DriverError, DriverTimeout
from oneedge.drivers.config import DriverSet

D = TypeVar("D", bound=Driver)
R = TypeVar("R")


class DriverRunner(Generic[D]):
    def __init__(self, driver: D) -> None:
        self.driver = driver
        self.config = driver.config
        # Created on first use, inside the event loop that runs the actions.
        self._slots: asyncio.Semaphore | None = None
        #: Actions started and not yet finished (waiting for a slot included).
        self.in_flight = 0

    async def call(self, action: str, run: Callable[[D], Awaitable[R]]) -> R:
        """``await run(driver)`` within the driver's limits; raise DriverError on failure or timeout."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.config.concurrency)
        self.in_flight += 1
        try:
            async with self._slots:
                try:
                    return await asyncio.wait_for(run(self.driver), self.config.timeout)
                except asyncio.TimeoutError:
                    raise DriverTimeout(f"{action}: timeout, the {self.config.kind} driver {self.config.name} "
                                        f"did not answer in {self.config.timeout:g} s") from None
                except DriverError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a driver bug fails its action only
                    raise DriverError(f"{action}: {type(exc).__name__}: {exc}") from exc
        finally:
            self.in_flight -= 1


class DriverPool:
    """Every configured driver, loaded at start (so a broken one fails the front-end then)."""

    def __init__(self, drivers: DriverSet, transports: Any = None) -> None:
        self.drivers = drivers
        self._runners: dict[tuple[str, str], DriverRunner[Any]] = {}
        for kind, configs in drivers.drivers.items():
            for name, config in configs.items():
                self._runners[(kind, name)] = DriverRunner(registry.load(kind, config, transports))

    def runner(self, kind: str, name: str) -> DriverRunner[Any]:
        try:
            return self._runners[(kind, name)]
        except KeyError:
            raise DriverError(f"{kind} driver {name!r} is not configured in oned.conf") from None

    def has(self, kind: str, name: str) -> bool:
        return (kind, name) in self._runners
