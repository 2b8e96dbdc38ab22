"""Prometheus text format (version 0.0.4) of the daemon's counters and the last figures of hosts and VMs.

Served by a tiny HTTP/1.0 listener (``GET /metrics``), on loopback unless
monitord.conf's METRICS says otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

#: Host figures exported (probe attribute -> metric name) and VM figures.
HOST_VALUES = {"USEDCPU": "one_host_used_cpu", "FREECPU": "one_host_free_cpu", "USEDMEMORY": "one_host_used_memory_kb",
               "FREEMEMORY": "one_host_free_memory_kb", "NETRX": "one_host_net_rx_bytes", "NETTX": "one_host_net_tx_bytes"}
VM_VALUES = {"CPU": "one_vm_cpu", "MEMORY": "one_vm_memory_kb", "NETRX": "one_vm_net_rx_bytes",
             "NETTX": "one_vm_net_tx_bytes", "DISKRDBYTES": "one_vm_disk_read_bytes",
             "DISKWRBYTES": "one_vm_disk_write_bytes"}


class Figures:
    """The last monitored values of each host and VM (the daemon updates them as records arrive)."""

    def __init__(self) -> None:
        self.hosts: dict[int, dict[str, str]] = {}
        self.vms: dict[int, tuple[int, dict[str, str]]] = {}

    def host(self, host_id: int, values: dict[str, str]) -> None:
        self.hosts[host_id] = {k: values[k] for k in HOST_VALUES if k in values}

    def vm(self, host_id: int, vm_id: int, values: dict[str, str]) -> None:
        self.vms[vm_id] = (host_id, {k: values[k] for k in VM_VALUES if k in values})

    def forget_host(self, host_id: int) -> None:
        self.hosts.pop(host_id, None)
        for vm_id in [v for v, (h, _) in self.vms.items() if h == host_id]:
            del self.vms[vm_id]


def render(counters: list[tuple[str, str, dict[str, str], float]], figures: Figures,
           host_states: dict[int, tuple[str, int]]) -> str:
    """Counters as (name, help, labels, value); then host states and figures, VM figures."""
    lines: list[str] = []
    described: set[str] = set()

    def add(name: str, help_text: str, kind: str, labels: dict[str, str], value: object) -> None:
        if name not in described:
            described.add(name)
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
        label = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines.append(f"{name}{{{label}}} {value}" if label else f"{name} {value}")

    for name, help_text, labels, value in counters:
        add(name, help_text, "counter", labels, value)
    for host_id, (state, state_number) in sorted(host_states.items()):
        add("one_host_state", "Host state number (host.xsd STATE)", "gauge",
            {"host_id": str(host_id), "state": state}, state_number)
    for host_id, values in sorted(figures.hosts.items()):
        for key, value in values.items():
            add(HOST_VALUES[key], f"Host {key} from its last MONITOR_HOST", "gauge", {"host_id": str(host_id)}, value)
    for vm_id, (host_id, values) in sorted(figures.vms.items()):
        for key, value in values.items():
            add(VM_VALUES[key], f"VM {key} from its last MONITOR_VM", "gauge",
                {"vm_id": str(vm_id), "host_id": str(host_id)}, value)
    return "\n".join(lines) + "\n"


class MetricsServer:
    def __init__(self, address: str, port: int, page: Callable[[], str]) -> None:
        self.address = address
        self.port = port
        self.page = page

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            path = request.split(b" ")[1] if request.count(b" ") >= 2 else b""
            if request.startswith(b"GET ") and path in (b"/metrics", b"/"):
                body, status = self.page().encode(), b"200 OK"
            else:
                body, status = b"not found\n", b"404 Not Found"
            writer.write(b"HTTP/1.0 " + status + b"\r\nContent-Type: text/plain; version=0.0.4\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        if not self.port:
            yield
            return
        server = await asyncio.start_server(self._serve, self.address, self.port, reuse_address=True)
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()
