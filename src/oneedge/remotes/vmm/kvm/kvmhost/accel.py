"""Does KVM acceleration really work on this host? A short probe boot, cached per boot.

/dev/kvm may exist while guests hang under it (nested virtualization that
does not work): the only trustworthy answer is to boot a kernel under KVM
and see it reach its end (no root file system: "Kernel panic") within a few
seconds; a real KVM gets there in well under one. The answer, ``kvm`` or
``tcg`` with the reason, is kept in ``CACHE`` with the host's boot id, so
it is probed once per host boot.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
import time

CACHE = os.environ.get("ONEEDGE_KVM_ACCEL_CACHE", "/var/tmp/oneedge-kvm-accel.json")
QEMU = "qemu-system-x86_64"
PROBE_TIMEOUT = 4.0
_DONE = b"Kernel panic"


def _boot_id() -> str:
    with open("/proc/sys/kernel/random/boot_id") as handle:
        return handle.read().strip()


def _kernel() -> str | None:
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    return kernels[-1] if kernels else None


def probe(timeout: float = PROBE_TIMEOUT) -> tuple[str, str]:
    """Boot the host's kernel under KVM; answers ("kvm", reason) or ("tcg", reason)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg", "/dev/kvm is missing or not accessible"
    kernel = _kernel()
    if kernel is None:
        return "tcg", "no kernel in /boot to probe KVM with"
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [QEMU, "-M", "microvm", "-accel", "kvm", "-cpu", "host", "-m", "128", "-nodefaults",
             "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", kernel,
             "-append", "console=ttyS0 panic=-1 quiet loglevel=1"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            while time.monotonic() - started < timeout and proc.poll() is None:
                out.seek(0)
                if _DONE in out.read():
                    break
                time.sleep(0.05)
        finally:
            exited = proc.poll()
            proc.kill()
            proc.wait()
        elapsed = time.monotonic() - started
        out.seek(0)
        output = out.read()
    if _DONE in output:
        return "kvm", f"probe boot reached the kernel's end in {elapsed:.2f} s"
    last = output.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
    if exited is not None:
        return "tcg", f"QEMU failed under KVM (exit {exited}): {last[0][:120]}"
    return "tcg", f"probe boot under KVM did not finish in {timeout:g} s (last output: {last[0][:80]})"


def acceleration(refresh: bool = False) -> dict[str, str]:
    """The cached answer for this boot of the host, probing when there is none: {accel, reason}."""
    boot = _boot_id()
    if not refresh:
        try:
            with open(CACHE) as handle:
                cached = json.load(handle)
            if cached.get("boot_id") == boot and cached.get("accel") in ("kvm", "tcg"):
                return {"accel": cached["accel"], "reason": cached.get("reason", "")}
        except (OSError, ValueError):
            pass
    accel, reason = probe()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(CACHE), prefix=".oneedge-kvm-accel.")
    with os.fdopen(fd, "w") as handle:
        json.dump({"boot_id": boot, "accel": accel, "reason": reason}, handle)
    os.replace(tmp, CACHE)
    return {"accel": accel, "reason": reason}
