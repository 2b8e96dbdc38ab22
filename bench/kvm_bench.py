"""kvm driver benchmark: one guest's start split into driver and QEMU/guest parts, the driver's
overhead against the same QEMU command started by hand in the same run, and 20 VMs at once.

    .venv/bin/python bench/kvm_bench.py [--rounds 3] [--many 20]

Runs on this host (local transport), TCG or KVM as the acceleration probe says.
Needs root (taps, cgroups), QEMU and the bundled guest's packages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from oneedge.drivers.base import DriverConfig
from oneedge.drivers.kvm import config as qemu
from oneedge.drivers.kvm.driver import KvmDriver
from oneedge.drivers.kvm.translate import translate
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.guest.build import KERNEL_CMD, build

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


async def many(driver: KvmDriver, home: Path, count: int, kernel: Path, initrd: Path) -> dict[str, float]:
    ctxs = [VmContext(1000 + i, document(1000 + i, kernel, initrd, 96), "localhost", "<HOST/>", 0, 0)
            for i in range(count)]
    cpu0, start = os.times(), time.monotonic()
    await asyncio.gather(*(driver.deploy(ctx) for ctx in ctxs))
    running = time.monotonic()
    cpu1 = os.times()
    await asyncio.gather(*(wait_line(home / "datastores" / "0" / str(c.vm_id) / "serial.log", FIRST_LINE, 600)
                           for c in ctxs))
    first = time.monotonic()
    await asyncio.gather(*(driver.cancel(ctx) for ctx in ctxs))
    return {"vms": count, "all_running_s": running - start, "all_first_line_s": first - start,
            "driver_cpu_s": (cpu1.user + cpu1.system + cpu1.children_user + cpu1.children_system)
            - (cpu0.user + cpu0.system + cpu0.children_user + cpu0.children_system)}


async def main(rounds: int, count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kvm-bench-") as tmp:
        home = Path(tmp, "home")
        guest = build(Path(tmp, "guest"))
        driver = KvmDriver(DriverConfig("vmm", "kvm", "kvm", timeout=600), Transports(TransportConfig(home=home)))
        print(f"acceleration: {await driver.acceleration('localhost')}")
        results = [await one_round(driver, home, 900 + i, guest.kernel, guest.initrd) for i in range(rounds)]
        for key in results[0]:
            values = [r[key] for r in results]
            print(f"{key:>20}: median {statistics.median(values):8.2f}  ({', '.join(f'{v:.2f}' for v in values)})")
        print(json.dumps(await many(driver, home, count, guest.kernel, guest.initrd)))
        await driver.transports.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--many", type=int, default=20)
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.many))
