"""Security groups through pyone and raw XML-RPC."""

from __future__ import annotations

import pytest

from oneedge.pool.secgroup import RuleError, check_rule
from oneedge.template import VectorAttribute
from support.xsd import validate

AUTHORIZATION, NO_EXISTS, ACTION, INTERNAL = 0x200, 0x400, 0x800, 0x2000


def test_default_group(frontend):
    doc = validate(frontend.raw().ok("one.secgroup.info", 0, False), "security_group")
    assert doc.findtext("NAME") == "default" and doc.findtext("PERMISSIONS/OTHER_U") == "1"
    rules = [(r.findtext("PROTOCOL"), r.findtext("RULE_TYPE")) for r in doc.iter("RULE")]
    assert rules == [("ALL", "OUTBOUND"), ("ALL", "INBOUND")]
    frontend.raw().fails("one.secgroup.delete", 0, code=ACTION)


def test_lifecycle(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    oid = one.secgroup.allocate('NAME = "web"\nRULE = [ PROTOCOL = "TCP", RULE_TYPE = "inbound", RANGE = "22,80:90" ]\n'
                                'RULE = [ PROTOCOL = "TCP", RULE_TYPE = "inbound", RANGE = "22,80:90" ]')
    assert oid >= 100
    doc = validate(raw.ok("one.secgroup.info", oid, False), "security_group")
    assert len(doc.findall("TEMPLATE/RULE")) == 1 and doc.findtext("TEMPLATE/RULE/RANGE") == "22,80:90"
    copy = one.secgroup.clone(oid, "web2")
    assert one.secgroup.info(copy).NAME == "web2"
    one.secgroup.update(oid, 'RULE = [ PROTOCOL = "ICMP", RULE_TYPE = "outbound", ICMP_TYPE = "8" ]', 0)
    assert validate(raw.ok("one.secgroup.info", oid, False), "security_group").findtext("TEMPLATE/RULE/ICMP_TYPE") == "8"
    one.secgroup.commit(oid, False)
    one.secgroup.rename(oid, "www")
    one.secgroup.chmod(oid, 1, 1, 0, 1, 0, 0, 0, 0, 0)
    pool = validate(raw.ok("one.secgrouppool.info", -2, -1, -1), "security_group_pool")
    assert sorted(g.findtext("NAME") for g in pool) == ["default", "web2", "www"]
    one.secgroup.delete(copy)
    raw.fails("one.secgroup.info", copy, False, code=NO_EXISTS)


def test_refusals_change_nothing(frontend):
    one, raw = frontend.pyone(), frontend.raw()
    oid = one.secgroup.allocate('NAME = "strict"')
    before = raw.ok("one.secgroup.info", oid, False)
    raw.fails("one.secgroup.update", oid, 'RULE = [ PROTOCOL = "GRE", RULE_TYPE = "inbound" ]', 0, code=INTERNAL)
    raw.fails("one.secgroup.update", oid, 'RULE = [ PROTOCOL = "TCP" ', 0, code=INTERNAL)
    assert raw.ok("one.secgroup.info", oid, False) == before
    raw.fails("one.secgroup.allocate", 'RULE = [ PROTOCOL = "TCP", RULE_TYPE = "inbound" ]', code=INTERNAL)
    raw.fails("one.secgroup.allocate", 'NAME = "strict"', code=INTERNAL)
    raw.fails("one.secgroup.clone", 999, "x", code=NO_EXISTS)
    raw.fails("one.secgroup.commit", 999, False, code=NO_EXISTS)
    one.user.allocate("sguser", "pw", "", [])
    user = frontend.raw("sguser:pw")
    user.fails("one.secgroup.info", oid, False, code=AUTHORIZATION)
    user.fails("one.secgroup.delete", oid, code=AUTHORIZATION)
    user.fails("one.secgroup.update", oid, "A = 1", 0, code=AUTHORIZATION)
    mine = user.ok("one.secgroup.allocate", 'NAME = "mine"')
    user.ok("one.secgroup.clone", 0, "my-default")
    mine_only = validate(user.ok("one.secgrouppool.info", -3, -1, -1), "security_group_pool")
    assert sorted(int(g.findtext("ID")) for g in mine_only) == [mine, mine + 1]
    assert raw.ok("one.secgroup.info", oid, False) == before


@pytest.mark.parametrize("items, message", [
    ([("PROTOCOL", "GRE"), ("RULE_TYPE", "inbound")], "Wrong PROTOCOL"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "sideways")], "Wrong RULE_TYPE"),
    ([("PROTOCOL", "ICMP"), ("RULE_TYPE", "inbound"), ("RANGE", "22")], "RANGE is supported only"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "inbound"), ("RANGE", "22-80")], "Invalid RANGE"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "inbound"), ("RANGE", "70000")], "out of bounds"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "inbound"), ("RANGE", "90:80")], "BEGIN value is greater"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "inbound"), ("RANGE", ",".join(str(p) for p in range(16)))], "15 ports"),
    ([("PROTOCOL", "TCP"), ("RULE_TYPE", "inbound"), ("ICMP_TYPE", "8")], "ICMP_TYPE is supported only"),
    ([("PROTOCOL", "ICMP"), ("RULE_TYPE", "inbound"), ("ICMP_TYPE", "x")], "Wrong ICMP_TYPE"),
    ([("PROTOCOL", "ALL"), ("RULE_TYPE", "inbound"), ("IP", "10.0.0.1")], "Wrong or empty SIZE"),
    ([("PROTOCOL", "ALL"), ("RULE_TYPE", "inbound"), ("IP", "10.0.0"), ("SIZE", "2")], "Wrong format for IP"),
    ([("PROTOCOL", "ALL"), ("RULE_TYPE", "inbound"), ("NETWORK_ID", "x")], "Wrong NETWORK_ID"),
])
def test_rule_checks(items, message):
    with pytest.raises(RuleError, match=message):
        check_rule(VectorAttribute("RULE", items))


def test_valid_rules():
    for items in ([("PROTOCOL", "udp"), ("RULE_TYPE", "OUTBOUND"), ("RANGE", "53,1000:2000")],
                  [("PROTOCOL", "ICMPv6"), ("RULE_TYPE", "inbound"), ("ICMPV6_TYPE", "128")],
                  [("PROTOCOL", "IPSEC"), ("RULE_TYPE", "inbound"), ("IP", "fd00::1"), ("SIZE", "4")],
                  [("PROTOCOL", "ALL"), ("RULE_TYPE", "inbound"), ("NETWORK_ID", "3")]):
        check_rule(VectorAttribute("RULE", items))
