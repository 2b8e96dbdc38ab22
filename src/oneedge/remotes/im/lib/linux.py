"""What the real probes read from a Linux host (/proc, /sys), as template text. Stdlib only.

Each function returns the lines of OpenNebula's probe output for one
concern. Paths are parameters (``root``) so tests can point them at a copy.
"""

from __future__ import annotations

import os
import platform
import socket


def _read(path: str, default: str = "") -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return default


def quote(value: object) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def vector(name: str, **items: object) -> str:
    return f"{name}=[ " + ", ".join(f"{key}={quote(value)}" for key, value in items.items()) + " ]"


def meminfo(path: str = "/proc/meminfo") -> dict[str, int]:
    """KB figures of a meminfo file (``Node 0 MemFree:`` prefixes are dropped)."""
    found = {}
    for line in _read(path).splitlines():
        head, _, rest = line.partition(":")
        fields = rest.split()
        if fields:
            found[head.split()[-1]] = int(fields[0])
    return found


def cpus(root: str = "/") -> int:
    return os.cpu_count() or 1


def system(root: str = "/") -> list[str]:
    """HYPERVISOR, ARCH, MODELNAME, CPUSPEED, TOTALCPU, TOTALMEMORY, HOSTNAME, CPU_COUNT."""
    model, speed = "", 0.0
    for line in _read(os.path.join(root, "proc/cpuinfo")).splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key == "cpu MHz" and not speed:
            speed = float(value.strip() or 0)
    total_mem = meminfo(os.path.join(root, "proc/meminfo")).get("MemTotal", 0)
    count = cpus(root)
    return [f"HYPERVISOR={quote('kvm')}", f"ARCH={quote(platform.machine())}", f"MODELNAME={quote(model)}",
            f"CPUSPEED={int(speed)}", f"TOTALCPU={count * 100}", f"CPU_COUNT={count}",
            f"TOTALMEMORY={total_mem}", f"HOSTNAME={quote(socket.gethostname())}"]


def usage(root: str = "/") -> list[str]:
    """Load-based USEDCPU/FREECPU, USEDMEMORY/FREEMEMORY and NETRX/NETTX over every non-loopback interface."""
    total = cpus(root) * 100
    load = float((_read(os.path.join(root, "proc/loadavg"), "0").split() or ["0"])[0])
    used_cpu = min(total, int(load * 100))
    mem = meminfo(os.path.join(root, "proc/meminfo"))
    free_mem = mem.get("MemAvailable", mem.get("MemFree", 0))
    rx = tx = 0
    for line in _read(os.path.join(root, "proc/net/dev")).splitlines()[2:]:
        name, _, counters = line.partition(":")
        fields = counters.split()
        if name.strip() != "lo" and len(fields) >= 9:
            rx += int(fields[0])
            tx += int(fields[8])
    return [f"USEDCPU={used_cpu}", f"FREECPU={total - used_cpu}", f"USEDMEMORY={mem.get('MemTotal', 0) - free_mem}",
            f"FREEMEMORY={free_mem}", f"NETRX={rx}", f"NETTX={tx}"]


def _nodes(root: str) -> list[tuple[int, str]]:
    base = os.path.join(root, "sys/devices/system/node")
    try:
        names = os.listdir(base)
    except OSError:
        return []
    return sorted((int(n[4:]), os.path.join(base, n)) for n in names if n.startswith("node") and n[4:].isdigit())


def _hugepages(path: str) -> list[tuple[int, int, int]]:
    """(size KB, pages, free) of a node's hugepages directory."""
    found = []
    base = os.path.join(path, "hugepages")
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        size = int(name.split("-")[1].rstrip("kB"))
        pages = int(_read(os.path.join(base, name, "nr_hugepages"), "0").strip() or 0)
        free = int(_read(os.path.join(base, name, "free_hugepages"), "0").strip() or 0)
        found.append((size, pages, free))
    return found


def numa_system(root: str = "/") -> list[str]:
    """NUMA topology: CORE (thread siblings), HUGEPAGE (size, pages), MEMORY_NODE (total, distances)."""
    lines = []
    for node_id, path in _nodes(root):
        cpulist = _read(os.path.join(path, "cpulist")).strip()
        cores: dict[int, list[int]] = {}
        for cpu in _expand(cpulist):
            topo = os.path.join(root, f"sys/devices/system/cpu/cpu{cpu}/topology")
            core_id = int(_read(os.path.join(topo, "core_id"), str(cpu)).strip() or cpu)
            package = int(_read(os.path.join(topo, "physical_package_id"), "0").strip() or 0)
            cores.setdefault(package * 100000 + core_id, []).append(cpu)
        for siblings in sorted(cores.values()):
            lines.append(vector("CORE", NODE_ID=node_id, ID=min(siblings),
                                CPUS=",".join(str(c) for c in sorted(siblings))))
        for size, pages, _free in _hugepages(path):
            lines.append(vector("HUGEPAGE", NODE_ID=node_id, SIZE=size, PAGES=pages))
        total = meminfo(os.path.join(path, "meminfo")).get("MemTotal", 0)
        distance = " ".join(_read(os.path.join(path, "distance")).split())
        lines.append(vector("MEMORY_NODE", NODE_ID=node_id, TOTAL=total, DISTANCE=distance))
    return lines


def numa_monitor(root: str = "/") -> list[str]:
    """Per node: MEMORY_NODE (free, used) and HUGEPAGE (free pages of each size)."""
    lines = []
    for node_id, path in _nodes(root):
        mem = meminfo(os.path.join(path, "meminfo"))
        lines.append(vector("MEMORY_NODE", NODE_ID=node_id, FREE=mem.get("MemFree", 0),
                            USED=mem.get("MemTotal", 0) - mem.get("MemFree", 0)))
        for size, _pages, free in _hugepages(path):
            lines.append(vector("HUGEPAGE", NODE_ID=node_id, SIZE=size, FREE=free))
    return lines


def _expand(cpulist: str) -> list[int]:
    """``0-3,8`` -> [0, 1, 2, 3, 8]."""
    found = []
    for part in cpulist.split(","):
        if "-" in part:
            low, high = part.split("-")
            found.extend(range(int(low), int(high) + 1))
        elif part.strip():
            found.append(int(part))
    return found


def pci(root: str = "/", filters: str = "0:0") -> list[str]:
    """PCI devices matching a ``vendor:device`` filter list (``*`` wildcards; OpenNebula's default ``0:0``: none)."""
    rules = [tuple(rule.strip().split(":")) for rule in filters.split(",") if ":" in rule]
    base = os.path.join(root, "sys/bus/pci/devices")
    lines = []
    for address in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        path = os.path.join(base, address)
        vendor = _read(os.path.join(path, "vendor")).strip().removeprefix("0x")
        device = _read(os.path.join(path, "device")).strip().removeprefix("0x")
        klass = _read(os.path.join(path, "class")).strip().removeprefix("0x")
        if not any(v in ("*", vendor) and d in ("*", device) for v, d in rules):
            continue
        domain, bus, slot_function = address.split(":")
        slot, function = slot_function.split(".")
        node = _read(os.path.join(path, "numa_node"), "-1").strip()
        lines.append(vector(
            "PCI", ADDRESS=f"{domain}:{bus}:{slot}:{function}", BUS=bus, CLASS=klass[:4], CLASS_NAME=klass[:4],
            DEVICE=device, DEVICE_NAME=device, DOMAIN=domain, FUNCTION=function,
            NUMA_NODE=node if node != "-1" else "0", SHORT_ADDRESS=f"{bus}:{slot}.{function}", SLOT=slot,
            TYPE=f"{vendor}:{device}:{klass[:4]}", VENDOR=vendor, VENDOR_NAME=vendor))
    return lines


def datastores(location: str) -> list[str]:
    """DS_LOCATION_* of the datastores directory's file system, and DS=[...] for each datastore in it."""
    path = location if os.path.isdir(location) else "/"
    lines = []
    for label, target in (("DS_LOCATION", path),):
        st = os.statvfs(target)
        total, free = st.f_blocks * st.f_frsize >> 20, st.f_bavail * st.f_frsize >> 20
        lines += [f"{label}_TOTAL_MB={total}", f"{label}_FREE_MB={free}", f"{label}_USED_MB={total - free}"]
    for name in sorted(os.listdir(location)) if os.path.isdir(location) else []:
        if name.isdigit():
            st = os.statvfs(os.path.join(location, name))
            total, free = st.f_blocks * st.f_frsize >> 20, st.f_bavail * st.f_frsize >> 20
            lines.append(vector("DS", ID=name, TOTAL_MB=total, FREE_MB=free, USED_MB=total - free))
    return lines
