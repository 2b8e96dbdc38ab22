"""The network driver interface (VN_MAD): what runs on a host around a VM's NICs.

OpenNebula calls ``pre`` before the VM boots (bridges, VLANs), ``post``
after it (filters), ``clean`` when it leaves the host, and ``update_sg``
when its security groups change.
"""

from __future__ import annotations

from oneedge.drivers.base import Driver
from oneedge.drivers.requests import VmContext


class NetworkDriver(Driver):
    KIND = "vnm"

    async def pre(self, ctx: VmContext) -> None:
        raise self.unsupported("pre")

    async def post(self, ctx: VmContext) -> None:
        raise self.unsupported("post")

    async def clean(self, ctx: VmContext) -> None:
        raise self.unsupported("clean")

    async def update_sg(self, ctx: VmContext) -> None:
        raise self.unsupported("update_sg")
