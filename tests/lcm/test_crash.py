"""A front-end killed with SIGKILL in the middle of deployments comes back consistent.

Real ``oneedge up`` processes: VMs with leases are deployed on a dummy host
made slow (DUMMY_DELAY), the process is killed while they are in transient
states, and a new process on the same home must finish every deployment
without losing a VM, a lease or a unit of host capacity.
"""

from __future__ import annotations

import signal
import time

from support import frontend as fe
from support.xsd import validate

VMS = 12
NET = 'NAME = "crashnet"\nVN_MAD = "dummy"\nBRIDGE = "br0"\nAR = [ TYPE = "IP4", IP = "10.1.0.1", SIZE = "50" ]'


def states(raw, ids):
    return {vid: (int(validate(raw.ok("one.vm.info", vid, False), "vm").findtext("STATE")),
                  int(validate(raw.ok("one.vm.info", vid, False), "vm").findtext("LCM_STATE"))) for vid in ids}


def wait(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_sigkill_during_deployments(tmp_path):
    home = tmp_path / "home"
    first = fe.start(home)
    raw = first.raw()
    host = raw.ok("one.host.allocate", "slow", "dummy", "dummy", -1)
    raw.ok("one.host.update", host, 'DUMMY_DELAY = "0.4"', 1)
    wait(lambda: "<STATE>2</STATE>" in raw.ok("one.host.info", host, False))
    net = raw.ok("one.vn.allocate", NET, -1)
    ids = [raw.ok("one.vm.allocate", f'CPU = 0.1\nMEMORY = 32\nNIC = [ NETWORK_ID = "{net}" ]', False)
           for _ in range(VMS)]
    for vid in ids:
        raw.ok("one.vm.deploy", vid, host, False, -1, "")
    # Kill while deployments are in their prolog or boot.
    transient = {(3, 1), (3, 2)}
    wait(lambda: any(s in transient for s in states(raw, ids).values()))
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    second = fe.start(home)
    try:
        raw = second.raw()
        raw.ok("one.host.update", host, 'DUMMY_DELAY = "0"', 1)
        wait(lambda: all(s == (3, 3) for s in states(raw, ids).values()))
        ips = set()
        for vid in ids:
            vm = validate(raw.ok("one.vm.info", vid, False), "vm")
            assert len(vm.findall("HISTORY_RECORDS/HISTORY")) == 1
            ips.add(vm.findtext("TEMPLATE/NIC/IP"))
        assert len(ips) == VMS and None not in ips
        vnet = raw.ok("one.vn.info", net, False)
        assert f"<USED_LEASES>{VMS}</USED_LEASES>" in vnet
        share = validate(raw.ok("one.host.info", host, False), "host").find("HOST_SHARE")
        assert (share.findtext("RUNNING_VMS"), share.findtext("CPU_USAGE"), share.findtext("MEM_USAGE")) == \
            (str(VMS), str(VMS * 10), str(VMS * 32 * 1024))
        assert "recovering" in second.log()
    finally:
        assert second.stop() == 0, second.log()
