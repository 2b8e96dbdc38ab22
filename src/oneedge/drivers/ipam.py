"""The IP address management driver interface (IPAM_MAD): external address ranges.

Actions as OpenNebula's ``src/ipam_mad/remotes/<driver>/``: the address range
document (XML) in, an address range or an address out.
"""

from __future__ import annotations

from oneedge.drivers.base import Driver


class IpamDriver(Driver):
    KIND = "ipam"

    async def register_address_range(self, address_range: str) -> str:
        """Reserve a range in the external IPAM; return the AR template it assigned."""
        raise self.unsupported("register_address_range")

    async def unregister_address_range(self, address_range: str) -> None:
        raise self.unsupported("unregister_address_range")

    async def allocate_address(self, address_range: str, address: str) -> None:
        raise self.unsupported("allocate_address")

    async def get_address(self, address_range: str, size: int) -> str:
        """Pick ``size`` free addresses; return the first one."""
        raise self.unsupported("get_address")

    async def free_address(self, address_range: str, address: str) -> None:
        raise self.unsupported("free_address")
