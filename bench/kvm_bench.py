"""kvm benchmark: a guest's start through a real ``oneedge up`` split into front-end, driver and
QEMU/guest parts, the driver's overhead against the same QEMU command started by hand, and 20 VMs
instantiated at once, all in one run.

    .venv/bin/python bench/kvm_bench.py [--rounds 3] [--many 20]

The front-end is ``oneedge up`` with this machine set up as its kvm host by the first-start code
(template ``edge-guest``, network ``local`` on a bridge of its own). Its times come from the event
stream (``EVENT STATE VM/...``, published as each transition commits), the QEMU process's start
(/proc, 10 ms ticks) and the guest's console (``serial.log``); the VM's history records (1 s)
cross-check them. The driver-level rounds run the kvm driver in this process, timing its deploy
against the same QEMU command started by hand. TCG or KVM as the acceleration probe says.
Needs root (bridge, taps, cgroups) and QEMU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import zmq

from oneedge.drivers.base import DriverConfig
from oneedge.drivers.kvm import config as qemu
from oneedge.drivers.kvm.driver import KvmDriver
from oneedge.drivers.kvm.translate import translate
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.guest.build import KERNEL_CMD, build

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support import frontend as fe  # noqa: E402

NETWORK, BRIDGE = "10.234.77.0/24", f"onebench{os.getpid() % 10000}"
TICK = os.sysconf("SC_CLK_TCK")

FIRST_LINE = "one-context: init started"


def document(vm_id: int, kernel: Path, initrd: Path, memory: int = 128) -> str:
    return (f"<VM><ID>{vm_id}</ID><NAME>bench{vm_id}</NAME><TEMPLATE><MEMORY>{memory}</MEMORY><CPU>0.1</CPU>"
            f"<VCPU>1</VCPU><OS><KERNEL>{kernel}</KERNEL><INITRD>{initrd}</INITRD>"
            f"<KERNEL_CMD>{KERNEL_CMD}</KERNEL_CMD></OS></TEMPLATE></VM>")


async def wait_line(log: Path, text: str, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return time.monotonic()
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{text!r} not in {log} after {timeout} s")


def by_hand(argv: list[str], run_dir: str) -> None:
    """The same command as the driver's, started the way a person would: QEMU, then ``cont``."""
    os.makedirs(run_dir, exist_ok=True)
    subprocess.run(argv, check=True, capture_output=True)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(f"{run_dir}/qmp.sock")
        reader = sock.makefile("rb")
        reader.readline()
        for command in ("qmp_capabilities", "cont"):
            sock.sendall(json.dumps({"execute": command}).encode())
            while b'"return"' not in reader.readline():
                pass


def kill(run_dir: str) -> None:
    pid = Path(run_dir, "qemu.pid")
    if pid.exists():
        subprocess.run(["kill", "-9", pid.read_text().strip()], capture_output=True)
        while Path(f"/proc/{pid.read_text().strip()}").exists():
            time.sleep(0.01)
    subprocess.run(["rm", "-rf", run_dir])


async def one_round(driver: KvmDriver, home: Path, vm_id: int, kernel: Path, initrd: Path) -> dict[str, float]:
    doc = document(vm_id, kernel, initrd)
    ctx = VmContext(vm_id, doc, "localhost", "<HOST/>", 0, 0)
    log = home / "datastores" / "0" / str(vm_id) / "serial.log"
    log.unlink(missing_ok=True)
    started = time.monotonic()
    facts = await driver.facts("localhost", "")
    config = translate(doc, 0, facts)
    argv = qemu.argv(config)
    translated = time.monotonic()
    await driver.deploy(ctx)
    deployed = time.monotonic()
    first = await wait_line(log, FIRST_LINE)
    await driver.cancel(ctx)
    # The same command by hand, same VM directory and runtime files.
    log.unlink(missing_ok=True)
    hand_start = time.monotonic()
    await asyncio.to_thread(by_hand, argv, config.run_dir)
    hand_running = time.monotonic()
    hand_first = await wait_line(log, FIRST_LINE)
    kill(config.run_dir)
    return {"translate_ms": (translated - started) * 1000, "deploy_ms": (deployed - translated) * 1000,
            "hand_ms": (hand_running - hand_start) * 1000,
            "overhead_ms": ((deployed - translated) - (hand_running - hand_start)) * 1000,
            "guest_first_line_s": first - deployed, "hand_first_line_s": hand_first - hand_running}


# -- through the front-end -------------------------------------------------------------------
class Events:
    """Monotonic arrival time of each VM state change on the front-end's event stream."""

    def __init__(self, endpoint: str) -> None:
        self.seen: dict[tuple[int, str], float] = {}
        self.lock = threading.Condition()
        self.socket = zmq.Context.instance().socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"EVENT STATE VM/")
        self.socket.connect(endpoint)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        time.sleep(0.3)  # the subscription reaches the XPUB socket

    def _run(self) -> None:
        while self.running:
            if not self.socket.poll(100):
                continue
            key = self.socket.recv_multipart()[0].decode().split()[2]  # VM/ACTIVE/RUNNING/<id>
            _, _, lcm, vid = key.split("/")
            with self.lock:
                self.seen.setdefault((int(vid), lcm), time.monotonic())
                self.lock.notify_all()

    def wait(self, vids: list[int], lcm: str, timeout: float = 600) -> list[float]:
        with self.lock:
            if not self.lock.wait_for(lambda: all((v, lcm) in self.seen for v in vids), timeout):
                raise TimeoutError(f"{lcm} not reached by {[v for v in vids if (v, lcm) not in self.seen]}")
            return [self.seen[(v, lcm)] for v in vids]

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


def qemu_started(vm_dir: Path) -> float:
    """Monotonic time the VM's QEMU process started (/proc starttime, CLOCK_BOOTTIME ticks)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if b"qemu-system" in cmdline and f"{vm_dir}/".encode() in cmdline:
            ticks = int(stat.rsplit(")", 1)[1].split()[19])
            return time.monotonic() - (time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / TICK)
    raise LookupError(f"no QEMU for {vm_dir}")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the process's own user+system time, its waited-for children's) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def frontend_round(one: fe.Frontend, events: Events, template: int) -> dict[str, float]:
    api = one.raw()
    t0 = time.monotonic()
    vid = int(api.ok("one.template.instantiate", template, "", False, "", False))
    prolog, boot, running = (events.wait([vid], lcm, 300)[0] for lcm in ("PROLOG", "BOOT", "RUNNING"))
    vm_dir = one.home / "datastores" / "0" / str(vid)
    started = qemu_started(vm_dir)
    first = wait_line_sync(vm_dir / "serial.log", FIRST_LINE)
    history = one.pyone().vm.info(vid).HISTORY_RECORDS.HISTORY[-1]
    api.ok("one.vm.action", "terminate-hard", vid)
    events.wait([vid], "EPILOG", 120)
    return {"api_scheduler_ms": (prolog - t0) * 1000, "prolog_tm_ms": (boot - prolog) * 1000,
            "boot_to_qemu_ms": (started - boot) * 1000, "qemu_to_running_ms": (running - started) * 1000,
            "deploy_boot_to_running_ms": (running - boot) * 1000,
            "instantiate_to_running_s": running - t0, "qemu_to_first_line_s": first - started,
            "instantiate_to_first_line_s": first - t0,
            "history_stime_to_rstime_s": float(history.RSTIME - history.STIME)}


def wait_line_sync(log: Path, text: str, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return time.monotonic()
        time.sleep(0.005)
    raise TimeoutError(f"{text!r} not in {log} after {timeout} s")


def frontend_many(one: fe.Frontend, events: Events, template: int, count: int) -> dict[str, float]:
    """``count`` instantiations at once (CPU = 0.05 each so they fit this host's capacity)."""
    api = one.raw()
    cpu0, t0 = cpu_seconds(one.process.pid), time.monotonic()
    with ThreadPoolExecutor(count) as pool:
        vids = list(pool.map(lambda _: int(api.ok("one.template.instantiate", template, "", False, "CPU = 0.05",
                                               False)), range(count)))
    running = max(events.wait(vids, "RUNNING", 900))
    cpu1 = cpu_seconds(one.process.pid)
    firsts = [wait_line_sync(one.home / "datastores" / "0" / str(v) / "serial.log", FIRST_LINE, 900) for v in vids]
    states = {int(one.pyone().vm.info(v).LCM_STATE) for v in vids}
    for vid in vids:
        api.ok("one.vm.action", "terminate-hard", vid)
    events.wait(vids, "EPILOG", 300)
    return {"vms": count, "all_running": states == {3}, "all_running_s": round(running - t0, 2),
            "all_first_line_s": round(max(firsts) - t0, 2),
            "frontend_cpu_s": round(cpu1[0] - cpu0[0], 2), "frontend_children_cpu_s": round(cpu1[1] - cpu0[1], 2),
            "frontend_cpu_ms_per_vm": round((cpu1[0] - cpu0[0]) * 1000 / count, 1)}


def through_frontend(tmp: Path, rounds: int, count: int) -> tuple[list[dict[str, float]], dict[str, float]]:
    home = tmp / "fe-home"
    fe.write_conf(home, scheduler=True)
    one = fe.start(home, local_host=True, extra=("--local-network", NETWORK, "--local-bridge", BRIDGE))
    events = None
    try:
        pyone = one.pyone()
        deadline = time.monotonic() + 180
        while True:
            body = str(one.raw().ok("one.templatepool.info", -2, -1, -1))
            images = pyone.imagepool.info(-2, -1, -1).IMAGE
            hosts = pyone.hostpool.info().HOST
            if ("<NAME>edge-guest</NAME>" in body and len(images) == 2 and all(i.STATE == 1 for i in images)
                    and hosts and hosts[0].STATE == 2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("first-start set-up not ready")
            time.sleep(0.2)
        template = next(t.ID for t in pyone.templatepool.info(-2, -1, -1).VMTEMPLATE if t.NAME == "edge-guest")
        events = Events(one.events_endpoint)
        results = [frontend_round(one, events, template) for _ in range(rounds)]
        return results, frontend_many(one, events, template, count)
    finally:
        if events is not None:
            events.close()
        one.stop()
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


def show(title: str, results: list[dict[str, float]]) -> None:
    print(title)
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"{key:>30}: median {statistics.median(values):8.3f}  ({', '.join(f'{v:.3f}' for v in values)})")


async def driver_rounds(tmp: Path, rounds: int) -> list[dict[str, float]]:
    home = tmp / "driver-home"
    guest = build(tmp / "guest")
    driver = KvmDriver(DriverConfig("vmm", "kvm", "kvm", timeout=600), Transports(TransportConfig(home=home)))
    print(f"acceleration: {await driver.acceleration('localhost')}")
    try:
        return [await one_round(driver, home, 900 + i, guest.kernel, guest.initrd) for i in range(rounds)]
    finally:
        await driver.transports.close()


def main(rounds: int, count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kvm-bench-") as name:
        tmp = Path(name)
        show("driver in process (ms; s for first lines):", asyncio.run(driver_rounds(tmp, rounds)))
        results, many = through_frontend(tmp, rounds, count)
        show("through oneedge up, edge-guest (ms / s as named):", results)
        print(json.dumps(many))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--many", type=int, default=20)
    options = parser.parse_args()
    main(options.rounds, options.many)
