"""The transfer scripts the lifecycle writes (``oneedge.lcm.transfer``) run by the real-host TM drivers:
deploy, stop and resume through the front-end, terminate; the context CD written from the VM's CONTEXT."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from storage.storage_kit import run, tm_config, tree
from storage.storage_kit import vm as vm_context

from oneedge.drivers.registry import load
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport_factory import Transports
from oneedge.lcm import transfer
from oneedge.lcm.events import Step
from oneedge.pool.vm import VirtualMachine


def document(images: Path) -> str:
    return (f"<VM><ID>12</ID><NAME>web</NAME><TEMPLATE>"
            f"<DISK><DISK_ID>0</DISK_ID><IMAGE_ID>3</IMAGE_ID><SOURCE>{images}/os</SOURCE><TM_MAD>ssh</TM_MAD>"
            f"<SIZE>48</SIZE><ORIGINAL_SIZE>32</ORIGINAL_SIZE><FORMAT>qcow2</FORMAT></DISK>"
            f"<DISK><DISK_ID>1</DISK_ID><TYPE>fs</TYPE><SIZE>8</SIZE><FORMAT>raw</FORMAT></DISK>"
            f"<DISK><DISK_ID>2</DISK_ID><TYPE>swap</TYPE><SIZE>4</SIZE></DISK>"
            f"<CONTEXT><DISK_ID>3</DISK_ID><HOSTNAME>web-12</HOSTNAME><SET_HOSTNAME>web-12</SET_HOSTNAME>"
            f"</CONTEXT></TEMPLATE></VM>")


@pytest.mark.parametrize("tm_mad", ["ssh", "local", "shared"])
def test_deploy_stop_resume_terminate(tmp_path, transports: Transports, tm_mad: str):
    images = tmp_path / "datastores" / "1"
    images.mkdir(parents=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(images / "os"), "32M"], check=True)
    vm = VirtualMachine.from_body(document(images))
    vm_dir = str(tmp_path / "datastores" / "0" / "12")
    driver = load("tm", tm_config(tm_mad), transports)
    ctx: VmContext = vm_context(vm_id=12)
    ctx = VmContext(12, vm.body(), "node1", ctx.host_document, 0, 0)

    def script(step: Step) -> None:
        lines = transfer.plan(step, vm, tm_mad, "node1", "", vm_dir)
        run(driver.transfer(ctx, step.value, lines))

    script(Step.PROLOG)
    assert tree(Path(vm_dir)) == ["disk.0", "disk.1", "disk.2", "disk.context"]
    iso = subprocess.run(["isoinfo", "-i", f"{vm_dir}/disk.context", "-R", "-x", "/context.sh"],
                         capture_output=True, text=True, check=True).stdout
    assert "HOSTNAME='web-12'" in iso
    # Stop: the VM directory goes to the front-end (the same path there), then comes back.
    script(Step.EPILOG_STOP)
    script(Step.PROLOG_RESUME)
    assert tree(Path(vm_dir)) == ["disk.0", "disk.1", "disk.2", "disk.context"]
    script(Step.EPILOG)
    assert not Path(vm_dir).exists()
    assert [p.name for p in images.iterdir()] == ["os"]
