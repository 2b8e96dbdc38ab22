"""The dummy transfer driver: transfer scripts that succeed at once unless scripted."""

from __future__ import annotations

from oneedge.drivers.dummy.script import act
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.drivers.tm import TransferDriver


class DummyTransferDriver(TransferDriver):
    async def transfer(self, ctx: VmContext, phase: str, lines: list[Transfer]) -> None:
        # The phase is checked even for an empty script, so a VM without disks
        # can still be made to fail its prolog or epilog.
        await act(ctx.script, "tm", phase)
        await super().transfer(ctx, phase, lines)

    async def run(self, ctx: VmContext, transfer: Transfer) -> None:
        await act(ctx.script, "tm", transfer.action.lower())
