"""Integration: a real front-end, its monitor daemon and real agents on two hosts.

Host A is this machine (local transport, the real Linux/QEMU probes, UDP);
host B is a network namespace reached over its own veth address through a
real sshd (SSH transport, the dummy probes, TCP). Payloads are sealed.
NOTE(monitor): the VM's hypervisor process is a stand-in whose command line
is a QEMU one (``qemu-system-x86_64 ... -name guest=one-<ID>``); the VM is
deployed on host A with the dummy VMM driver, so killing the stand-in is a
VM whose process disappeared, and the VM the user sees goes POWEROFF.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from oneedge.drivers.transport_keys import front_end_key
from oneedge.monitor.crypto import generate_keys
from support import frontend as fe
from support.sshd import network_namespace, running_sshd
from support.xsd import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src" / "oneedge" / "remotes" / "im" / "lib"))
import qemu  # noqa: E402  (the probes' own view of this host's QEMU processes)


def wait(condition: Callable[[], object], timeout: float = 30, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or condition}")


def configure(home: Path, tmp: Path) -> int:
    fe.write_conf(home)
    with open(home / "oned.conf", "a") as conf:
        conf.write(f'SCRIPTS_REMOTE_DIR="{tmp}/remotes/one"\n')
    generate_keys(home / "monitor.key", home / "monitor.pub")
    metrics = fe.free_port()
    (home / "monitord.conf").write_text(f"""
MANAGER_TIMER = 0.5
MONITORING_INTERVAL_HOST = 4
NETWORK = [ ADDRESS = "0.0.0.0", MONITOR_ADDRESS = "auto", PORT = {fe.free_port()},
            PUBKEY = "monitor.pub", PRIKEY = "monitor.key" ]
PROBES_PERIOD = [ BEACON_HOST = 1, SYSTEM_HOST = 3, MONITOR_HOST = 1, STATE_VM = 1, MONITOR_VM = 1,
                  SYNC_STATE_VM = 10 ]
METRICS = [ ADDRESS = "127.0.0.1", PORT = {metrics} ]
IM_MAD = [ NAME = "kvm", PROBES = "kvm-probes.d", PROTOCOL = "udp" ]
IM_MAD = [ NAME = "sim", PROBES = "dummy-probes.d", PROTOCOL = "tcp", DUMMY_VMS = "{tmp}/vms-{{HOST_ID}}" ]
""")
    return metrics


def test_two_hosts_sealed_over_udp_and_tcp(tmp_path: Path) -> None:
    home = tmp_path / "home"
    metrics = configure(home, tmp_path)
    public = front_end_key(home).export_public_key().decode()
    with network_namespace(77) as ns, running_sshd(tmp_path / "sshd", ns.address, [public], port=22,
                                                  netns=ns.name):
        frontend = fe.start(home)
        stand_in = None
        try:
            raw = frontend.raw()
            local = raw.ok("one.host.allocate", "localhost", "kvm", "dummy", -1)
            remote = raw.ok("one.host.allocate", ns.address, "sim", "dummy", -1)
            (tmp_path / f"vms-{remote}").write_text("900 RUNNING\n")

            def state(host: int) -> int:
                return int(raw.ok("one.host.info", host, False).split("<STATE>")[1].split("<")[0])

            for host in (local, remote):
                wait(lambda: state(host) == 2, 60, f"host {host} MONITORED")
                wait(lambda: "<CAPACITY>" in raw.ok("one.host.monitoring", host), 20, f"records of host {host}")
            # SYSTEM_HOST filled the share: capacity and NUMA topology.
            info = wait(lambda: (i := raw.ok("one.host.info", local, False)).count("<NUMA_NODES><NODE>") and i,
                        20, "NUMA nodes from SYSTEM_HOST")
            validate(info, "host")
            assert "<TOTAL_CPU>0</TOTAL_CPU>" not in info
            assert raw.ok("one.hostpool.monitoring", 0).count("<MONITORING>") == 2

            # The VM is deployed on host A by the dummy VMM driver; its "hypervisor process" is a
            # stand-in whose command line is a QEMU one, which the real probes find.
            vm = raw.ok("one.vm.allocate", 'NAME="qemu-stand-in" CPU="1" MEMORY="64"', False)
            raw.ok("one.vm.deploy", vm, local, False, -1)
            wait(lambda: "<LCM_STATE>3</LCM_STATE>" in raw.ok("one.vm.info", vm, False), 20, "VM RUNNING")
            stand_in = subprocess.Popen(["qemu-system-x86_64", "-c", "import time; time.sleep(600)",
                                         "-name", f"guest=one-{vm},debug-threads=on"], executable=sys.executable)

            def counters() -> str | None:
                return next((r for r in raw.ok("one.vm.monitoring", vm).split("<MONITORING>")[1:]
                             if "<CPU>" in r), None)

            record = str(wait(counters, 20, "VM counters")).removesuffix("</MONITORING_DATA>")
            validate(f"<MONITORING_DATA><MONITORING>{record}</MONITORING_DATA>", "monitoring_data")
            # The latest record is the VM's MONITORING in one.vm.info.
            info = str(wait(lambda: (i := raw.ok("one.vm.info", vm, False)).count("<MONITORING><CPU>") and i,
                            20, "MONITORING in one.vm.info"))
            validate(info, "vm")
            stand_in.kill()
            stand_in.wait()
            # The real probes see every QEMU of this machine: another one named one-<ID> (a VM 0 a kvm
            # test or bench left running) keeps this VM RUNNING whatever the code does; say so.
            others = [q.pid for q in qemu.processes() if q.vm_id == int(vm)]
            assert not others, f"another QEMU named one-{vm} runs on this host (PIDs {others}): stop it first"
            wait(lambda: "<STATE>8</STATE>" in raw.ok("one.vm.info", vm, False), 20,
                 "VM POWEROFF after its process died")

            pid_file = Path(f"{tmp_path}/remotes/one-monitor/agent-{remote}.pid")
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
            wait(lambda: state(remote) == 3, 30, "silent host in ERROR")
            assert state(local) == 2
            wait(lambda: state(remote) == 2, 60, "host back to MONITORED after its agent restarted")

            page = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5).read().decode()
            assert 'one_monitord_messages_total{type="MONITOR_VM"}' in page
            assert f'one_host_state{{host_id="{remote}",state="MONITORED"}} 2' in page
            assert "one_monitord_dropped_total" not in page, page
        finally:
            if stand_in is not None and stand_in.poll() is None:
                stand_in.kill()
            assert frontend.stop() == 0, frontend.log()
        # A clean stop stops the agents the daemon started.
        assert not list((tmp_path / "remotes" / "one-monitor").glob("agent-*.pid"))
