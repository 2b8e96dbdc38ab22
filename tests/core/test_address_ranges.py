"""Address range arithmetic, without a daemon."""

from __future__ import annotations

import random
import time

import pytest

from oneedge.pool import address_range as ar
from oneedge.pool.address_range import AddressError, AddressRange


def test_conversions_round_trip():
    assert ar.ip4_to_int("10.0.1.2") == 0x0A000102
    assert ar.int_to_ip4(0x0A000102) == "10.0.1.2"
    for bad in ("10.0.0", "10.0.0.256", "a.b.c.d", "10.0.0.1.2", ""):
        assert ar.ip4_to_int(bad) is None
    assert ar.mac_to_int("02:00:0a:00:01:02") == 0x02000A000102
    assert ar.int_to_mac(0x02000A000102) == "02:00:0a:00:01:02"
    assert ar.mac_to_int("02:00:0a:00:01") is None and ar.mac_to_int("zz:00:0a:00:01:02") is None
    assert ar.prefix6_to_int("2001:db8::") == 0x20010DB800000000 and ar.prefix6_to_int("") == 0
    assert ar.prefix6_to_int("nonsense") is None
    assert ar.address_key("02:00:0a:00:00:01") == ("MAC", "02:00:0a:00:00:01")
    assert ar.address_key("10.0.0.1") == ("IP", "10.0.0.1")
    assert ar.address_key("fd00::1") == ("IP6", "fd00::1")
    assert ar.address_key("nope") is None


def test_eui64_flips_the_universal_local_bit():
    # The classic example: MAC 00:11:22:33:44:55 -> interface ID 0211:22ff:fe33:4455.
    value = ar.eui64(ar.LINK_LOCAL_PREFIX, ar.mac_to_int("00:11:22:33:44:55"))
    assert ar.int_to_ip6(value) == "fe80::211:22ff:fe33:4455"


def test_mac_increments_wrap_the_low_32_bits_only():
    assert ar.mac_add(0x0200FFFFFFFF, 1) == 0x020000000000


def test_ip4_range_derives_macs_from_ips():
    r = AddressRange.define({"TYPE": "ip4", "IP": "10.0.0.1", "SIZE": "256"}, 0)
    assert r.attrs["MAC"] == "02:00:0a:00:00:01" and r.type == "IP4"
    assert r.lease(9) == {"MAC": "02:00:0a:00:00:0a", "IP": "10.0.0.10"}
    assert r.index_of_ip("10.0.1.0") == 255 and r.index_of_ip("10.0.1.1") is None
    assert r.index_of_mac("02:00:0a:00:00:0a") == 9 and r.index_of_mac("02:01:0a:00:00:0a") is None


def test_ip6_ranges():
    r = AddressRange.define({"TYPE": "IP4_6", "IP": "10.0.0.1", "SIZE": "4", "ULA_PREFIX": "fd00::",
                             "GLOBAL_PREFIX": "2001:db8::"}, 3)
    lease = r.lease(1)
    assert lease["IP6_ULA"] == "fd00::aff:fe00:2" and lease["IP6_GLOBAL"] == "2001:db8::aff:fe00:2"
    assert lease["IP6_LINK"] == "fe80::aff:fe00:2" and r.id == 3
    static = AddressRange.define({"TYPE": "IP6_STATIC", "IP6": "2001:db8::10", "PREFIX_LENGTH": "120"}, 0)
    assert static.size == 256 - 0x10
    assert static.lease(2)["IP6"] == "2001:db8::12" and static.index_of_ip6("2001:db8::ff") == 0xEF
    ether = AddressRange.define({"TYPE": "ETHER", "SIZE": "3"}, 0, rng=random.Random(1))
    assert ether.attrs["MAC"].startswith("02:00:") and "IP" not in ether.lease(0)


@pytest.mark.parametrize("items, message", [
    ({"TYPE": "IP5", "SIZE": "1"}, "Unknown or missing address range TYPE."),
    ({"TYPE": "IP4", "SIZE": "1"}, "Wrong or empty IP attribute"),
    ({"TYPE": "IP4", "IP": "10.0.0.1"}, "Wrong SIZE for address range"),
    ({"TYPE": "IP4", "IP": "10.0.0.1", "SIZE": "-2"}, "Wrong SIZE for address range"),
    ({"TYPE": "IP6", "SIZE": "1", "ULA_PREFIX": "zz"}, "Wrong format for IP6 unique local address prefix"),
    ({"TYPE": "IP6_STATIC", "IP6": "2001:db8::1", "SIZE": "1"}, "Wrong or empty PREFIX_LENGTH"),
    ({"TYPE": "ETHER", "SIZE": "1", "MAC": "02:00"}, "Wrong format for MAC attribute"),
])
def test_bad_definitions(items, message):
    with pytest.raises(AddressError, match=message):
        AddressRange.define(items, 0)


def test_free_slot_search_walks_used_leases_only():
    assert ar.first_free([], 4) == 0 and ar.first_free([0, 1, 3], 4) == 2 and ar.first_free([0, 1], 2) is None
    assert ar.free_block([1, 2, 6], 10, 3) == 3 and ar.free_block([0, 5], 8, 3) == 1
    assert ar.free_block([0, 1, 2], 4, 2) is None and ar.free_block([], 4, 4) == 0


def test_a_full_slash_16_allocates_quickly():
    r = AddressRange.define({"TYPE": "IP4", "IP": "10.1.0.0", "SIZE": "65536"}, 0)
    r.take(0, 1, 65000)
    start = time.perf_counter()
    for _ in range(20):
        index = r.first_free()
        r.take(index, 2)
    assert r.first_free() == 65020 and r.free_block(500) == 65020
    assert time.perf_counter() - start < 1.0
    assert r.index_of_ip("10.1.255.255") == 65535


def test_allocated_round_trip_and_owners():
    r = AddressRange.define({"TYPE": "IP4", "IP": "10.0.0.1", "SIZE": "8"}, 0)
    held = ar.owner_pack(0x1000000000, -1)
    r.take(2, held)
    r.take(4, ar.owner_pack(0x1000000000, 7), 2)
    again = AddressRange.from_element(r.to_stored())
    assert again.allocated == r.allocated and ar.owner_id(held) == -1
    assert ar.format_allocated(r.allocated) == f" 2 {held} 4 {0x1000000007} 5 {0x1000000007}"
    assert not again.release(4, held) and again.release(4, 0x1000000007)
    assert again.release_owner(0x1000000007) == 1 and again.allocated == {2: held}
    info = r.to_info({0x1000000000: "VM"})
    assert [lease.findtext("VM") for lease in info.iter("LEASE")] == ["-1", "7", "7"]
    assert info.findtext("IP_END") == "10.0.0.8" and info.findtext("USED_LEASES") == "3"


def test_update_keeps_what_defines_the_range():
    r = AddressRange.define({"TYPE": "IP4", "IP": "10.0.0.1", "SIZE": "8"}, 0)
    r.take(5, 1)
    r.update({"IP": "192.168.0.1", "SIZE": "6", "GATEWAY": "10.0.0.254"})
    assert (r.attrs["IP"], r.size, r.attrs["GATEWAY"], r.id) == ("10.0.0.1", 6, "10.0.0.254", 0)
    with pytest.raises(AddressError, match="New SIZE cannot be applied"):
        r.update({"SIZE": "5"})
    child = r.reservation(2, 3, 0)
    assert (child.attrs["IP"], child.size, child.parent_ar) == ("10.0.0.3", 3, 0)
    with pytest.raises(AddressError, match="reservation cannot be changed"):
        child.update({"SIZE": "4"})
