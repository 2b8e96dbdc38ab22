#!/usr/bin/env python3
"""Start and stop a host's monitor agent: ``agent_ctl.py start`` (JSON configuration on stdin) or
``agent_ctl.py stop HOST_ID STATE_DIR``. Stdlib only.

``start`` writes the configuration (it holds the host's secret) to
``STATE_DIR/agent-<HOST_ID>.json`` with mode 0600, stops an agent already
running for that host, and starts ``agent.py`` detached in its own session,
recording its PID; it prints that PID. A ``server`` of ``auto`` is the
front-end address this host sees: the client end of the SSH connection
that runs this script, else loopback. ``stop`` ends the recorded agent (a
PID whose command line is not that agent's is left alone) and removes its files.
"""

import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _files(state_dir: str, host_id: int) -> tuple:
    base = os.path.join(state_dir, f"agent-{host_id}")
    return base + ".json", base + ".pid", base + ".log"


def _running(pid_file: str, conf_file: str):
    """The recorded agent's PID if it still runs, else None."""
    try:
        with open(pid_file) as handle:
            pid = int(handle.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if conf_file.encode() in argv else None


def stop(host_id: int, state_dir: str) -> None:
    conf_file, pid_file, _ = _files(state_dir, host_id)
    pid = _running(pid_file, conf_file)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _running(pid_file, conf_file) == pid and time.monotonic() < deadline:
            time.sleep(0.05)
        if _running(pid_file, conf_file) == pid:
            os.kill(pid, signal.SIGKILL)
    for path in (pid_file, conf_file):
        if os.path.exists(path):
            os.unlink(path)


def start(conf: dict) -> int:
    host_id, state_dir = int(conf["host_id"]), conf["state_dir"]
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    stop(host_id, state_dir)
    if conf.get("server", "auto") == "auto":
        conf["server"] = (os.environ.get("SSH_CLIENT") or "127.0.0.1").split()[0]
    conf["probes_dir"] = os.path.join(HERE, conf["probes"])
    conf.setdefault("env", {})["ONE_STATE_DIR"] = state_dir
    conf_file, pid_file, log_file = _files(state_dir, host_id)
    fd = os.open(conf_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(conf, handle)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "agent.py"), conf_file],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                close_fds=True)
    with open(pid_file, "w") as handle:
        handle.write(str(proc.pid))
    return proc.pid


def main() -> None:
    if sys.argv[1:2] == ["start"]:
        print(start(json.load(sys.stdin)))
    elif sys.argv[1:2] == ["stop"] and len(sys.argv) == 4:
        stop(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: agent_ctl.py start < conf.json | agent_ctl.py stop HOST_ID STATE_DIR")


if __name__ == "__main__":
    main()
