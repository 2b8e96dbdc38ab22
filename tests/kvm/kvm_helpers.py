"""What the kvm tests share: VM documents, the bundled guest, a driver on the local host,
the guest's serial console and a check that a VM left nothing behind."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from oneedge.context.iso import write_iso
from oneedge.context.script import context_sh
from oneedge.drivers.base import DriverConfig
from oneedge.drivers.kvm.driver import KvmDriver
from oneedge.drivers.kvm.translate import RUN_ROOT, runtime_key
from oneedge.drivers.requests import VmContext
from oneedge.drivers.transport_factory import TransportConfig, Transports
from oneedge.guest.build import KERNEL_CMD, Guest
from support.guest import console_shell

CMDLINE = KERNEL_CMD


def vector(name: str, values: dict[str, Any]) -> str:
    return f"<{name}>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in values.items()) + f"</{name}>"


def vm_document(vm_id: int, *, memory: int = 192, guest: Guest | None = None, machine: str = "pc",
                os_extra: dict[str, Any] | None = None, disks: Sequence[dict[str, Any]] = (),
                nics: Sequence[dict[str, Any]] = (), context: dict[str, Any] | None = None,
                extra: str = "") -> str:
    """A ``<VM>`` document as the front-end commits it (only what the driver reads)."""
    os_values: dict[str, Any] = {"MACHINE": machine}
    if guest is not None:
        os_values.update(KERNEL=guest.kernel, INITRD=guest.initrd, KERNEL_CMD=CMDLINE)
    os_values.update(os_extra or {})
    body = vector("OS", os_values) + f"<MEMORY>{memory}</MEMORY><CPU>0.5</CPU><VCPU>1</VCPU>"
    body += "".join(vector("DISK", d) for d in disks) + "".join(vector("NIC", n) for n in nics)
    if context is not None:
        body += vector("CONTEXT", context)
    return f"<VM><ID>{vm_id}</ID><NAME>vm{vm_id}</NAME><TEMPLATE>{body}{extra}</TEMPLATE></VM>"


class LocalVm:
    """One VM of the tests on this host, driven through the kvm driver directly."""

    def __init__(self, driver: KvmDriver, document: str, *, host: str = "localhost", ds_id: int = 0) -> None:
        self.driver = driver
        self.document = document
        self.host = host
        self.ds_id = ds_id
        self.vm_id = int(document.split("<ID>", 1)[1].split("<", 1)[0])

    @property
    def dir(self) -> Path:
        return Path(self.driver.ds_location("")) / str(self.ds_id) / str(self.vm_id)

    def ctx(self, host: str = "", previous_host: str = "") -> VmContext:
        return VmContext(self.vm_id, self.document, host or self.host, "<HOST/>", 0, self.ds_id,
                         previous_host=previous_host)

    def run_dir(self, host: str = "") -> Path:
        return Path(RUN_ROOT) / runtime_key(host or self.host, str(self.dir))

    def write_context(self, networks: dict[int, dict[str, str]] | None = None) -> None:
        write_iso(self.dir / "disk.context", context_sh(self.document, networks or {}))

    def serial(self) -> str:
        path = self.dir / "serial.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_serial(self, text: str, timeout: float = 60, count: int = 1) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.serial()
            if log.count(text) >= count:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} (x{count}) not on VM {self.vm_id}'s console in {timeout} s:\n{self.serial()}")

    def shell(self, command: str, timeout: float = 30, host: str = "") -> str:
        """Run ``command`` in the guest's console shell; answers what it printed."""
        return console_shell(self.run_dir(host) / "serial.sock", command, timeout)

    def assert_nothing_left(self, host: str = "") -> None:
        """No QEMU, runtime directory, cgroup or tap of the VM remains on the host."""
        assert not self.run_dir(host).exists(), f"runtime files left: {list(self.run_dir(host).iterdir())}"
        key = self.run_dir(host).name
        for root in ("/sys/fs/cgroup/oneedge", "/sys/fs/cgroup/cpu/oneedge"):
            assert not Path(root, key).exists(), f"cgroup {root}/{key} left"
        processes = subprocess.run(["pgrep", "-f", f"guest=one-{self.vm_id},.*{key}"], capture_output=True).stdout
        assert not processes, f"QEMU left: {processes!r}"
        taps = [name for name in os.listdir("/sys/class/net") if name.startswith(f"one-{self.vm_id}-")]
        assert not taps, f"taps left: {taps}"


def local_driver(home: Path, timeout: float = 120) -> KvmDriver:
    return KvmDriver(DriverConfig("vmm", "kvm", "kvm", timeout=timeout), Transports(TransportConfig(home=home)))


def run(coro: Any) -> Any:
    return asyncio.run(coro)
