"""The dummy information driver: a simulated host with fixed capacity.

By default 16 cores (TOTALCPU 1600) and 32 GB (TOTALMEMORY in KB); the host's
TEMPLATE may set ``DUMMY_TOTALCPU`` and ``DUMMY_TOTALMEMORY`` instead, and
``DUMMY_FAIL = "monitor"`` makes monitoring fail (the host goes to ERROR).
"""

from __future__ import annotations

from oneedge.drivers.base import DriverError
from oneedge.drivers.dummy.script import act
from oneedge.drivers.im import InformationDriver
from oneedge.drivers.requests import HostContext, HostMonitor

TOTAL_CPU, TOTAL_MEMORY = 1600, 32 * 1024 * 1024


def _int(script: dict[str, str], name: str, default: int) -> int:
    text = script.get(name, "")
    try:
        return int(text) if text else default
    except ValueError:
        raise DriverError(f"{name} must be an integer, got {text!r}") from None


class DummyInformationDriver(InformationDriver):
    async def monitor(self, host: HostContext) -> HostMonitor:
        await act(host.script, "im", "monitor")
        cpu = _int(host.script, "DUMMY_TOTALCPU", TOTAL_CPU)
        memory = _int(host.script, "DUMMY_TOTALMEMORY", TOTAL_MEMORY)
        return HostMonitor(cpu, memory, attributes={"HYPERVISOR": "dummy", "CPUSPEED": "2000",
                                                    "HOSTNAME": host.host, "ARCH": "x86_64"},
                           max_disk=1024 * 1024, free_disk=1024 * 1024)

    async def stop_monitor(self, host: HostContext) -> None:
        await act(host.script, "im", "stop_monitor")
