"""VN_MAD fw: security groups applied with nftables on a host namespace, checked with real traffic.

Two guest namespaces stand for the VMs: each is joined to the host's bridge by
a veth whose host end carries the VM's tap name (a tap without QEMU behind it
has no carrier); the driver filters those ports as it filters taps.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from network.netkit import NamespaceHosts, ip, links, namespaces, nft_tables, nic, run, sg_rule, vm, vnm_config

from oneedge.drivers.base import DriverError
from oneedge.drivers.vnm_fw import FirewallNetworkDriver

SERVER = """
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    ready.append(port)
    while True:
        c, _ = s.accept(); c.sendall(b"ok"); c.close()
ready = []
for port in map(int, sys.argv[1:]):
    threading.Thread(target=serve, args=(port,), daemon=True).start()
while len(ready) < len(sys.argv) - 1:
    pass
print("ready", flush=True)
sys.stdin.read()
"""
CLIENT = """
import socket, sys
s = socket.socket(); s.settimeout(0.5)
if len(sys.argv) > 3:
    s.bind((sys.argv[3], 0))
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print("open" if s.recv(2) == b"ok" else "odd")
except OSError:
    print("blocked")
"""


def guest_run(netns: str, code: str, *args: str) -> list[str]:
    return ["ip", "netns", "exec", netns, sys.executable, "-c", code, *args]


def connect(netns: str, address: str, port: int, source: str = "") -> str:
    argv = guest_run(netns, CLIENT, address, str(port), *([source] if source else []))
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def lan(tmp_path) -> Iterator[tuple[str, str, str, NamespaceHosts]]:
    """A host namespace with bridge br-sg and guests 1 (192.168.77.1) and 2 (.2) on it, serving TCP."""
    with namespaces("h", "g1", "g2") as (host, g1, g2):
        ip("-n", host, "link", "add", "br-sg", "type", "bridge")
        ip("-n", host, "link", "set", "br-sg", "up")
        servers = []
        for index, guest in ((1, g1), (2, g2)):
            ip("-n", host, "link", "add", f"one-{index}-0", "type", "veth", "peer", "name", "eth0", "netns", guest)
            ip("-n", host, "link", "set", f"one-{index}-0", "master", "br-sg", "up")
            ip("-n", guest, "addr", "add", f"192.168.77.{index}/24", "dev", "eth0")
            ip("-n", guest, "link", "set", "eth0", "up")
            server = subprocess.Popen(guest_run(guest, SERVER, "7000", "8000", "8080", "9000"),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            servers.append(server)
        try:
            yield host, g1, g2, NamespaceHosts(tmp_path / "remotes")
        finally:
            for server in servers:
                server.kill()
                server.communicate()  # reaps it and closes its pipes


def guest_vm(vm_id: int, host: str, *rules: str, groups: str = "100") -> object:
    return vm(vm_id, host, nic(0, "fw", BRIDGE="br-sg", IP=f"192.168.77.{vm_id}", SECURITY_GROUPS=groups),
              *rules)


def test_security_groups_allow_and_block_real_traffic(lan):
    host, g1, g2, hosts = lan
    driver = FirewallNetworkDriver(vnm_config("fw"), hosts)
    vm1 = guest_vm(1, host, sg_rule(100, "TCP", "INBOUND", RANGE="7000"), sg_rule(100, "ALL", "OUTBOUND"))
    vm2 = guest_vm(2, host, sg_rule(100, "TCP", "INBOUND", RANGE="8000", IP="192.168.77.1", SIZE=1),
                   sg_rule(100, "TCP", "INBOUND", RANGE="8080"), sg_rule(100, "TCP", "OUTBOUND"))
    assert connect(g1, "192.168.77.2", 9000) == "open"  # no filter yet
    run(driver.post(vm1))
    run(driver.post(vm2))
    assert nft_tables(host) == ["bridge one-1-0", "bridge one-2-0", "inet one-1-0", "inet one-2-0"]
    assert connect(g1, "192.168.77.2", 8000) == "open"
    assert connect(g1, "192.168.77.2", 9000) == "blocked"
    assert connect(g2, "192.168.77.1", 7000) == "open"    # out of VM 2 by its TCP rule, in to VM 1 on 7000
    assert connect(g2, "192.168.77.1", 8000) == "blocked"
    # Guest 1 pretending to be another address is dropped at its port, even where anyone may connect.
    ip("-n", g1, "addr", "add", "192.168.77.50/24", "dev", "eth0")
    assert connect(g1, "192.168.77.2", 8080) == "open"
    assert connect(g1, "192.168.77.2", 8080, source="192.168.77.50") == "blocked"

    # New rules replace the old ones at once.
    vm2_updated = guest_vm(2, host, sg_rule(100, "TCP", "INBOUND", RANGE="9000"))
    run(driver.update_sg(vm2_updated))
    assert connect(g1, "192.168.77.2", 9000) == "open"
    assert connect(g1, "192.168.77.2", 8000) == "blocked"

    run(driver.clean(vm2_updated))
    assert nft_tables(host) == ["bridge one-1-0", "inet one-1-0"]
    assert "one-2-0" not in links(host) and "br-sg" in links(host)  # the administrator's bridge stays
    run(driver.clean(vm1))
    run(driver.clean(vm1))  # twice: nothing left to remove, no error
    assert nft_tables(host) == []


def test_default_group_leaves_the_nic_unfiltered_and_bad_rules_apply_nothing(lan):
    host, g1, g2, hosts = lan
    driver = FirewallNetworkDriver(vnm_config("fw"), hosts)
    run(driver.post(guest_vm(2, host, sg_rule(0, "ALL", "INBOUND"), sg_rule(0, "ALL", "OUTBOUND"), groups="0")))
    assert nft_tables(host) == []
    assert connect(g1, "192.168.77.2", 9000) == "open"
    broken = guest_vm(2, host, sg_rule(100, "TCP", "INBOUND", RANGE="22"), sg_rule(100, "TCP", "INBOUND",
                                                                                  RANGE="99999"))
    with pytest.raises(DriverError, match="bad port RANGE '99999'"):
        run(driver.post(broken))
    assert nft_tables(host) == []
