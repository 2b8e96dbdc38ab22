"""What the end-to-end tests share: waiting on the front-end, the VM's console and shell on its
host, and the checks that a VM left nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyone
from support.frontend import Frontend

from oneedge.drivers.kvm.translate import RUN_ROOT, runtime_key
from oneedge.pool.vm import LcmState, VmState
from support.guest import console_shell

T = TypeVar("T")
BIN = Path(sys.executable).parent
#: States a VM stops in when it will not reach the one a test waits for.
FAILURES = {(VmState.ACTIVE, LcmState.BOOT_FAILURE), (VmState.ACTIVE, LcmState.PROLOG_FAILURE),
            (VmState.ACTIVE, LcmState.EPILOG_FAILURE)}


def wait(condition: Callable[[], T], timeout: float = 60, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.1)


@dataclass
class GuestVm:
    """A VM of the front-end whose system datastore is ``ds_dir`` on ``host``, which this test
    sees at ``seen_at`` (a namespace host's own files), else at the same path."""

    vm_id: int
    ds_dir: Path
    host: str = "localhost"
    seen_at: Path | None = None

    @property
    def dir(self) -> Path:
        """The VM directory as its host names it."""
        return self.ds_dir / str(self.vm_id)

    @property
    def files(self) -> Path:
        """The VM directory where this test reads it."""
        return (self.seen_at or self.ds_dir) / str(self.vm_id)

    def run_dir(self, host: str = "") -> Path:
        return Path(RUN_ROOT) / runtime_key(host or self.host, str(self.dir))

    def serial(self) -> str:
        path = self.files / "serial.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_serial(self, text: str, count: int = 1, timeout: float = 60) -> str:
        return wait(lambda: self.serial() if self.serial().count(text) >= count else "", timeout,
                    f"{text!r} x{count} on VM {self.vm_id}'s console")

    def shell(self, command: str, timeout: float = 30, host: str = "") -> str:
        """Run ``command`` in the guest's console shell; answers what it printed."""
        return console_shell(self.run_dir(host) / "serial.sock", command, timeout)

    def processes(self, host: str = "") -> bytes:
        """The VM's QEMU on ``host`` (its command line names its runtime directory)."""
        key = self.run_dir(host).name
        return subprocess.run(["pgrep", "-f", f"guest=one-{self.vm_id},.*{key}"], capture_output=True).stdout

    def left_behind(self, host: str = "") -> list[str]:
        """QEMU, runtime directory, cgroup, taps and VM directory of the VM still on this machine."""
        found: list[str] = []
        if self.run_dir(host).exists():
            found.append(f"runtime dir {self.run_dir(host)}")
        key = self.run_dir(host).name
        found += [f"cgroup {root}/{key}" for root in ("/sys/fs/cgroup/oneedge", "/sys/fs/cgroup/cpu/oneedge")
                  if Path(root, key).exists()]
        if self.processes(host):
            found.append(f"QEMU {self.processes(host)!r}")
        found += [f"tap {name}" for name in os.listdir("/sys/class/net") if name.startswith(f"one-{self.vm_id}-")]
        return found


@dataclass
class Cloud:
    """A running front-end with this machine as kvm host, the guest's files, a bridged network
    and a template using them."""

    frontend: Frontend
    host_id: int
    vnet_id: int
    template_id: int
    bridge: str

    @property
    def one(self) -> pyone.OneServer:
        return self.frontend.pyone()

    @property
    def ds_dir(self) -> Path:
        return self.frontend.home / "datastores" / "0"

    def env(self) -> dict[str, str]:
        return dict(os.environ, ONE_XMLRPC=self.frontend.url, ONE_AUTH=str(self.frontend.home / "one_auth"))

    def cli(self, *argv: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one of the CLI tools (``onevm``, ``onehost``...) against this front-end."""
        done = subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, env=self.env(),
                              timeout=60)
        if ok:
            assert done.returncode == 0, f"{argv} failed: {done.stderr}"
        return done

    def state(self, vm_id: int) -> tuple[VmState, LcmState]:
        vm = self.one.vm.info(vm_id)
        return VmState(vm.STATE), LcmState(vm.LCM_STATE)

    def vm_log(self, vm_id: int) -> str:
        path = self.frontend.home / "vms" / str(vm_id) / "vm.log"
        return path.read_text() if path.exists() else ""

    def wait_state(self, vm_id: int, wanted: VmState, lcm: LcmState = LcmState.LCM_INIT,
                   timeout: float = 90) -> None:
        def reached() -> bool:
            now = self.state(vm_id)
            if now in FAILURES and now != (wanted, lcm):
                raise AssertionError(f"VM {vm_id} failed in {now[1].name}:\n{self.vm_log(vm_id)}")
            return now == (wanted, lcm)
        wait(reached, timeout, f"VM {vm_id} in {wanted.name}/{lcm.name}")

    def vm(self, vm_id: int) -> GuestVm:
        return GuestVm(vm_id, self.ds_dir)

    def remove_all_vms(self) -> None:
        """Delete every VM a test left (a failed one's included) and wait until they are gone."""
        one = self.one
        vms = [vm.ID for vm in one.vmpool.info(-2, -1, -1, -1).VM]
        for vm_id in vms:
            one.vm.recover(vm_id, 3)
        for vm_id in vms:
            wait(lambda: self.state(vm_id)[0] is VmState.DONE, 60, f"VM {vm_id} DONE")

    def used_leases(self) -> int:
        return int(self.one.vn.info(self.vnet_id).USED_LEASES)
