"""VN_MAD bridge and 802.1Q on a host that is a network namespace: bridges, taps, VLANs, clean-up."""

from __future__ import annotations

import pytest
from network.netkit import ip, links, nft_tables, nic, run, sg_rule, vm, vnm_config

from oneedge.drivers.base import DriverError
from oneedge.drivers.vnm_bridge import BridgeNetworkDriver
from oneedge.drivers.vnm_fw import FirewallNetworkDriver


def kernel_has_8021q(netns: str) -> bool:
    """Whether this kernel can make VLAN interfaces (this machine's cannot: no CONFIG_VLAN_8021Q)."""
    ip("-n", netns, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1")
    made = ip("-n", netns, "link", "add", "link", "probe0", "name", "probe0.9", "type", "vlan", "id", "9",
              check=False).returncode == 0
    ip("-n", netns, "link", "del", "probe0")
    return made


def test_pre_makes_bridge_uplink_and_taps_and_clean_removes_them(host):
    netns, hosts = host
    ip("-n", netns, "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    driver = BridgeNetworkDriver(vnm_config("bridge"), hosts)
    ctx = vm(5, netns, nic(0, BRIDGE="onebr7", PHYDEV="eth9", MTU=1400), nic(1, BRIDGE="onebr7"),
             nic(2, "fw", BRIDGE="other"))
    run(driver.pre(ctx))
    found = links(netns)
    for tap in ("one-5-0", "one-5-1"):
        assert found[tap]["master"] == "onebr7" and "UP" in found[tap]["flags"]
        assert found[tap]["linkinfo"]["info_kind"] == "tun"
    assert found["one-5-0"]["mtu"] == 1400
    assert found["eth9"]["master"] == "onebr7"
    assert found["onebr7"]["linkinfo"]["info_kind"] == "bridge" and found["onebr7"]["ifalias"] == "oneedge"
    assert "one-5-2" not in found and "other" not in found  # a NIC of another driver
    run(driver.clean(ctx))
    assert set(links(netns)) == {"lo", "eth9", "eth9p"}
    assert "master" not in links(netns)["eth9"]
    run(driver.clean(ctx))  # again, after a failure or a crash: nothing to do, no error


def test_a_bridge_shared_by_two_vms_stays_until_the_last_leaves(host):
    netns, hosts = host
    driver = BridgeNetworkDriver(vnm_config("bridge"), hosts)
    first, second = vm(1, netns, nic(0, BRIDGE="br-shared")), vm(2, netns, nic(0, BRIDGE="br-shared"))
    run(driver.pre(first))
    run(driver.pre(second))
    run(driver.clean(first))
    assert set(links(netns)) == {"lo", "br-shared", "one-2-0"}
    run(driver.clean(second))
    assert set(links(netns)) == {"lo"}


def test_a_bridge_made_by_the_administrator_is_kept(host):
    netns, hosts = host
    ip("-n", netns, "link", "add", "br-admin", "type", "bridge")
    driver = BridgeNetworkDriver(vnm_config("bridge"), hosts)
    ctx = vm(3, netns, nic(0, BRIDGE="br-admin"))
    run(driver.pre(ctx))
    run(driver.clean(ctx))
    assert set(links(netns)) == {"lo", "br-admin"}


def test_missing_phydev_fails_and_leaves_nothing(host):
    netns, hosts = host
    driver = BridgeNetworkDriver(vnm_config("bridge"), hosts)
    ctx = vm(4, netns, nic(0, BRIDGE="br-ok"), nic(1, BRIDGE="br-bad", PHYDEV="eth404"))
    with pytest.raises(DriverError, match="PHYDEV eth404 of bridge br-bad does not exist on this host"):
        run(driver.pre(ctx))
    assert set(links(netns)) == {"lo"}


@pytest.mark.parametrize("attrs, message", [
    ({"BRIDGE": "br0", "VLAN_ID": "10"}, "VLAN_ID 10 needs a PHYDEV"),
    ({"BRIDGE": "br0", "VLAN_ID": "5000", "PHYDEV": "eth0"}, "VLAN_ID must be between 1 and 4094, got 5000"),
    ({"BRIDGE": "br0", "VLAN_ID": "ten", "PHYDEV": "eth0"}, "VLAN_ID must be a number"),
    ({"BRIDGE": "a-bridge-name-too-long"}, "BRIDGE 'a-bridge-name-too-long' is not a valid interface name"),
    ({"BRIDGE": ""}, "BRIDGE '' is not a valid interface name"),
    ({"BRIDGE": "br0", "PHYDEV": "eth0;reboot"}, "PHYDEV 'eth0;reboot' is not a valid interface name"),
    ({"BRIDGE": "br0", "IP": "10.0.0.1; flush ruleset"}, "IP '10.0.0.1; flush ruleset' is not an IPv4 address"),
    ({"BRIDGE": "br0", "IP6": "10.0.0.1"}, "IP6 '10.0.0.1' is not an IPv6 address"),
    ({"BRIDGE": "br0", "MAC": "02:00:zz:00:00:01"}, "MAC '02:00:zz:00:00:01' is not a MAC address"),
])
def test_broken_network_config_fails_before_touching_the_host(host, attrs, message):
    netns, hosts = host
    driver = BridgeNetworkDriver(vnm_config("802.1Q"), hosts)
    with pytest.raises(DriverError, match=message):
        run(driver.pre(vm(6, netns, nic(0, "802.1Q", **attrs))))
    assert set(links(netns)) == {"lo"}


def test_vlan_on_phydev(host):
    netns, hosts = host
    ip("-n", netns, "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    driver = BridgeNetworkDriver(vnm_config("802.1Q"), hosts)
    ctx = vm(7, netns, nic(0, "802.1Q", BRIDGE="onebr.42", PHYDEV="eth9", VLAN_ID=42))
    if kernel_has_8021q(netns):
        run(driver.pre(ctx))
        vlan = links(netns)["eth9.42"]
        assert vlan["linkinfo"]["info_data"]["id"] == 42 and vlan["master"] == "onebr.42"
        run(driver.clean(ctx))
    else:
        # This kernel cannot tag: the deployment fails saying so, and leaves nothing.
        with pytest.raises(DriverError, match="cannot create VLAN 42 on eth9 .*802.1Q support"):
            run(driver.pre(ctx))
    assert set(links(netns)) == {"lo", "eth9", "eth9p"}


def test_clean_after_a_failed_deployment_removes_taps_bridges_and_tables(host):
    netns, hosts = host
    ip("-n", netns, "link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    driver = FirewallNetworkDriver(vnm_config("fw"), hosts)
    ctx = vm(8, netns, nic(0, "fw", BRIDGE="br-fw", PHYDEV="eth9", IP="10.1.0.8", SECURITY_GROUPS="100"),
             nic(1, "fw", BRIDGE="br-fw", IP="10.1.0.9", SECURITY_GROUPS="100"),
             sg_rule(100, "TCP", "INBOUND", RANGE="22"))
    run(driver.pre(ctx))
    run(driver.post(ctx))
    assert nft_tables(netns) == ["bridge one-8-0", "bridge one-8-1", "inet one-8-0", "inet one-8-1"]
    # The rules changed to something broken (an update): the post fails, what was applied stays...
    broken = vm(8, netns, nic(0, "fw", BRIDGE="br-fw", PHYDEV="eth9", IP="10.1.0.8", SECURITY_GROUPS="100"),
                nic(1, "fw", BRIDGE="br-fw", IP="10.1.0.9", SECURITY_GROUPS="100"),
                sg_rule(100, "TCP", "INBOUND", RANGE="22:1"))
    with pytest.raises(DriverError, match="bad port RANGE"):
        run(driver.update_sg(broken))
    assert len(nft_tables(netns)) == 4
    # ...and terminating the VM removes everything: tables, taps, the bridge; PHYDEV is released.
    run(driver.clean(broken))
    assert nft_tables(netns) == []
    assert set(links(netns)) == {"lo", "eth9", "eth9p"} and "master" not in links(netns)["eth9"]
