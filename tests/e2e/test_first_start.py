"""``oneedge up`` on a fresh home sets up this machine as a single-host edge cloud: the template
``edge-guest`` instantiated with the CLI is placed by the scheduler, RUNNING with an IP that
answers ping from the host through the bridge holding the gateway address, and names itself
after the VM (``SET_HOSTNAME = "$NAME"``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from e2e_kit import BIN, GuestVm, wait
from support import frontend as fe

NETWORK = "10.234.9.0/24"


def test_fresh_home_runs_a_guest_with_an_ip(tmp_path: Path) -> None:
    home = tmp_path / "home"
    fe.write_conf(home, scheduler=True)
    bridge = f"onebrf{os.getpid() % 100000}"
    frontend = fe.start(home, local_host=True, extra=("--local-network", NETWORK, "--local-bridge", bridge))

    def cli(*argv: str) -> str:
        env = dict(os.environ, ONE_XMLRPC=frontend.url, ONE_AUTH=str(home / "one_auth"))
        done = subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, f"{argv}: {done.stderr}\n{frontend.log()[-2000:]}"
        return done.stdout

    try:
        wait(lambda: "edge-guest" in cli("onetemplate", "list"), 120, "the template edge-guest")
        images = frontend.pyone().imagepool.info(-2, -1, -1).IMAGE
        wait(lambda: all(frontend.pyone().image.info(i.ID).STATE == 1 for i in images), 60, "the images READY")
        cli("onetemplate", "instantiate", "edge-guest")
        wait(lambda: " runn " in cli("onevm", "list"), 120, "the VM running")
        ip = frontend.pyone().vm.info(0).TEMPLATE["NIC"]["IP"]
        assert ip.startswith("10.234.9.") and ip in cli("onevm", "show", "0")
        wait(lambda: subprocess.run(["busybox", "ping", "-c", "1", "-W", "1", ip], capture_output=True).returncode == 0, 60,
             f"{ip} answering ping")
        # SET_HOSTNAME = "$NAME": the guest names itself after the VM (substituted at allocation).
        name = frontend.pyone().vm.info(0).NAME
        assert name.startswith("edge-guest-") and frontend.pyone().vm.info(0).TEMPLATE["CONTEXT"]["SET_HOSTNAME"] == name
        GuestVm(0, home / "datastores" / "0").wait_serial(f"one-context: hostname {name}\n", timeout=30)
        # A second start changes nothing: one host, one network, one template.
        frontend.stop()
        frontend = fe.start(home, local_host=True, extra=("--local-network", NETWORK, "--local-bridge", bridge))
        assert cli("onehost", "list").count("localhost") == 1
        assert cli("onevnet", "list").count("local") == 1
        cli("onevm", "terminate", "--hard", "0")
        wait(lambda: frontend.pyone().vm.info(0).STATE == 6, 60, "the VM DONE")
    finally:
        frontend.stop()
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)
