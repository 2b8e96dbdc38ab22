"""The provision driver interface: hosts created and destroyed at a cloud or edge provider
(OneProvision's providers)."""

from __future__ import annotations

from oneedge.drivers.base import Driver


class ProvisionDriver(Driver):
    KIND = "provision"

    async def create(self, provider: str, host_template: str) -> str:
        """Create a host at the provider; return its provider ID."""
        raise self.unsupported("create")

    async def delete(self, provider: str, provider_id: str) -> None:
        raise self.unsupported("delete")

    async def poweroff(self, provider: str, provider_id: str) -> None:
        raise self.unsupported("poweroff")

    async def resume(self, provider: str, provider_id: str) -> None:
        raise self.unsupported("resume")
