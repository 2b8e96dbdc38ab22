"""The ``kvm`` VM_MAD: each action translates the VM (pure) and runs its host-side script.

Host-side scripts live in the remotes (``vmm/kvm/<action>``), are called with
the VM's runtime key and directory, get a JSON request on stdin and answer
JSON on stdout; a failure's one stderr line becomes the DriverError the user
sees. The acceleration a host uses comes from its monitoring
(``KVM_ACCELERATION`` in the host's template); until monitoring has it, the
driver asks the host once (the host caches its probe) and remembers it.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from oneedge.drivers.base import Capabilities, DriverConfig, DriverError
from oneedge.drivers.kvm import config as qemu
from oneedge.drivers.kvm.translate import HostFacts, TranslationError, runtime_key, translate, vm_dir
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport import TransportError
from oneedge.drivers.transport_factory import Transports
from oneedge.drivers.vmm import VirtualMachineDriver

#: Seconds a guest has to power off on the ACPI button before shutdown turns hard.
SHUTDOWN_TIMEOUT = 60.0


class KvmDriver(VirtualMachineDriver):
    CAPABILITIES = Capabilities(live_migration=True, hotplug_disk=True, hotplug_nic=True, snapshots=True)

    def __init__(self, config: DriverConfig, transports: Transports) -> None:
        super().__init__(config)
        self.transports = transports
        self._accel: dict[str, str] = {}
        self.shutdown_timeout = float(config.attributes.get("SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT))

    # -- host facts -------------------------------------------------------------------------
    async def acceleration(self, host: str, host_document: str = "", refresh: bool = False) -> str:
        """``kvm`` or ``tcg`` for ``host``: its monitored KVM_ACCELERATION, else its cached probe."""
        if host_document and not refresh:
            monitored = etree.fromstring(host_document.encode()).findtext("TEMPLATE/KVM_ACCELERATION", "")
            if monitored in ("kvm", "tcg"):
                return monitored
        if refresh or host not in self._accel:
            answer = await self._call(host, "acceleration", [], {"refresh": refresh}, timeout=60)
            self._accel[host] = answer["accel"]
        return self._accel[host]

    def ds_location(self, host_document: str) -> str:
        location = ""
        if host_document:
            location = etree.fromstring(host_document.encode()).findtext("TEMPLATE/DATASTORE_LOCATION", "")
        return location or str(self.transports.config.home / "datastores")

    async def facts(self, host: str, host_document: str) -> HostFacts:
        return HostFacts(host, await self.acceleration(host, host_document), self.ds_location(host_document))

    # -- plumbing ---------------------------------------------------------------------------
    async def _call(self, host: str, action: str, args: list[str], request: dict[str, Any],
                    timeout: float | None = None) -> Any:
        try:
            result = await self.transports.for_host(host).run(
                f"vmm/kvm/{action}", args, stdin=json.dumps(request).encode(), timeout=timeout or self.config.timeout)
        except TransportError as exc:
            raise DriverError(f"{action}: {exc}") from exc
        if not result.ok:
            message = result.stderr.decode(errors="replace").strip().splitlines()
            raise DriverError(f"{action} on {host}: {message[-1] if message else f'exit {result.rc}'}")
        return json.loads(result.stdout or b"{}")

    def _where(self, ctx: VmContext, host: str = "") -> tuple[str, list[str]]:
        """The host and the (runtime key, VM directory) arguments of the VM's scripts there."""
        host = host or ctx.host
        directory = vm_dir(etree.fromstring(ctx.document.encode()), ctx.ds_id,
                           HostFacts(host, "tcg", self.ds_location(ctx.host_document)))
        return host, [runtime_key(host, directory), directory]

    async def _act(self, ctx: VmContext, action: str, request: dict[str, Any] | None = None,
                   host: str = "") -> Any:
        where, args = self._where(ctx, host)
        return await self._call(where, action, args, request or {})

    async def _config(self, ctx: VmContext, *, host: str = "", incoming: bool = False) -> qemu.QemuConfig:
        host = host or ctx.host
        try:
            return translate(ctx.document, ctx.ds_id, await self.facts(host, ctx.host_document), incoming=incoming)
        except TranslationError as exc:
            raise DriverError(str(exc)) from None

    @staticmethod
    def launch_request(config: qemu.QemuConfig) -> dict[str, Any]:
        """What the host's ``deploy``/``restore``/``migrate_receive`` need to start QEMU."""
        return {"argv": qemu.argv(config), "memory_mb": config.memory_mb, "cpu": config.cpu,
                "files": list(config.files), "bridges": {nic.tap: nic.bridge for nic in config.nics},
                "vnc_password": config.vnc.password if config.vnc else ""}

    # -- actions ----------------------------------------------------------------------------
    async def deploy(self, ctx: VmContext) -> str:
        await self._act(ctx, "deploy", self.launch_request(await self._config(ctx)))
        return f"one-{ctx.vm_id}"

    async def shutdown(self, ctx: VmContext) -> None:
        await self._act(ctx, "shutdown", {"timeout": self.shutdown_timeout})

    async def cancel(self, ctx: VmContext) -> None:
        await self._act(ctx, "cancel")

    async def cleanup(self, ctx: VmContext) -> None:
        await self._act(ctx, "cleanup")

    async def reboot(self, ctx: VmContext) -> None:
        await self._act(ctx, "reboot", {"timeout": self.shutdown_timeout})

    async def reset(self, ctx: VmContext) -> None:
        await self._act(ctx, "reset")

    async def poll(self, ctx: VmContext) -> str:
        return str((await self._act(ctx, "poll"))["state"])

    async def save(self, ctx: VmContext) -> None:
        _, (_, directory) = self._where(ctx)
        await self._act(ctx, "save", {"checkpoint": f"{directory}/checkpoint"})

    async def restore(self, ctx: VmContext) -> str:
        config = await self._config(ctx, incoming=True)
        await self._act(ctx, "restore", {**self.launch_request(config), "checkpoint": f"{config.vm_dir}/checkpoint"})
        return f"one-{ctx.vm_id}"

    async def migrate(self, ctx: VmContext) -> None:
        """Live: QEMU listening on ``ctx.host``, the running one on ``ctx.previous_host`` streams to it."""
        if not ctx.previous_host:
            raise DriverError("migrate: no source host (previous_host) given")
        target = await self._config(ctx, incoming=True)
        listening = await self._act(ctx, "migrate_receive", self.launch_request(target))
        try:
            await self._act(ctx, "migrate", {"uri": f"tcp:{ctx.host}:{listening['port']}"}, host=ctx.previous_host)
        except DriverError:
            await self._act(ctx, "cancel")
            raise

    async def attach_disk(self, ctx: VmContext, disk_id: int) -> None:
        config = await self._config(ctx)
        disk = _find(config.disks, disk_id, "DISK")
        await self._act(ctx, "attach_disk", {"file": disk.path, "blockdev": qemu.blockdev(disk),
                                             "device": qemu.disk_device(config, disk)})

    async def detach_disk(self, ctx: VmContext, disk_id: int) -> None:
        disk = _find((await self._config(ctx)).disks, disk_id, "DISK")
        await self._act(ctx, "detach_disk", {"device": disk.device_id, "node": disk.node})

    async def attach_nic(self, ctx: VmContext, nic_id: int) -> None:
        config = await self._config(ctx)
        nic = _find(config.nics, nic_id, "NIC")
        await self._act(ctx, "attach_nic", {"netdev": qemu.netdev(nic), "device": qemu.nic_device(config, nic),
                                            "bridges": {nic.tap: nic.bridge}})

    async def detach_nic(self, ctx: VmContext, nic_id: int) -> None:
        nic = _find((await self._config(ctx)).nics, nic_id, "NIC")
        await self._act(ctx, "detach_nic", {"device": nic.device_id, "netdev": nic.netdev_id})

    async def snapshot_create(self, ctx: VmContext, snapshot_id: int) -> str:
        name = f"snap-{snapshot_id}"
        await self._act(ctx, "snapshot_create", {"name": name})
        return name

    async def snapshot_revert(self, ctx: VmContext, hypervisor_id: str) -> None:
        await self._act(ctx, "snapshot_revert", {"name": hypervisor_id})

    async def snapshot_delete(self, ctx: VmContext, hypervisor_id: str) -> None:
        await self._act(ctx, "snapshot_delete", {"name": hypervisor_id})


def _find(items: tuple[Any, ...], wanted: int, what: str) -> Any:
    for item in items:
        if getattr(item, "disk_id", getattr(item, "nic_id", None)) == wanted:
            return item
    raise DriverError(f"the VM has no {what} {wanted}")
