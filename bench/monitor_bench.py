"""Monitoring benchmark (issue 5).

    .venv/bin/python bench/monitor_bench.py [--hosts 5000] [--vms 50000] [--seconds 30] [--senders 4]

One run, on this machine, of a real front-end (``oneedge up``) and its
monitor daemon with a simulated fleet: each host has its own loopback
address (127.1.x.y, so the daemon's source checks hold) and is a row in a
sender process that sends what the dummy probes would (``remotes/im/lib``:
BEACON_HOST, MONITOR_HOST, SYSTEM_HOST, MONITOR_VM for its VMs, STATE_VM
full syncs) at the default PROBES_PERIOD, each host at its own phase, to
the daemon's port on 127.0.0.1 (UDP). No agent is started (IM_MAD
START_AGENT="NO"). Phases of ``--seconds`` each: idle, default periods,
10x faster periods. Printed side by side:

- messages sent, received and dropped by the daemon (its metrics), lost
  (sent - received - dropped), VM records written and VM documents updated;
- CPU seconds per second of the monitor daemon and of the front-end;
- p50/p99 latency of ``one.hostpool.info`` (one client) and ``one.vm.info``
  (4 clients, random VMs), against the idle phase (goal: p99 within 2x).

VMs are allocated (PENDING): their STATE_VM reports are parsed and checked
by the core, their records written into their documents. The populated
database is kept in ``--cache`` and copied for each run.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing
import os
import random
import re
import shutil
import socket
import sys
import threading
import time
import urllib.request
import xmlrpc.client
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src" / "oneedge" / "remotes" / "im" / "lib"))

import dummy  # noqa: E402
from support import frontend as fe  # noqa: E402

#: OpenNebula's default PROBES_PERIOD (STATE_VM: the full sync period, SYNC_STATE_VM).
PERIODS = {"BEACON_HOST": 30.0, "MONITOR_HOST": 120.0, "SYSTEM_HOST": 600.0, "MONITOR_VM": 30.0, "STATE_VM": 180.0}


def address(host: int) -> str:
    return f"127.1.{host // 250}.{host % 250 + 1}"


# -- population ---------------------------------------------------------------------------------
def populate(home: Path, hosts: int, vms: int) -> None:
    """Hosts through the API; one VM through the API, the others its copies (rows of the same document)."""
    import sqlalchemy as sa

    from lcm.lcm_harness import Harness
    from oneedge.pool.vm import table

    harness = Harness(home)
    for host in range(hosts):
        harness.ok("one.host.allocate", address(host), "sim", "dummy", -1)
    first = harness.ok("one.vm.allocate", 'NAME="bench" CPU="0.1" MEMORY="64"', False)
    store = harness.core.store
    with store.write() as conn:
        row = conn.execute(sa.select(table).where(table.c.oid == first)).mappings().one()
        rows = []
        for oid in range(first + 1, first + vms):
            body = row["body"].replace(f"<ID>{first}</ID>", f"<ID>{oid}</ID>", 1).replace(
                f"<VMID><![CDATA[{first}]]></VMID>", f"<VMID><![CDATA[{oid}]]></VMID>")
            short = row["short_body"].replace(f"<ID>{first}</ID>", f"<ID>{oid}</ID>", 1)
            rows.append({**row, "oid": oid, "body": body, "short_body": short})
        conn.execute(sa.insert(table), rows)
        store.reserve_oid(conn, table.name, first + vms - 1)
    harness.app.close()
    store.dispose()


def configure(home: Path) -> tuple[int, int]:
    fe.write_conf(home)
    port, metrics = fe.free_port(), fe.free_port()
    (home / "monitord.conf").write_text(f"""
MANAGER_TIMER = 15
MONITORING_INTERVAL_HOST = 3600
NETWORK = [ ADDRESS = "127.0.0.1", MONITOR_ADDRESS = "127.0.0.1", PORT = {port} ]
METRICS = [ ADDRESS = "127.0.0.1", PORT = {metrics} ]
LOG = [ DEBUG_LEVEL = 1 ]
IM_MAD = [ NAME = "sim", PROBES = "dummy-probes.d", PROTOCOL = "udp", START_AGENT = "NO" ]
""")
    return port, metrics


# -- simulated hosts ----------------------------------------------------------------------------
def _payload(kind: str, host: int, vm_ids: list[int], now: int) -> bytes:
    if kind == "BEACON_HOST":
        data = f"BEACON={now}\n"
    elif kind == "MONITOR_HOST":
        data = dummy.monitor(host, now)
    elif kind == "SYSTEM_HOST":
        data = dummy.system(host)
    elif kind == "MONITOR_VM":
        data = dummy.vm_monitor({vm: "RUNNING" for vm in vm_ids}, now)
    else:
        data = dummy.vm_status({vm: "RUNNING" for vm in vm_ids}) + "SYNC_STATE=YES\nMISSING_STATE=POWEROFF\n"
    return base64.b64encode(zlib.compress(data.encode(), 6))


def sender(hosts: list[tuple[int, list[int]]], port: int, speed: float, seconds: float, seed: int,
           result) -> None:
    """Send each host's messages at its phase for ``seconds``; put {type: sent} in ``result``."""
    rng = random.Random(seed)
    now = int(time.time())
    sockets = {}
    for host, _ in hosts:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address(host), 0))
        sockets[host] = sock
    payloads = {(host, kind): _payload(kind, host, vms, now) for host, vms in hosts for kind in PERIODS}
    start = time.monotonic()
    schedule = sorted((start + rng.random() * period / speed, host, kind)
                      for host, _ in hosts for kind, period in PERIODS.items())
    import heapq

    heapq.heapify(schedule)
    sent: dict[str, int] = dict.fromkeys(PERIODS, 0)
    last: dict[tuple[int, str], int] = {}
    end = start + seconds
    while schedule and schedule[0][0] < end:
        due, host, kind = heapq.heappop(schedule)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        # Timestamps of one kind never repeat (the daemon drops replays), as the agent's.
        ts = max(int(time.time()), last.get((host, kind), 0) + 1)
        last[(host, kind)] = ts
        line = f"{kind} SUCCESS {host} {ts} ".encode() + payloads[(host, kind)]
        sockets[host].sendto(line, ("127.0.0.1", port))
        sent[kind] += 1
        heapq.heappush(schedule, (due + PERIODS[kind] / speed, host, kind))
    result.put(sent)


# -- measuring ----------------------------------------------------------------------------------
def metrics(port: int) -> dict[str, float]:
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    found: dict[str, float] = {}
    for line in page.splitlines():
        match = re.match(r"(one_monitord_\w+)(\{[^}]*\})? (\S+)", line)
        if match:
            found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def monitor_pid(frontend_pid: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == frontend_pid and b"monitord" in cmdline:
                return int(entry.name)
    raise RuntimeError("no monitor daemon under the front-end")


def latencies(url: str, session: str, method: str, args_of, seconds: float, clients: int) -> list[float]:
    found: list[float] = []
    lock = threading.Lock()
    host, port = url.split("//")[1].split("/")[0].split(":")

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        mine = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            body = xmlrpc.client.dumps((session, *args_of()), method).encode()
            started = time.perf_counter()
            conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
            response = conn.getresponse()
            data = response.read()
            mine.append(time.perf_counter() - started)
            if b"<boolean>1</boolean>" not in data[:400]:
                raise RuntimeError(f"{method} failed: {data[:300]!r}")
        with lock:
            found.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(found)


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def phase(name: str, speed: float, args, frontend, port: int, metrics_port: int, mon_pid: int,
          fleet: list[list[tuple[int, list[int]]]]) -> dict:
    before = metrics(metrics_port)
    cpu0 = (cpu_seconds(mon_pid), cpu_seconds(frontend.process.pid))
    wall = time.monotonic()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    senders = [multiprocessing.Process(target=sender, args=(part, port, speed, args.seconds, i, queue))
               for i, part in enumerate(fleet)] if speed else []
    for process in senders:
        process.start()
    vm_count = args.vms
    result: dict = {}
    timing = threading.Thread(target=lambda: result.update(
        hostpool=latencies(frontend.url, frontend.session, "one.hostpool.info", lambda: (), args.seconds, 1)))
    timing.start()
    result["vm"] = latencies(frontend.url, frontend.session, "one.vm.info",
                             lambda: (random.randrange(vm_count), False), args.seconds, 4)
    timing.join()
    sent: dict[str, int] = dict.fromkeys(PERIODS, 0)
    for _ in senders:
        for kind, count in queue.get().items():
            sent[kind] += count
    for process in senders:
        process.join()
    # Drain: until the daemon's counters stop moving (records are written every second).
    previous = None
    while (current := metrics(metrics_port)) != previous:
        previous = current
        time.sleep(2.5)
    elapsed = time.monotonic() - wall
    cpu1 = (cpu_seconds(mon_pid), cpu_seconds(frontend.process.pid))
    delta = {k: current.get(k, 0) - before.get(k, 0) for k in current}
    received = sum(v for k, v in delta.items() if k.startswith("one_monitord_messages_total"))
    dropped = sum(v for k, v in delta.items() if k.startswith("one_monitord_dropped_total"))
    total_sent = sum(sent.values())
    return {
        "name": name, "sent": total_sent, "received": received, "dropped": dropped,
        "lost": total_sent - received - dropped, "rate": total_sent / args.seconds,
        "records": delta.get("one_monitord_records_written_total", 0),
        "documents": delta.get("one_monitord_vm_documents_total", 0),
        "cpu_monitor": (cpu1[0] - cpu0[0]) / elapsed, "cpu_frontend": (cpu1[1] - cpu0[1]) / elapsed,
        "hostpool": result["hostpool"], "vm": result["vm"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--vms", type=int, default=50000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/oneedge-monitor-bench"))
    args = parser.parse_args()
    cached = args.cache / f"{args.hosts}-{args.vms}"
    if not (cached / "one.db").exists():
        shutil.rmtree(cached, ignore_errors=True)
        started = time.monotonic()
        configure(cached)
        populate(cached, args.hosts, args.vms)
        print(f"populated {args.hosts} hosts and {args.vms} VMs in {time.monotonic() - started:.0f} s")
    home = Path(os.environ.get("TMPDIR", "/tmp")) / f"monitor-bench-{os.getpid()}"
    shutil.copytree(cached, home)
    port, metrics_port = configure(home)
    per_host = args.vms // args.hosts
    hosts = [(h, list(range(h * per_host, (h + 1) * per_host))) for h in range(args.hosts)]
    fleet = [hosts[i::args.senders] for i in range(args.senders)]
    frontend = fe.start(home, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the daemon knows every host
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).read()
            except OSError:
                page = b""
            if page.count(b"one_host_state{") >= args.hosts:
                break
            time.sleep(0.5)
        mon_pid = monitor_pid(frontend.process.pid)
        results = [phase("idle", 0, args, frontend, port, metrics_port, mon_pid, fleet),
                   phase("default periods", 1, args, frontend, port, metrics_port, mon_pid, fleet),
                   phase("10x faster", 10, args, frontend, port, metrics_port, mon_pid, fleet)]
    finally:
        frontend.stop(timeout=60)
        shutil.rmtree(home, ignore_errors=True)
    idle = results[0]
    print(f"\n{args.hosts} hosts, {args.vms} VMs, {args.seconds:.0f} s per phase, {args.senders} sender processes")
    print(f"{'phase':<16}{'sent/s':>8}{'sent':>9}{'recv':>9}{'drop':>6}{'lost':>6}{'records':>9}{'VM docs':>9}"
          f"{'monitord':>10}{'front-end':>10}   hostpool.info p50/p99 (x idle)   vm.info p50/p99 (x idle)")
    for r in results:
        print(f"{r['name']:<16}{r['rate']:>8.0f}{r['sent']:>9}{r['received']:>9.0f}{r['dropped']:>6.0f}"
              f"{r['lost']:>6.0f}{r['records']:>9.0f}{r['documents']:>9.0f}"
              f"{r['cpu_monitor'] * 100:>9.0f}%{r['cpu_frontend'] * 100:>9.0f}%"
              f"   {pct(r['hostpool'], .5):7.1f}/{pct(r['hostpool'], .99):7.1f} ms"
              f" ({pct(r['hostpool'], .99) / pct(idle['hostpool'], .99):.2f}x)"
              f"   {pct(r['vm'], .5):6.2f}/{pct(r['vm'], .99):6.2f} ms ({pct(r['vm'], .99) / pct(idle['vm'], .99):.2f}x)")


if __name__ == "__main__":
    main()
