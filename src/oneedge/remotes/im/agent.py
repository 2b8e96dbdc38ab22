#!/usr/bin/env python3
"""The monitor agent: runs a host's probes by kind and period and sends the results to the monitor daemon.

Started by ``agent_ctl.py start`` with a JSON configuration file (argv[1]).
One thread per probe kind (host/beacon, host/monitor, host/system,
vm/monitor, vm/status) runs every executable in its directory, killing a
probe that outlives ``probe_timeout``, and sends one message with their
joined output (status FAILURE with the error when a probe fails). VM states
are sent only when they change, and in full (``SYNC_STATE=YES``) every
``SYNC_STATE_VM`` seconds; a VM that vanishes is reported POWEROFF. Stdlib only.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import message  # noqa: E402
import seal  # noqa: E402

KINDS = {"BEACON_HOST": "host/beacon", "MONITOR_HOST": "host/monitor", "SYSTEM_HOST": "host/system",
         "MONITOR_VM": "vm/monitor", "STATE_VM": "vm/status"}
UDP_MAX = 60000
_VM_LINE = re.compile(r'^VM\s*=\s*\[.*?DEPLOY_ID\s*=\s*"?([^",\s\]]+)', re.S)
_VM_ID = re.compile(r'\bID\s*=\s*"?(-?\d+)')


class Sender:
    """UDP datagrams, or lines on one TCP connection (reopened once if it broke)."""

    def __init__(self, server: str, port: int, protocol: str) -> None:
        self.address = socket.getaddrinfo(server, port, type=socket.SOCK_DGRAM)[0][4]
        self.protocol = protocol
        self.udp = socket.socket(socket.AF_INET6 if ":" in self.address[0] else socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = None
        self.lock = threading.Lock()

    def send(self, line: bytes) -> None:
        with self.lock:
            if self.protocol == "udp" or (self.protocol == "auto" and len(line) <= UDP_MAX):
                self.udp.sendto(line, self.address)
                return
            for attempt in (0, 1):
                try:
                    if self.tcp is None:
                        self.tcp = socket.create_connection(self.address[:2], timeout=10)
                    self.tcp.sendall(line)
                    return
                except OSError:
                    if self.tcp is not None:
                        self.tcp.close()
                    self.tcp = None
                    if attempt:
                        raise


class Agent:
    def __init__(self, conf: dict) -> None:
        self.conf = conf
        self.host_id = int(conf["host_id"])
        self.sender = Sender(conf["server"], int(conf["port"]), conf.get("protocol", "auto"))
        self.sealer = None
        if conf.get("pubkey"):
            self.sealer = seal.Sealer(seal.load_public_pem(conf["pubkey"]), bytes.fromhex(conf["secret"]))
        self.env = dict(os.environ, ONE_HOST_ID=str(self.host_id), **conf.get("env", {}))
        self.stop = threading.Event()
        self.last_ts = {}
        self.vm_states = {}

    def send(self, kind: str, ok: bool, data: str) -> None:
        # Timestamps of one kind never go back (the daemon drops replays).
        ts = max(int(time.time()), self.last_ts.get(kind, 0))
        self.last_ts[kind] = ts
        line = message.encode(kind, "SUCCESS" if ok else "FAILURE", self.host_id, ts, data, self.sealer)
        try:
            self.sender.send(line)
        except OSError as exc:
            sys.stderr.write(f"cannot send {kind}: {exc}\n")

    def run_probes(self, kind: str) -> tuple:
        directory = os.path.join(self.conf["probes_dir"], KINDS[kind])
        outputs = []
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            path = os.path.join(directory, name)
            if not os.path.isfile(path) or not os.access(path, os.X_OK):
                continue
            argv = [sys.executable, path] if name.endswith(".py") else [path]
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                    start_new_session=True)
            try:
                out, err = proc.communicate(timeout=float(self.conf.get("probe_timeout", 60)))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return False, f"probe {KINDS[kind]}/{name} timed out"
            if proc.returncode != 0:
                return False, f"probe {KINDS[kind]}/{name} failed ({proc.returncode}): {err.decode(errors='replace')}"
            outputs.append(out.decode(errors="replace"))
        return True, "".join(outputs)

    def vm_states_message(self, output: str, sync: bool) -> str:
        """The VM lines that changed since the last report (all of them on a sync), vanished VMs as POWEROFF."""
        current = {}
        for line in output.splitlines():
            match = _VM_LINE.match(line.strip())
            if match:
                current[match.group(1)] = line.strip()
        lines = [line for deploy_id, line in current.items() if sync or self.vm_states.get(deploy_id) != line]
        for deploy_id, line in self.vm_states.items():
            if deploy_id not in current:
                vm_id = _VM_ID.search(line)
                lines.append(f'VM=[ ID="{vm_id.group(1) if vm_id else -1}", DEPLOY_ID="{deploy_id}", '
                             f'STATE="POWEROFF" ]')
        self.vm_states = current
        if sync:
            lines += ["SYNC_STATE=YES", "MISSING_STATE=POWEROFF"]
        return "\n".join(lines) + "\n" if lines else ""

    def loop(self, kind: str) -> None:
        period = float(self.conf["periods"][kind])
        sync_period = float(self.conf["periods"].get("SYNC_STATE_VM", 180))
        last_sync = 0.0
        while not self.stop.is_set():
            started = time.monotonic()
            ok, data = self.run_probes(kind)
            if kind == "STATE_VM" and ok:
                sync = started - last_sync >= sync_period
                data = self.vm_states_message(data, sync)
                if sync:
                    last_sync = started
                if data:
                    self.send(kind, ok, data)
            else:
                self.send(kind, ok, data)
            self.stop.wait(max(0.0, period - (time.monotonic() - started)))

    def run(self) -> None:
        threads = [threading.Thread(target=self.loop, args=(kind,), daemon=True) for kind in KINDS]
        for thread in threads:
            thread.start()
        self.stop.wait()


def main() -> None:
    with open(sys.argv[1]) as handle:
        agent = Agent(json.load(handle))
    signal.signal(signal.SIGTERM, lambda *_: agent.stop.set())
    signal.signal(signal.SIGINT, lambda *_: agent.stop.set())
    agent.run()


if __name__ == "__main__":
    main()
