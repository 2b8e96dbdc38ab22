"""The dummy virtualization driver: every action succeeds at once unless scripted."""

from __future__ import annotations

from oneedge.drivers.base import Capabilities
from oneedge.drivers.dummy.script import act
from oneedge.drivers.requests import VmContext
from oneedge.drivers.vmm import VirtualMachineDriver


class DummyVirtualMachineDriver(VirtualMachineDriver):
    CAPABILITIES = Capabilities(live_migration=True, hotplug_disk=True, hotplug_nic=True, snapshots=True,
                                resize=True, keep_snapshots=True)
    #: Hosts of this driver are simulated: their disks and networks need no real
    #: transfer or network driver, the dummy ones stand in (see oneedge.lcm.requests).
    SIMULATED = True

    async def deploy(self, ctx: VmContext) -> str:
        await act(ctx.script, "vmm", "deploy")
        return ctx.deploy_id or f"one-{ctx.vm_id}"

    async def shutdown(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "shutdown")

    async def cancel(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "cancel")

    async def save(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "save")

    async def restore(self, ctx: VmContext) -> str:
        await act(ctx.script, "vmm", "restore")
        return ctx.deploy_id or f"one-{ctx.vm_id}"

    async def migrate(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "migrate")

    async def reboot(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "reboot")

    async def reset(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "reset")

    async def attach_disk(self, ctx: VmContext, disk_id: int) -> None:
        await act(ctx.script, "vmm", "attach_disk")

    async def detach_disk(self, ctx: VmContext, disk_id: int) -> None:
        await act(ctx.script, "vmm", "detach_disk")

    async def attach_nic(self, ctx: VmContext, nic_id: int) -> None:
        await act(ctx.script, "vmm", "attach_nic")

    async def detach_nic(self, ctx: VmContext, nic_id: int) -> None:
        await act(ctx.script, "vmm", "detach_nic")

    async def snapshot_create(self, ctx: VmContext, snapshot_id: int) -> str:
        await act(ctx.script, "vmm", "snapshot_create")
        return f"snap-{snapshot_id}"

    async def snapshot_revert(self, ctx: VmContext, hypervisor_id: str) -> None:
        await act(ctx.script, "vmm", "snapshot_revert")

    async def snapshot_delete(self, ctx: VmContext, hypervisor_id: str) -> None:
        await act(ctx.script, "vmm", "snapshot_delete")

    async def resize(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "resize")

    async def resize_disk(self, ctx: VmContext, disk_id: int) -> None:
        await act(ctx.script, "vmm", "resize_disk")

    async def disk_snapshot_create(self, ctx: VmContext, disk_id: int, snapshot_id: int) -> None:
        await act(ctx.script, "vmm", "disk_snapshot_create")

    async def update_conf(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "update_conf")

    async def cleanup(self, ctx: VmContext) -> None:
        await act(ctx.script, "vmm", "cleanup")

    async def poll(self, ctx: VmContext) -> str:
        await act(ctx.script, "vmm", "poll")
        return "RUNNING"
