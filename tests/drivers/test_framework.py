"""The driver framework: registry, oned.conf configuration, the runner's limits, and the
contract every dummy driver keeps (succeed, fail or hang on demand)."""

from __future__ import annotations

import asyncio
import time

import pytest

from oneedge.drivers import config, registry
from oneedge.drivers.base import DriverConfig, DriverError, DriverTimeout
from oneedge.drivers.dummy.im import DummyInformationDriver
from oneedge.drivers.dummy.tm import DummyTransferDriver
from oneedge.drivers.dummy.vmm import DummyVirtualMachineDriver
from oneedge.drivers.dummy.vnm import DummyNetworkDriver
from oneedge.drivers.requests import HostContext, Transfer, VmContext
from oneedge.drivers.runner import DriverRunner
from oneedge.drivers.vmm import VirtualMachineDriver
from oneedge.template import parse


def ctx(**script: str) -> VmContext:
    return VmContext(7, "<VM/>", "node", "<HOST/>", 1, 0, script=dict(script))


def test_registry_refuses_duplicates_and_unknown_kinds():
    with pytest.raises(ValueError, match="registered twice"):
        registry._table([("vmm", "x", "a:B"), ("vmm", "x", "c:D")])
    with pytest.raises(ValueError, match="unknown driver kind"):
        registry._table([("hypervisor", "x", "a:B")])


def test_registry_loads_lazily_and_checks_the_interface():
    driver = registry.load("vmm", DriverConfig("vmm", "dummy", "dummy"))
    assert isinstance(driver, VirtualMachineDriver)
    with pytest.raises(ValueError, match="unknown vmm driver 'kvm2'"):
        registry.load("vmm", DriverConfig("vmm", "kvm2", "kvm2"))


def test_oned_conf_vectors():
    drivers = config.read(parse(
        'VM_MAD = [ NAME = "sim", EXECUTABLE = "one_vmm_exec", ARGUMENTS = "-t 3 -w 2.5 dummy" ]\n'
        'VM_MAD = [ NAME = "dummy", EXECUTABLE = "one_vmm_dummy" ]\n'
        'IM_MAD = [ NAME = "dummy", EXECUTABLE = "one_im_sh", ARGUMENTS = "-c -t 4 -r 0 dummy" ]\n'
        'TM_MAD = [ EXECUTABLE = "one_tm", ARGUMENTS = "-t 5 -d dummy" ]\n'
        'VN_MAD_CONF = [ NAME = "dummy", BRIDGE_TYPE = "none" ]\n'))
    sim = drivers.get("vmm", "sim")
    assert (sim.executable, sim.concurrency, sim.timeout) == ("dummy", 3, 2.5)
    assert drivers.get("vmm", "dummy").executable == "dummy"
    assert drivers.get("im", "dummy").concurrency == 4
    assert drivers.names("tm") == ["dummy"] and drivers.names("vnm") == ["dummy"]


@pytest.mark.parametrize("text, message", [
    ('VM_MAD = [ NAME = "kvm", EXECUTABLE = "one_vmm_exec", ARGUMENTS = "-t 15 kvm9" ]', "unknown vmm driver 'kvm9'"),
    ('TM_MAD = [ EXECUTABLE = "one_tm", ARGUMENTS = "-d dummy,nope" ]', "unknown tm driver 'nope'"),
    ('IM_MAD = [ NAME = "x", EXECUTABLE = "one_im_sh", ARGUMENTS = "-t many dummy" ]', "-t takes"),
    ('VM_MAD = [ EXECUTABLE = "one_vmm_dummy" ]', "needs a NAME"),
    ('VM_MAD = [ NAME = "d", EXECUTABLE = "one_vmm_dummy" ]\nVM_MAD = [ NAME = "d", EXECUTABLE = "one_vmm_dummy" ]',
     "configured twice"),
])
def test_bad_configuration_fails(text, message):
    with pytest.raises(config.DriverConfigError, match=message):
        config.read(parse(text))


def test_runner_bounds_concurrency_and_times_out():
    runner = DriverRunner(DummyVirtualMachineDriver(DriverConfig("vmm", "dummy", "dummy", 2, 0.2)))
    running = peak = 0

    async def action(driver):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return "done"

    async def main():
        results = await asyncio.gather(*(runner.call("deploy", action) for _ in range(6)))
        assert results == ["done"] * 6
        start = time.monotonic()
        with pytest.raises(DriverTimeout, match="did not answer in 0.2 s"):
            await runner.call("deploy", lambda d: d.deploy(ctx(DUMMY_HANG="deploy")))
        assert time.monotonic() - start < 1

        async def broken(driver):
            raise KeyError("bug")

        with pytest.raises(DriverError, match="deploy: KeyError"):
            await runner.call("deploy", broken)

    asyncio.run(main())
    assert peak == 2 and runner.in_flight == 0


# -- the dummy contract: each kind succeeds, fails and hangs on demand -------------------------
CASES = [
    (DummyVirtualMachineDriver, "vmm", lambda d, c: d.deploy(c)),
    (DummyVirtualMachineDriver, "vmm", lambda d, c: d.shutdown(c)),
    (DummyTransferDriver, "tm", lambda d, c: d.transfer(c, "prolog", [Transfer("MKIMAGE", "dummy", "", "n:/d/0")])),
    (DummyNetworkDriver, "vnm", lambda d, c: d.pre(c)),
    (DummyInformationDriver, "im", lambda d, c: d.monitor(HostContext(1, "n", "<HOST/>", c.script))),
]


@pytest.mark.parametrize("cls, kind, call", CASES)
def test_dummy_contract(cls, kind, call):
    runner = DriverRunner(cls(DriverConfig(kind, "dummy", "dummy", 4, 0.2)))

    async def main():
        await runner.call("x", lambda d: call(d, ctx()))
        with pytest.raises(DriverError, match="broken disk"):
            await runner.call("x", lambda d: call(d, ctx(DUMMY_FAIL=kind, DUMMY_MESSAGE="broken disk")))
        with pytest.raises(DriverTimeout):
            await runner.call("x", lambda d: call(d, ctx(DUMMY_HANG=kind)))

    asyncio.run(main())


def test_dummy_results():
    async def main():
        vmm = DummyVirtualMachineDriver(DriverConfig("vmm", "dummy", "dummy"))
        assert await vmm.deploy(ctx()) == "one-7"
        assert await vmm.snapshot_create(ctx(), 3) == "snap-3"
        im = DummyInformationDriver(DriverConfig("im", "dummy", "dummy"))
        monitor = await im.monitor(HostContext(1, "n", "<HOST/>", {"DUMMY_TOTALCPU": "800"}))
        assert (monitor.total_cpu, monitor.total_memory) == (800, 32 * 1024 * 1024)
        with pytest.raises(DriverError, match="not supported"):
            await VirtualMachineDriver(DriverConfig("vmm", "none", "none")).deploy(ctx())

    asyncio.run(main())
