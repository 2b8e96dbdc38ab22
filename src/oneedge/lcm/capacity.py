"""What a VM takes on a host, in HostShare's units."""

from __future__ import annotations

from oneedge.pool.vm import VirtualMachine


def capacity(vm: VirtualMachine) -> tuple[int, int]:
    """(CPU in percent of a core, memory in KB): CPU x 100 and MEMORY (MB) x 1024, as HostShare counts."""
    cpu = float(vm.get("TEMPLATE/CPU") or 0)
    memory = int(vm.get("TEMPLATE/MEMORY") or 0)
    return int(round(cpu * 100)), memory * 1024
