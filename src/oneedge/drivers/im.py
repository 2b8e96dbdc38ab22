"""The information driver interface (IM_MAD): monitoring a host's capacity."""

from __future__ import annotations

from oneedge.drivers.base import Driver
from oneedge.drivers.requests import HostContext, HostMonitor


class InformationDriver(Driver):
    KIND = "im"

    async def monitor(self, host: HostContext) -> HostMonitor:
        """Measure the host's capacity; raising marks the host in ERROR."""
        raise self.unsupported("monitor")

    async def stop_monitor(self, host: HostContext) -> None:
        """Stop the host's probes (host disabled, offline or deleted); a no-op when there are none."""
        raise self.unsupported("stop_monitor")
