"""Pure reading of a VM's NICs and security group rules for the network drivers.

A NIC's tap is ``one-<vm_id>-<nic_id>`` (OpenNebula's TARGET), attached to its
network's BRIDGE; the virtualization driver opens that tap. Security group
rules are the ``SECURITY_GROUP_RULE`` vectors the core copies into the VM's
TEMPLATE (rules of a NETWORK_ID already expanded into IP and SIZE), applying
to the NICs whose SECURITY_GROUPS list their SECURITY_GROUP_ID.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from lxml import etree

from oneedge.drivers.base import DriverError

#: Linux interface names: at most 15 characters, no slash, blank or colon.
_IFNAME = re.compile(r"^[A-Za-z0-9_.\-]{1,15}$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


@dataclass(frozen=True)
class Rule:
    """One security group rule (OpenNebula's SECURITY_GROUP_RULE)."""

    security_group_id: int
    protocol: str            # ALL, TCP, UDP, ICMP, ICMPV6, IPSEC
    rule_type: str           # INBOUND, OUTBOUND
    range: str = ""          # "22,80:90" for TCP and UDP
    icmp_type: str = ""
    icmpv6_type: str = ""
    ip: str = ""             # first address of the peers, with SIZE of them
    size: int = 0


@dataclass(frozen=True)
class Nic:
    vm_id: int
    nic_id: int
    vn_mad: str
    bridge: str
    tap: str
    mac: str = ""
    ip: str = ""
    ip6: str = ""
    phydev: str = ""
    vlan_id: int = 0
    mtu: int = 0
    security_groups: tuple[int, ...] = ()
    filter_mac_spoofing: bool = False


def tap_name(vm_id: int, nic_id: int) -> str:
    return f"one-{vm_id}-{nic_id}"


def _text(element: etree._Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _number(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DriverError(f"{what} must be a number, got {text!r}") from None
    if not low <= value <= high:
        raise DriverError(f"{what} must be between {low} and {high}, got {value}")
    return value


def interface(name: str, what: str) -> str:
    """A valid interface name, or a DriverError naming what was wrong."""
    if not _IFNAME.match(name):
        raise DriverError(f"{what} {name!r} is not a valid interface name (up to 15 letters, digits, . _ -)")
    return name


def _address(text: str, version: int, what: str) -> str:
    """An IP address of the given version as text (it goes into rulesets), or ''."""
    if not text:
        return ""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise DriverError(f"{what} {text!r} is not an IPv{version} address")
    return str(address)


def nics(document: str, vn_mads: frozenset[str]) -> list[Nic]:
    """The NICs of a ``<VM>`` whose VN_MAD is one of ``vn_mads``; DriverError on a broken one."""
    root = etree.fromstring(document.encode())
    vm_id = int(root.findtext("ID") or "-1")
    found = []
    for nic in root.iterfind("TEMPLATE/NIC"):
        if _text(nic, "VN_MAD") not in vn_mads:
            continue
        nic_id = _number(_text(nic, "NIC_ID"), "NIC_ID", 0, 1 << 20)
        where = f"NIC {nic_id} (network {_text(nic, 'NETWORK') or _text(nic, 'NETWORK_ID')})"
        bridge = interface(_text(nic, "BRIDGE"), f"{where}: BRIDGE")
        vlan_text = _text(nic, "VLAN_ID")
        vlan = _number(vlan_text, f"{where}: VLAN_ID", 1, 4094) if vlan_text else 0
        phydev = _text(nic, "PHYDEV")
        if vlan and not phydev:
            raise DriverError(f"{where}: VLAN_ID {vlan} needs a PHYDEV to tag the traffic on")
        if phydev:
            interface(phydev, f"{where}: PHYDEV")
            if vlan and len(f"{phydev}.{vlan}") > 15:
                raise DriverError(f"{where}: the VLAN interface {phydev}.{vlan} would be over 15 characters")
        mtu_text = _text(nic, "MTU") or _text(nic, "GUEST_MTU")
        groups = tuple(int(g) for g in _text(nic, "SECURITY_GROUPS").split(",") if g.strip().isdigit())
        mac = _text(nic, "MAC").lower()
        if mac and not _MAC.match(mac):
            raise DriverError(f"{where}: MAC {mac!r} is not a MAC address")
        found.append(Nic(vm_id, nic_id, _text(nic, "VN_MAD"), bridge, tap_name(vm_id, nic_id), mac,
                         _address(_text(nic, "IP"), 4, f"{where}: IP"),
                         _address(_text(nic, "IP6_GLOBAL") or _text(nic, "IP6"), 6, f"{where}: IP6"), phydev, vlan,
                         _number(mtu_text, f"{where}: MTU", 68, 65535) if mtu_text else 0, groups,
                         _text(nic, "FILTER_MAC_SPOOFING").upper() == "YES"))
    return found


def rules(document: str) -> list[Rule]:
    """The VM's security group rules, in document order."""
    root = etree.fromstring(document.encode())
    found = []
    for rule in root.iterfind("TEMPLATE/SECURITY_GROUP_RULE"):
        sg_text = _text(rule, "SECURITY_GROUP_ID")
        size_text = _text(rule, "SIZE")
        found.append(Rule(int(sg_text) if sg_text.isdigit() else -1,
                          (_text(rule, "PROTOCOL") or "ALL").upper(), (_text(rule, "RULE_TYPE") or "").upper(),
                          _text(rule, "RANGE"), _text(rule, "ICMP_TYPE"), _text(rule, "ICMPV6_TYPE"),
                          _text(rule, "IP"), int(size_text) if size_text.isdigit() else 0))
    return found
