"""The virtualization driver interface (VM_MAD): every action OpenNebula's VMM drivers offer.

Each method is one action on one host (``src/mad/ruby/VirtualMachineDriver.rb``);
the defaults fail with "not supported". The lifecycle manager calls them
with the VM's context and applies the outcome: returning is success, raising
:class:`~oneedge.drivers.base.DriverError` is failure.
"""

from __future__ import annotations

from oneedge.drivers.base import Driver
from oneedge.drivers.requests import VmContext


class VirtualMachineDriver(Driver):
    KIND = "vmm"

    async def deploy(self, ctx: VmContext) -> str:
        """Create and boot the VM on ``ctx.host``; return its hypervisor ID (the VM's DEPLOY_ID)."""
        raise self.unsupported("deploy")

    async def shutdown(self, ctx: VmContext) -> None:
        """Shut the guest down gracefully and remove it from the hypervisor."""
        raise self.unsupported("shutdown")

    async def cancel(self, ctx: VmContext) -> None:
        """Destroy the VM at once (the -hard variants of terminate, undeploy and poweroff)."""
        raise self.unsupported("cancel")

    async def save(self, ctx: VmContext) -> None:
        """Save the VM's memory to its checkpoint file and stop it (suspend, stop, cold migrate)."""
        raise self.unsupported("save")

    async def restore(self, ctx: VmContext) -> str:
        """Resume a VM from its checkpoint; return its hypervisor ID."""
        raise self.unsupported("restore")

    async def migrate(self, ctx: VmContext) -> None:
        """Live-migrate the running VM from ``ctx.previous_host`` to ``ctx.host``."""
        raise self.unsupported("migrate")

    async def reboot(self, ctx: VmContext) -> None:
        raise self.unsupported("reboot")

    async def reset(self, ctx: VmContext) -> None:
        """Hard reboot."""
        raise self.unsupported("reset")

    async def attach_disk(self, ctx: VmContext, disk_id: int) -> None:
        raise self.unsupported("attach_disk")

    async def detach_disk(self, ctx: VmContext, disk_id: int) -> None:
        raise self.unsupported("detach_disk")

    async def attach_nic(self, ctx: VmContext, nic_id: int) -> None:
        raise self.unsupported("attach_nic")

    async def detach_nic(self, ctx: VmContext, nic_id: int) -> None:
        raise self.unsupported("detach_nic")

    async def snapshot_create(self, ctx: VmContext, snapshot_id: int) -> str:
        """Snapshot the running VM; return the hypervisor's name for it (HYPERVISOR_ID)."""
        raise self.unsupported("snapshot_create")

    async def snapshot_revert(self, ctx: VmContext, hypervisor_id: str) -> None:
        raise self.unsupported("snapshot_revert")

    async def snapshot_delete(self, ctx: VmContext, hypervisor_id: str) -> None:
        raise self.unsupported("snapshot_delete")

    async def resize_disk(self, ctx: VmContext, disk_id: int) -> None:
        """The running guest's disk ``disk_id`` grew to its DISK's SIZE (MB), after the transfer
        driver grew the file (OpenNebula's ``resize_disk``)."""
        raise self.unsupported("resize_disk")

    async def disk_snapshot_create(self, ctx: VmContext, disk_id: int, snapshot_id: int) -> None:
        """Snapshot a disk of the running VM live (OpenNebula's LIVE_DISK_SNAPSHOTS); a driver
        that cannot fails, and the VM goes on without the snapshot."""
        raise self.unsupported("disk_snapshot_create")

    async def resize(self, ctx: VmContext) -> None:
        """Apply the VM's new CPU, VCPU and MEMORY to the running guest (hotplug resize)."""
        raise self.unsupported("resize")

    async def update_conf(self, ctx: VmContext) -> None:
        raise self.unsupported("update_conf")

    async def cleanup(self, ctx: VmContext) -> None:
        """Remove whatever is left of the VM on the host (recover --delete); must not fail on a missing VM."""
        raise self.unsupported("cleanup")

    async def poll(self, ctx: VmContext) -> str:
        """The VM's state as the hypervisor sees it: RUNNING, POWEROFF, SUSPENDED or UNKNOWN."""
        raise self.unsupported("poll")
