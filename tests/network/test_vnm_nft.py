"""Security group rules -> nftables text (pure), and the rules the VM document carries."""

from __future__ import annotations

import pytest
from network.netkit import nic, sg_rule

from oneedge.drivers.base import DriverError
from oneedge.drivers.vnm_nft import needs_filter, nic_rules, removal, rule_line, ruleset
from oneedge.drivers.vnm_nics import Nic, Rule, nics, rules

NIC = Nic(5, 0, "fw", "br0", "one-5-0", "02:00:0a:00:00:05", "10.0.0.5", "", security_groups=(0, 100))


@pytest.mark.parametrize("rule, expected", [
    (Rule(100, "ALL", "INBOUND"), ("vm_in", "accept")),
    (Rule(100, "TCP", "INBOUND", range="22,80:90"), ("vm_in", "tcp dport { 22, 80-90 } accept")),
    (Rule(100, "UDP", "OUTBOUND"), ("vm_out", "meta l4proto udp accept")),
    (Rule(100, "TCP", "INBOUND", ip="10.0.1.0", size=256, range="443"),
     ("vm_in", "ip saddr 10.0.1.0-10.0.1.255 tcp dport { 443 } accept")),
    (Rule(100, "ALL", "OUTBOUND", ip="192.168.1.7", size=1), ("vm_out", "ip daddr 192.168.1.7 accept")),
    (Rule(100, "ICMP", "INBOUND", icmp_type="8"), ("vm_in", "icmp type 8 accept")),
    (Rule(100, "ICMP", "INBOUND"), ("vm_in", "meta l4proto icmp accept")),
    (Rule(100, "ICMPV6", "INBOUND", icmpv6_type="128", ip="2001:db8::", size=16),
     ("vm_in", "ip6 saddr 2001:db8::-2001:db8::f icmpv6 type 128 accept")),
    (Rule(100, "IPSEC", "OUTBOUND"), ("vm_out", "meta l4proto esp accept")),
])
def test_rule_translation(rule, expected):
    assert rule_line(rule) == expected


@pytest.mark.parametrize("rule, message", [
    (Rule(1, "GRE", "INBOUND"), "unknown PROTOCOL 'GRE'"),
    (Rule(1, "TCP", "SIDEWAYS"), "RULE_TYPE must be INBOUND or OUTBOUND"),
    (Rule(1, "TCP", "INBOUND", range="80:22"), "bad port RANGE '80:22'"),
    (Rule(1, "UDP", "INBOUND", range="0,70000"), "bad port RANGE"),
    (Rule(1, "TCP", "INBOUND", range="ssh"), "bad port RANGE 'ssh'"),
    (Rule(1, "ICMP", "INBOUND", icmp_type="echo"), "bad ICMP type 'echo'"),
    (Rule(1, "ALL", "INBOUND", ip="10.0.0.300", size=2), "bad IP '10.0.0.300'"),
])
def test_bad_rules_fail_clearly(rule, message):
    with pytest.raises(DriverError, match=message):
        rule_line(rule)


def test_ruleset_binds_the_tap_to_its_address_and_drops_the_rest():
    text = ruleset(NIC, [Rule(100, "TCP", "INBOUND", range="22"), Rule(100, "TCP", "INBOUND", range="22")])
    assert text.startswith(removal(["one-5-0"]))
    assert 'iifname "one-5-0" ether type ip ip saddr != { 0.0.0.0, 10.0.0.5 } drop' in text
    assert 'iifname "one-5-0" ether type arp arp saddr ip != 10.0.0.5 drop' in text
    assert "ether saddr" not in text  # MAC spoofing only filtered when asked
    assert "ip daddr 10.0.0.5 jump vm_in" in text and "ip saddr 10.0.0.5 jump vm_out" in text
    lines = text.splitlines()
    start = lines.index("  chain vm_in {")
    inbound = [s.strip() for s in lines[start + 1:lines.index("  }", start)]]
    assert inbound[0] == "ct state established,related accept"
    assert inbound[-2:] == ["tcp dport { 22 } accept", "drop"]
    assert text.count("tcp dport { 22 } accept") == 1
    spoof = Nic(5, 0, "fw", "br0", "one-5-0", "02:00:0a:00:00:05", "", "2001:db8::5",
                filter_mac_spoofing=True)
    text6 = ruleset(spoof, [])
    assert 'ether saddr != 02:00:0a:00:00:05 drop' in text6 and "ip6 daddr 2001:db8::5 jump vm_in" in text6


def test_default_group_needs_no_filter_and_a_nic_without_address_cannot_be_filtered():
    allow_all = [Rule(0, "ALL", "INBOUND"), Rule(0, "ALL", "OUTBOUND")]
    assert not needs_filter(allow_all)
    assert needs_filter(allow_all[:1]) and needs_filter([])
    ethernet_only = Nic(5, 1, "fw", "br0", "one-5-1", "02:00:00:00:00:01")
    with pytest.raises(DriverError, match="NIC 1: security groups need the NIC to have an IP address"):
        ruleset(ethernet_only, [])


def test_nics_and_rules_from_the_vm_document():
    document = ("<VM><ID>9</ID><TEMPLATE>"
                + nic(0, "fw", BRIDGE="br0", IP="10.0.0.9", MAC="02:00:0A:00:00:09", SECURITY_GROUPS="0,100")
                + nic(1, "bridge", BRIDGE="br1")
                + sg_rule(0, "ALL", "INBOUND") + sg_rule(100, "tcp", "inbound", RANGE="22")
                + sg_rule(101, "UDP", "OUTBOUND")
                + "</TEMPLATE></VM>")
    (found,) = nics(document, frozenset({"fw"}))
    assert (found.tap, found.bridge, found.ip, found.mac, found.security_groups) == \
        ("one-9-0", "br0", "10.0.0.9", "02:00:0a:00:00:09", (0, 100))
    mine = nic_rules(found, rules(document))
    assert [(r.security_group_id, r.protocol, r.rule_type) for r in mine] == \
        [(0, "ALL", "INBOUND"), (100, "TCP", "INBOUND")]
