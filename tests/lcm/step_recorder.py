"""A driver pool for step tests: every driver of every kind records what it was asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from oneedge.drivers.base import DriverError
from oneedge.drivers.requests import VmContext


class Recorder:
    """Every driver of every kind: records (kind, action, host, TM lines) and fails ``fail``."""

    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple[str, str, str, tuple[str, ...]]] = []
        self.fail = fail

    def runner(self, kind: str, name: str) -> Recorder:
        self.kind = kind
        return self

    async def call(self, action: str, run: Callable[[Any], Awaitable[Any]]) -> Any:
        return await run(_Driver(self, self.kind, action))


class _Driver:
    def __init__(self, recorder: Recorder, kind: str, action: str) -> None:
        self.recorder, self.kind, self.action = recorder, kind, action

    def __getattr__(self, name: str) -> Callable[..., Awaitable[None]]:
        async def act(ctx: VmContext, *args: Any) -> None:
            lines = tuple(f"{line.action} {line.source} {line.destination}" for line in args[1]) \
                if name == "transfer" else ()
            self.recorder.calls.append((self.kind, self.action, ctx.host, lines))
            if self.action == self.recorder.fail:
                raise DriverError(f"{self.action} failed")
        return act
