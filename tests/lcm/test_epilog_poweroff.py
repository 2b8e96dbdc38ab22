"""Terminate of a POWEROFF VM: monitoring may have turned it off because its QEMU died, so the
epilog first runs the VMM's cleanup and the networks' clean on its host (runtime files, taps),
then the transfer script that deletes its directory."""

from __future__ import annotations

import asyncio

from oneedge.drivers.requests import VmContext
from oneedge.lcm import machine, steps, transfer
from oneedge.lcm.events import Event, Step
from oneedge.lcm.table import POWEROFF, RUNNING, SUSPENDED, active
from oneedge.pool.vm import HistoryAction, LcmState, VirtualMachine
from step_recorder import Recorder


def test_terminate_from_poweroff_waits_for_the_cleaning_epilog() -> None:
    target = machine.transition(POWEROFF, Event.TERMINATE).target
    assert target == active(LcmState.EPILOG)
    assert machine.step_for(target, POWEROFF, HistoryAction.TERMINATE) is Step.EPILOG_POWEROFF
    # From elsewhere the epilog is the plain one.
    assert machine.step_for(target, SUSPENDED, HistoryAction.TERMINATE) is Step.EPILOG
    assert machine.step_for(target, active(LcmState.SHUTDOWN), HistoryAction.TERMINATE) is Step.EPILOG
    assert machine.step_for(target, RUNNING, HistoryAction.TERMINATE) is Step.EPILOG


def test_the_host_is_cleaned_before_the_directory_goes() -> None:
    vm = VirtualMachine.from_body("<VM><ID>4</ID><TEMPLATE/></VM>")
    lines = transfer.plan(Step.EPILOG, vm, "ssh", "h", "", "/ds/0/4")
    ctx = VmContext(4, vm.body(), "h", "<HOST/>", 1, 0)
    pool = Recorder()
    asyncio.run(steps.run(pool, steps.StepRequest(Step.EPILOG_POWEROFF, ctx, "kvm", "ssh", ("bridge",),  # type: ignore[arg-type]
                                                   tuple(lines))))
    assert pool.calls == [("vmm", "cleanup", "h", ()), ("vnm", "clean", "h", ()),
                          ("tm", "epilog", "h", ("DELETE h:/ds/0/4 ",))]
