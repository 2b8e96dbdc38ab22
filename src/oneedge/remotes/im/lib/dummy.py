"""Simulated hosts and VMs, for tests and benchmarks. Stdlib only.

Figures are deterministic functions of the host ID and time, so a
benchmark can generate the same messages as the dummy probes without
running them. The VMs a dummy host runs are listed in a file, one
``<ID> <STATE>`` per line (path in ``$ONE_DUMMY_VMS``): tests change a VM's
state, or remove it, by rewriting that file.
"""

from __future__ import annotations

import base64
import os


def system(host_id: int) -> str:
    return "\n".join([
        'HYPERVISOR="dummy"', 'ARCH="x86_64"', 'MODELNAME="Simulated CPU"', "CPUSPEED=2400",
        "TOTALCPU=1600", "CPU_COUNT=16", "TOTALMEMORY=33554432", f'HOSTNAME="dummy-{host_id}"',
        "DS_LOCATION_TOTAL_MB=512000", "DS_LOCATION_FREE_MB=409600", "DS_LOCATION_USED_MB=102400",
        *(f'CORE=[ NODE_ID="{n}", ID="{c}", CPUS="{c},{c + 8}" ]' for n in (0, 1) for c in range(n * 4, n * 4 + 4)),
        *(f'HUGEPAGE=[ NODE_ID="{n}", SIZE="2048", PAGES="0" ]' for n in (0, 1)),
        'MEMORY_NODE=[ NODE_ID="0", TOTAL="16777216", DISTANCE="10 20" ]',
        'MEMORY_NODE=[ NODE_ID="1", TOTAL="16777216", DISTANCE="20 10" ]',
    ]) + "\n"


def monitor(host_id: int, now: int) -> str:
    used = (host_id * 37 + now // 60) % 1600
    mem = 4194304 + (host_id * 7919 + now) % 8388608
    return "\n".join([
        f"USEDCPU={used}", f"FREECPU={1600 - used}", f"USEDMEMORY={mem}", f"FREEMEMORY={33554432 - mem}",
        f"NETRX={host_id * 1000 + now}", f"NETTX={host_id * 500 + now}",
        *(f'MEMORY_NODE=[ NODE_ID="{n}", FREE="{16777216 - mem // 2}", USED="{mem // 2}" ]' for n in (0, 1)),
        *(f'HUGEPAGE=[ NODE_ID="{n}", SIZE="2048", FREE="0" ]' for n in (0, 1)),
    ]) + "\n"


def vm_monitor(vms: dict[int, str], now: int) -> str:
    lines = []
    for vm_id, state in sorted(vms.items()):
        if state != "RUNNING":
            continue
        data = (f"CPU={(vm_id * 13 + now) % 100}.5\nMEMORY={262144 + vm_id % 1024}\nNETRX={vm_id * 10 + now}\n"
                f"NETTX={vm_id * 5 + now}\nDISKRDBYTES={vm_id * 100}\nDISKWRBYTES={vm_id * 50}\n"
                f"DISKRDIOPS={vm_id}\nDISKWRIOPS={vm_id // 2}\n")
        lines.append(f'VM=[ ID="{vm_id}", DEPLOY_ID="one-{vm_id}", '
                     f'MONITOR="{base64.b64encode(data.encode()).decode()}" ]')
    return "\n".join(lines) + "\n" if lines else ""


def vm_status(vms: dict[int, str]) -> str:
    return "".join(f'VM=[ ID="{vm_id}", DEPLOY_ID="one-{vm_id}", STATE="{state}" ]\n'
                   for vm_id, state in sorted(vms.items()))


def vms_of(path: str | None) -> dict[int, str]:
    """The VMs in a dummy host's VM file (``$ONE_DUMMY_VMS``); none when unset or missing."""
    if not path or not os.path.exists(path):
        return {}
    found = {}
    with open(path) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) == 2 and fields[0].isdigit():
                found[int(fields[0])] = fields[1]
    return found
