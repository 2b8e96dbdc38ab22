"""The VMs of a host, read from its QEMU processes. Stdlib only.

A QEMU process is one whose program name contains ``qemu`` (``qemu-system-x86_64``,
``qemu-kvm``...); its VM is named by ``-name one-<ID>`` (or
``-name guest=one-<ID>,...``, as libvirt writes it). Counters come from
/proc: CPU time (from a previous sample kept in a state file), resident
memory, I/O bytes and calls; network from the VM's tap devices
``one-<ID>-<NIC>`` in /sys/class/net (the host's RX is the VM's TX).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class QemuVM:
    pid: int
    deploy_id: str
    vm_id: int


def _name(argv: list[str]) -> str | None:
    for flag, value in zip(argv, argv[1:]):
        if flag == "-name":
            for part in value.split(","):
                key, _, val = part.partition("=")
                if not val:
                    return key
                if key == "guest":
                    return val
    return None


def processes(proc: str = "/proc") -> list[QemuVM]:
    found = []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/cmdline", "rb") as handle:
                argv = [arg.decode(errors="replace") for arg in handle.read().split(b"\0") if arg]
        except OSError:
            continue
        if not argv or "qemu" not in os.path.basename(argv[0]):
            continue
        name = _name(argv)
        if name and name.startswith("one-") and name[4:].isdigit():
            found.append(QemuVM(int(entry), name, int(name[4:])))
        elif name:
            found.append(QemuVM(int(entry), name, -1))
    return sorted(found, key=lambda vm: (vm.vm_id, vm.pid))


def _ticks(pid: int, proc: str) -> int:
    with open(f"{proc}/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _status_kb(pid: int, proc: str, key: str) -> int:
    with open(f"{proc}/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _io(pid: int, proc: str) -> dict[str, int]:
    try:
        with open(f"{proc}/{pid}/io") as handle:
            return {k: int(v) for k, v in (line.split(":") for line in handle if ":" in line)}
    except OSError:
        return {}


def _net(vm_id: int, sys_net: str) -> tuple[int, int]:
    rx = tx = 0
    prefix = f"one-{vm_id}-"
    for name in os.listdir(sys_net) if os.path.isdir(sys_net) else []:
        if name.startswith(prefix):
            stats = os.path.join(sys_net, name, "statistics")
            with open(os.path.join(stats, "tx_bytes")) as handle:
                rx += int(handle.read())
            with open(os.path.join(stats, "rx_bytes")) as handle:
                tx += int(handle.read())
    return rx, tx


def monitor(state_file: str, proc: str = "/proc", sys_net: str = "/sys/class/net") -> list[dict[str, object]]:
    """Counters of every QEMU VM; CPU is percent of one core since the previous call (state in ``state_file``)."""
    try:
        with open(state_file) as handle:
            previous = json.load(handle)
    except (OSError, ValueError):
        previous = {}
    hertz = os.sysconf("SC_CLK_TCK")
    now = time.time()
    samples, result = {}, []
    for vm in processes(proc):
        try:
            ticks = _ticks(vm.pid, proc)
            memory = _status_kb(vm.pid, proc, "VmRSS")
        except (OSError, IndexError, ValueError):
            continue  # the process ended while being read
        samples[str(vm.pid)] = [now, ticks]
        last = previous.get(str(vm.pid))
        cpu = 0.0
        if last and now > last[0]:
            cpu = max(0.0, (ticks - last[1]) / hertz / (now - last[0]) * 100)
        io = _io(vm.pid, proc)
        rx, tx = _net(vm.vm_id, sys_net)
        result.append({"vm": vm, "CPU": round(cpu, 2), "MEMORY": memory, "NETRX": rx, "NETTX": tx,
                       "DISKRDBYTES": io.get("read_bytes", 0), "DISKWRBYTES": io.get("write_bytes", 0),
                       "DISKRDIOPS": io.get("syscr", 0), "DISKWRIOPS": io.get("syscw", 0)})
    tmp = state_file + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(samples, handle)
    os.replace(tmp, state_file)
    return result
