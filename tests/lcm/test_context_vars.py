"""CONTEXT variables substituted where OpenNebula does it, through a real ``oneedge up``:
the VM's own at allocation, the leases' ($NIC, $NETWORK) once deploy takes them, each value once."""

from __future__ import annotations

import time

import pyone
import pytest

from oneedge.pool.vm import LcmState as L
from oneedge.pool.vm import VmState as S

CONTEXT = ('CONTEXT = [ HOSTNAME = "$NAME", ID = "$VMID", IP = "$NIC[IP]", OWNER = "$UNAME",\n'
           '  GW = "$NETWORK[GATEWAY, NETWORK_ID={net}]", BOTH = "$NAME@$NIC[IP, NETWORK=\\"ctxnet\\"]" ]')


@pytest.fixture(scope="module")
def setup(frontend):
    one = frontend.pyone()
    host = one.host.allocate("ctx0", "dummy", "dummy", -1)
    deadline = time.monotonic() + 10
    while one.host.info(host).STATE != 2:
        assert time.monotonic() < deadline, "host ctx0 not monitored"
        time.sleep(0.02)
    net = one.vn.allocate('NAME = "ctxnet"\nVN_MAD = "dummy"\nBRIDGE = "br9"\nGATEWAY = "10.9.0.254"\n'
                          'AR = [ TYPE = "IP4", IP = "10.9.0.10", SIZE = "20" ]', -1)
    return one, host, net


def context(one, vid):
    return one.vm.info(vid).TEMPLATE["CONTEXT"]


def test_substituted_at_allocation_then_at_deploy(setup) -> None:
    one, host, net = setup
    vid = one.vm.allocate('NAME = "web-$NIC[IP]"\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "ctxnet" ]\n'
                          + CONTEXT.format(net=net), False)
    allocated = context(one, vid)
    assert allocated["HOSTNAME"] == "web-$NIC[IP]" and allocated["ID"] == str(vid)
    assert allocated["OWNER"] == "oneadmin"
    # Values reading the leases wait whole for them.
    assert allocated["IP"] == "$NIC[IP]" and allocated["BOTH"] == '$NAME@$NIC[IP, NETWORK="ctxnet"]'
    assert one.vm.info(vid).TEMPLATE["CONTEXT_WAITING_LEASES"] == "IP GW BOTH"
    one.vm.deploy(vid, host, False, -1)
    deadline = time.monotonic() + 10
    while (S(one.vm.info(vid).STATE), L(one.vm.info(vid).LCM_STATE)) != (S.ACTIVE, L.RUNNING):
        assert time.monotonic() < deadline, "VM not RUNNING"
        time.sleep(0.01)
    ip = one.vm.info(vid).TEMPLATE["NIC"]["IP"]
    assert ip.startswith("10.9.0.")
    deployed = context(one, vid)
    # The name's "$NIC[IP]" is what $NAME gave: it is not substituted a second time.
    assert deployed["HOSTNAME"] == "web-$NIC[IP]" and deployed["ID"] == str(vid)
    assert deployed["IP"] == ip and deployed["GW"] == "10.9.0.254"
    assert deployed["BOTH"] == f"web-$NIC[IP]@{ip}"
    assert "CONTEXT_WAITING_LEASES" not in one.vm.info(vid).TEMPLATE
    one.vm.action("terminate-hard", vid)


def test_a_dollar_starting_no_variable_is_refused(setup) -> None:
    one, _, _ = setup
    with pytest.raises(pyone.OneInternalException, match="starts no variable"):
        one.vm.allocate('NAME = "bad"\nMEMORY = 64\nCPU = 0.1\nCONTEXT = [ NOTE = "costs 5 $ now" ]', False)
