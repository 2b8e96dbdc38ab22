"""The live migration step as one_vmm_exec runs it: PREMIGRATE, network pre on the new host,
the hypervisor's migrate, then the source's network clean, post and POSTMIGRATE; a failed
migrate runs FAILMIGRATE and fails the step. A save (stop, suspend, cold migration) cleans the
VM's networks, as one_vmm_exec's save."""

from __future__ import annotations

import asyncio
from dataclasses import replace
import pytest

from oneedge.drivers.base import DriverError
from step_recorder import Recorder
from oneedge.drivers.requests import Transfer, VmContext
from oneedge.lcm import steps, transfer
from oneedge.lcm.events import Step
from oneedge.pool.vm import VirtualMachine


def request() -> steps.StepRequest:
    vm = VirtualMachine.from_body("<VM><ID>7</ID><TEMPLATE/></VM>")
    lines = transfer.plan(Step.MIGRATE, vm, "ssh", "new", "old", "/ds/0/7")
    ctx = VmContext(7, vm.body(), "new", "<HOST/>", 1, 0, previous_host="old")
    return steps.StepRequest(Step.MIGRATE, ctx, "kvm", "ssh", ("bridge",), tuple(lines))


def test_the_plan_is_one_premigrate_line() -> None:
    assert list(request().transfers) == [Transfer("PREMIGRATE", "ssh", "old:/ds/0/7", "new:/ds/0/7")]


def test_a_live_migration_copies_before_and_cleans_the_source_after() -> None:
    pool = Recorder()
    outcome = asyncio.run(steps.run(pool, request()))  # type: ignore[arg-type]
    assert outcome.message == ""
    assert pool.calls == [
        ("tm", "premigrate", "new", ("PREMIGRATE old:/ds/0/7 new:/ds/0/7",)),
        ("vnm", "pre", "new", ()),
        ("vmm", "migrate", "new", ()),
        ("vnm", "clean", "old", ()),
        ("vnm", "post", "new", ()),
        ("tm", "postmigrate", "new", ("POSTMIGRATE old:/ds/0/7 new:/ds/0/7",)),
    ]


def test_a_failed_migrate_undoes_the_copy() -> None:
    pool = Recorder(fail="migrate")
    with pytest.raises(DriverError, match="migrate failed"):
        asyncio.run(steps.run(pool, request()))  # type: ignore[arg-type]
    assert pool.calls[-1] == ("tm", "failmigrate", "new", ("FAILMIGRATE old:/ds/0/7 new:/ds/0/7",))


def test_a_failure_after_the_migration_is_only_reported() -> None:
    pool = Recorder(fail="postmigrate")
    outcome = asyncio.run(steps.run(pool, request()))  # type: ignore[arg-type]
    assert outcome.message == "postmigrate failed"


def test_a_save_cleans_the_networks_of_the_saved_vm() -> None:
    pool = Recorder()
    asyncio.run(steps.run(pool, replace(request(), step=Step.SAVE, transfers=())))  # type: ignore[arg-type]
    assert [(kind, action) for kind, action, _, _ in pool.calls] == [("vmm", "save"), ("vnm", "clean")]
