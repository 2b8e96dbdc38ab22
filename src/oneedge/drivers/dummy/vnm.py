"""The dummy network driver: nothing to set up on a simulated host."""

from __future__ import annotations

from oneedge.drivers.dummy.script import act
from oneedge.drivers.requests import VmContext
from oneedge.drivers.vnm import NetworkDriver


class DummyNetworkDriver(NetworkDriver):
    async def pre(self, ctx: VmContext) -> None:
        await act(ctx.script, "vnm", "pre")

    async def post(self, ctx: VmContext) -> None:
        await act(ctx.script, "vnm", "post")

    async def clean(self, ctx: VmContext) -> None:
        await act(ctx.script, "vnm", "clean")

    async def update_sg(self, ctx: VmContext) -> None:
        await act(ctx.script, "vnm", "update_sg")
