"""A deployed VM carries the rules of its NICs' security groups (SECURITY_GROUP_RULE), which the
fw driver turns into its nftables ruleset: through a real front-end with a dummy host."""

from __future__ import annotations

import time

from oneedge.drivers.vnm_nft import nic_rules, rule_line
from oneedge.drivers.vnm_nics import nics, rules
from support.xsd import validate

RUNNING = (3, 3)


def test_rules_of_the_nic_groups_reach_the_vm_document(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    host = one.host.allocate("sg-host", "dummy", "dummy", -1)
    peers = one.vn.allocate('NAME = "peers"\nVN_MAD = "dummy"\nBRIDGE = "brp"\n'
                            'AR = [ TYPE = "IP4", IP = "10.9.0.1", SIZE = "8" ]\n'
                            'AR = [ TYPE = "ETHER", SIZE = "4" ]', -1)
    group = one.secgroup.allocate(f'NAME = "web"\nRULE = [ PROTOCOL = "TCP", RULE_TYPE = "inbound", RANGE = "80" ]\n'
                                  f'RULE = [ PROTOCOL = "ALL", RULE_TYPE = "inbound", NETWORK_ID = "{peers}" ]')
    net = one.vn.allocate(f'NAME = "guarded"\nVN_MAD = "fw"\nBRIDGE = "brg"\nSECURITY_GROUPS = "{group}"\n'
                          'AR = [ TYPE = "IP4", IP = "10.8.0.10", SIZE = "4" ]', -1)
    deadline = time.monotonic() + 10
    while one.host.info(host).STATE != 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    vid = one.vm.allocate(f'NAME = "sg"\nCPU = 0.1\nMEMORY = 32\nNIC = [ NETWORK_ID = "{net}" ]', False)
    one.vm.deploy(vid, host, False, -1)
    while (one.vm.info(vid).STATE, one.vm.info(vid).LCM_STATE) != RUNNING:
        assert time.monotonic() < deadline + 10
        time.sleep(0.02)
    document = raw.ok("one.vm.info", vid, False)
    validate(document, "vm")
    (nic,) = nics(document, frozenset({"fw"}))
    assert nic.security_groups == (0, group) and nic.ip == "10.8.0.10"
    lines = sorted(rule_line(r) for r in nic_rules(nic, rules(document)))
    # Group 0 (default) allows everything; "web" allows port 80 and all from the IPv4 range of peers.
    assert lines == sorted([("vm_in", "accept"), ("vm_out", "accept"), ("vm_in", "tcp dport { 80 } accept"),
                            ("vm_in", "ip saddr 10.9.0.1-10.9.0.8 accept")])
