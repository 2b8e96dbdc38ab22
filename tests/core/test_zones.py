"""The local zone: one.zone.info, one.zonepool.info, one.zone.raftstatus."""

from __future__ import annotations

import pyone
import pytest

from oneedge.nebula import endpoint_url
from support import frontend as fe
from support.xsd import validate

AUTHORIZATION, NO_EXISTS = 0x200, 0x400


def test_local_zone(frontend):
    raw = frontend.raw()
    zone = validate(raw.ok("one.zone.info", 0, False), "zone")
    assert (zone.findtext("ID"), zone.findtext("NAME"), zone.findtext("STATE")) == ("0", "OpenNebula", "0")
    assert zone.findtext("TEMPLATE/ENDPOINT") == frontend.url
    assert zone.find("SERVER_POOL") is not None and len(zone.find("SERVER_POOL")) == 0
    pool = validate(raw.ok("one.zonepool.info"), "zone_pool")
    assert [z.findtext("ID") for z in pool] == ["0"]
    assert pool[0].findtext("TEMPLATE/ENDPOINT") == frontend.url
    raw.fails("one.zone.info", 100, False, code=NO_EXISTS)


def test_raft_status_is_solo(frontend):
    raft = validate(frontend.raw().ok("one.zone.raftstatus"), "raftstatus")
    assert {child.tag: child.text for child in raft} == {
        "SERVER_ID": "-1", "STATE": "0", "TERM": "0", "VOTEDFOR": "-1", "COMMIT": "0",
        "LOG_INDEX": "-1", "LOG_TERM": "-1", "FEDLOG_INDEX": "-1"}


def test_every_user_may_read_the_zone(frontend):
    frontend.raw().ok("one.user.allocate", "zoneuser", "pw", "", [])
    user = frontend.pyone("zoneuser:pw")
    assert user.zone.info(0).TEMPLATE["ENDPOINT"] == frontend.url
    assert [z.NAME for z in user.zonepool.info().ZONE] == ["OpenNebula"]
    assert user.zone.raftstatus().STATE == 0
    # Zones are oneadmin's; users only USE them (the default "* ZONE/* USE *" rule).
    frontend.raw("zoneuser:pw").fails("one.system.config", code=AUTHORIZATION)


def test_other_zone_methods_are_not_offered(frontend):
    with pytest.raises(pyone.OneException):
        frontend.pyone().zone.allocate('NAME = "z2"\nENDPOINT = "http://other:2633/RPC2"')


def test_endpoint_follows_the_served_port(fresh_home):
    first = fe.start(fresh_home)
    try:
        assert first.pyone().zone.info(0).TEMPLATE["ENDPOINT"] == first.url
    finally:
        assert first.stop() == 0
    second = fe.start(fresh_home)
    try:
        assert second.port != first.port
        assert second.pyone().zone.info(0).TEMPLATE["ENDPOINT"] == second.url
        assert [z.ID for z in second.pyone().zonepool.info().ZONE] == [0]
    finally:
        assert second.stop() == 0


def test_endpoint_url():
    assert endpoint_url("127.0.0.1", 2633) == "http://127.0.0.1:2633/RPC2"
    assert endpoint_url("0.0.0.0", 2633) == "http://localhost:2633/RPC2"
    assert endpoint_url("::1", 80) == "http://[::1]:80/RPC2"
