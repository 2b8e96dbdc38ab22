"""VM lifecycle benchmark (issue 4).

    .venv/bin/python bench/lifecycle_bench.py [--vms 1000] [--hosts 100] [--clients 8]

Starts a real ``oneedge up`` on a fresh home, creates the dummy hosts and
waits for them to be MONITORED, then instantiates the VMs from a template
and measures until every VM is RUNNING (goal: 1,000 VMs on 100 hosts under
10 s end to end) and the front-end's CPU time per VM (its processes' user+system
time from /proc, a figure less noisy than wall time on a shared machine).
When the front-end runs a scheduler (a VM left PENDING is
placed without help) the VMs are only instantiated; otherwise each one is
placed with one.vm.deploy, round robin over the hosts, by concurrent clients.
Prints the phases and the rate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support import frontend as fe  # noqa: E402

TEMPLATE = 'NAME = "bench"\nCPU = 0.1\nVCPU = 1\nMEMORY = 64\nDISK = [ TYPE = "fs", SIZE = "8" ]'
RUNNING = (3, 3)


def ok(proxy, method: str, *args):
    result = getattr(proxy, method)(*args)
    if not result[0]:
        raise RuntimeError(f"{method}{args[1:]}: {result[1]}")
    return result[1]


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of ``pid`` and its living descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(children.get(current, ()))
    return total


def count_running(proxy, session: str) -> int:
    pool = ok(proxy, "one.vmpool.info", session, -2, -1, -1, 3)
    return pool.count("<LCM_STATE>3</LCM_STATE>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oneedge-lcm-bench.") as tmp:
        home = Path(tmp) / "home"
        # The front-end's defaults, scheduler included (test front-ends turn it off).
        fe.write_conf(home, scheduler=True)
        frontend = fe.start(home)
        try:
            run(frontend, args.vms, args.hosts, args.clients)
        finally:
            frontend.stop()


def run(frontend: fe.Frontend, vms: int, hosts: int, clients: int) -> None:
    session = frontend.session
    proxy = xmlrpc.client.ServerProxy(frontend.url)
    t0 = time.perf_counter()
    host_ids = [ok(proxy, "one.host.allocate", session, f"bench{i:03d}", "dummy", "dummy", -1) for i in range(hosts)]
    while ok(proxy, "one.hostpool.info", session).count("<STATE>2</STATE>") < hosts:
        time.sleep(0.02)
    print(f"{hosts} dummy hosts MONITORED in {time.perf_counter() - t0:.2f} s")
    template = ok(proxy, "one.template.allocate", session, TEMPLATE)
    # A first VM tells whether a scheduler places PENDING VMs on its own.
    probe = ok(proxy, "one.template.instantiate", session, template, "probe", False, "", False)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and "<STATE>1</STATE>" in ok(proxy, "one.vm.info", session, probe, False):
        time.sleep(0.05)
    scheduled = "<STATE>1</STATE>" not in ok(proxy, "one.vm.info", session, probe, False)
    # Placed, it is terminated once RUNNING (terminate is refused while it boots).
    while scheduled and "<LCM_STATE>3</LCM_STATE>" not in ok(proxy, "one.vm.info", session, probe, False):
        time.sleep(0.02)
    ok(proxy, "one.vm.action", session, "terminate-hard", probe)

    def one_vm(index: int) -> None:
        local = xmlrpc.client.ServerProxy(frontend.url)
        vid = ok(local, "one.template.instantiate", session, template, f"vm-{index}", False, "", False)
        if not scheduled:
            ok(local, "one.vm.deploy", session, vid, host_ids[index % hosts], False, -1, "")

    cpu1 = cpu_seconds(frontend.process.pid)
    t1 = time.perf_counter()
    with ThreadPoolExecutor(clients) as workers:
        list(workers.map(one_vm, range(vms)))
    t2 = time.perf_counter()
    while (running := count_running(proxy, session)) < vms:
        time.sleep(0.05)
    t3 = time.perf_counter()
    cpu = cpu_seconds(frontend.process.pid) - cpu1
    cycles = frontend.log().count(" pending VMs, ")
    how = "the scheduler" if scheduled else f"one.vm.deploy ({clients} clients)"
    print(f"placement by {how}" + (f" ({cycles} cycles placing VMs)" if scheduled else ""))
    print(f"{vms} VMs instantiated{'' if scheduled else ' and deployed'} in {t2 - t1:.2f} s")
    print(f"all {running} RUNNING {t3 - t1:.2f} s after the first instantiate "
          f"({vms / (t3 - t1):.0f} VMs/s; goal < 10 s for 1,000 VMs on 100 hosts)")
    print(f"front-end CPU {cpu:.2f} s ({cpu / vms * 1000:.2f} ms per VM); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
