"""A VM's driver steps as the lifecycle runs them (``oneedge.lcm.steps``), with the TM and VN
drivers oned.conf names, on a host that is a network namespace: prolog, deploy, shutdown, epilog,
and the clean-up of a VM whose deployment failed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from network.netkit import NamespaceHosts, links, nft_tables, nic, run, sg_rule

from oneedge.drivers import config
from oneedge.drivers.requests import VmContext
from oneedge.drivers.runner import DriverPool
from oneedge.lcm import steps, transfer
from oneedge.lcm.events import Step
from oneedge.pool.vm import VirtualMachine
from oneedge.template import parse

ONED_CONF = """
VM_MAD = [ NAME = "dummy", EXECUTABLE = "one_vmm_dummy", ARGUMENTS = "-t 15 -w 30 dummy" ]
TM_MAD = [ EXECUTABLE = "one_tm", ARGUMENTS = "-t 15 -w 60 -d dummy,ssh,shared,local" ]
VN_MAD_CONF = [ NAME = "bridge", BRIDGE_TYPE = "linux" ]
VN_MAD_CONF = [ NAME = "802.1Q", BRIDGE_TYPE = "linux" ]
VN_MAD_CONF = [ NAME = "fw", BRIDGE_TYPE = "linux" ]
"""


def machine(tmp_path: Path, host: str, vm_id: int, script: dict[str, str] | None = None
            ) -> tuple[DriverPool, VirtualMachine, VmContext, str]:
    images = tmp_path / "datastores" / "1"
    images.mkdir(parents=True, exist_ok=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(images / "os"), "16M"], check=True)
    vm = VirtualMachine.from_body(
        f"<VM><ID>{vm_id}</ID><TEMPLATE>"
        f"<DISK><DISK_ID>0</DISK_ID><IMAGE_ID>0</IMAGE_ID><SOURCE>{images}/os</SOURCE><SIZE>16</SIZE></DISK>"
        f"<DISK><DISK_ID>1</DISK_ID><TYPE>fs</TYPE><SIZE>4</SIZE><FORMAT>qcow2</FORMAT></DISK>"
        + nic(0, "fw", BRIDGE="onebr5", IP="10.5.0.2", SECURITY_GROUPS="100")
        + nic(1, "bridge", BRIDGE="onebr6")
        + sg_rule(100, "TCP", "INBOUND", RANGE="22") + "</TEMPLATE></VM>")
    pool = DriverPool(config.read(parse(ONED_CONF)), NamespaceHosts(tmp_path / "remotes"))
    ctx = VmContext(vm_id, vm.body(), host, "<HOST/>", 0, 0, script=script or {})
    return pool, vm, ctx, str(tmp_path / "datastores" / "0" / str(vm_id))


def step(pool: DriverPool, vm: VirtualMachine, ctx: VmContext, which: Step, vm_dir: str) -> None:
    lines = transfer.plan(which, vm, "ssh", ctx.host, "", vm_dir) if which in (
        Step.PROLOG, Step.EPILOG, Step.CLEANUP) else []
    run(steps.run(pool, steps.StepRequest(which, ctx, "dummy", "ssh", ("bridge", "fw"), tuple(lines))))


def test_deploy_and_terminate_leave_nothing_on_the_host(tmp_path, host):
    netns, _ = host
    pool, vm, ctx, vm_dir = machine(tmp_path, netns, 5)
    step(pool, vm, ctx, Step.PROLOG, vm_dir)
    assert sorted(p.name for p in Path(vm_dir).iterdir()) == ["disk.0", "disk.1"]
    step(pool, vm, ctx, Step.DEPLOY, vm_dir)
    found = links(netns)
    assert found["one-5-0"]["master"] == "onebr5" and found["one-5-1"]["master"] == "onebr6"
    assert nft_tables(netns) == ["bridge one-5-0", "inet one-5-0"]
    step(pool, vm, ctx, Step.SHUTDOWN, vm_dir)
    assert set(links(netns)) == {"lo"} and nft_tables(netns) == []
    step(pool, vm, ctx, Step.EPILOG, vm_dir)
    assert not Path(vm_dir).exists()


def test_a_failed_boot_is_cleaned_up_by_recover_delete(tmp_path, host):
    netns, _ = host
    pool, vm, ctx, vm_dir = machine(tmp_path, netns, 6, {"DUMMY_FAIL": "deploy"})
    step(pool, vm, ctx, Step.PROLOG, vm_dir)
    try:
        step(pool, vm, ctx, Step.DEPLOY, vm_dir)
    except Exception as exc:  # noqa: BLE001 - the boot failure the test asks for
        assert "simulated failure" in str(exc)
    else:
        raise AssertionError("the deployment should have failed")
    # The taps made before the hypervisor failed went with the failed boot.
    assert set(links(netns)) == {"lo"}
    step(pool, vm, ctx, Step.CLEANUP, vm_dir)
    assert set(links(netns)) == {"lo"} and nft_tables(netns) == []
    assert not Path(vm_dir).exists()
