"""Security group rules -> nftables ruleset text, one pair of tables per NIC (pure).

Each filtered NIC gets ``table inet one-<vm>-<nic>`` and ``table bridge one-<vm>-<nic>``:

- the ``bridge`` table binds the tap to its lease at the bridge port: frames
  from the tap with another IP (or, with FILTER_MAC_SPOOFING, MAC) are dropped;
- the ``inet`` table filters, statefully, the traffic to and from that address
  in the forward hook (bridged packets reach it through br_netfilter, as
  OpenNebula's iptables driver relies on): established and related traffic
  passes, then the rules of the NIC's security groups, then everything else
  is dropped. INBOUND rules match the peer as source, OUTBOUND as destination.

The text applied replaces the NIC's tables atomically (``nft -f`` runs one
transaction), so an update never leaves a NIC unfiltered in between.
"""

from __future__ import annotations

import ipaddress

from oneedge.drivers.base import DriverError
from oneedge.drivers.vnm_nics import Nic, Rule

FAMILIES = ("inet", "bridge")
#: Neighbour discovery and DHCP: what a NIC needs to get and keep its address.
_IN_ALWAYS = ("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept",
              "udp sport 67 udp dport 68 accept")
_OUT_ALWAYS = ("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept",
               "udp sport 68 udp dport 67 accept")


def table_name(nic: Nic) -> str:
    return nic.tap


def removal(names: list[str]) -> str:
    """Text deleting these NICs' tables; deleting a table that is not there is not an error."""
    return "".join(f"add table {family} {name}\ndelete table {family} {name}\n"
                   for name in names for family in FAMILIES)


def _ports(text: str, where: str) -> str:
    ports = []
    for part in text.replace(" ", "").split(","):
        low, sep, high = part.partition(":")
        try:
            numbers = [int(low)] + ([int(high)] if sep else [])
        except ValueError:
            raise DriverError(f"{where}: bad port RANGE {text!r}") from None
        if any(not 1 <= n <= 65535 for n in numbers) or (sep and numbers[0] > numbers[1]):
            raise DriverError(f"{where}: bad port RANGE {text!r}")
        ports.append("-".join(str(n) for n in numbers))
    return "{ " + ", ".join(ports) + " }"


def _peers(rule: Rule, inbound: bool, where: str) -> str:
    if not rule.ip:
        return ""
    try:
        first = ipaddress.ip_address(rule.ip)
        last = first + max(rule.size, 1) - 1
    except (ValueError, ipaddress.AddressValueError):
        raise DriverError(f"{where}: bad IP {rule.ip!r} or SIZE {rule.size}") from None
    family = "ip" if first.version == 4 else "ip6"
    side = "saddr" if inbound else "daddr"
    return f"{family} {side} {first}-{last} " if last != first else f"{family} {side} {first} "


def _match(rule: Rule, where: str) -> str:
    proto = rule.protocol
    if proto in ("TCP", "UDP"):
        lower = proto.lower()
        return f"{lower} dport {_ports(rule.range, where)} " if rule.range else f"meta l4proto {lower} "
    if proto == "ICMP":
        return f"icmp type {_number(rule.icmp_type, where)} " if rule.icmp_type else "meta l4proto icmp "
    if proto == "ICMPV6":
        return (f"icmpv6 type {_number(rule.icmpv6_type, where)} " if rule.icmpv6_type
                else "meta l4proto ipv6-icmp ")
    if proto == "IPSEC":
        return "meta l4proto esp "
    if proto == "ALL":
        return ""
    raise DriverError(f"{where}: unknown PROTOCOL {rule.protocol!r} (ALL, TCP, UDP, ICMP, ICMPV6, IPSEC)")


def _number(text: str, where: str) -> int:
    if not text.isdigit() or int(text) > 255:
        raise DriverError(f"{where}: bad ICMP type {text!r}")
    return int(text)


def rule_line(rule: Rule) -> tuple[str, str]:
    """(chain, statement) of one rule: ``vm_in`` for INBOUND, ``vm_out`` for OUTBOUND."""
    where = f"security group {rule.security_group_id} rule {rule.protocol} {rule.rule_type}"
    if rule.rule_type not in ("INBOUND", "OUTBOUND"):
        raise DriverError(f"{where}: RULE_TYPE must be INBOUND or OUTBOUND")
    inbound = rule.rule_type == "INBOUND"
    return ("vm_in" if inbound else "vm_out"), f"{_peers(rule, inbound, where)}{_match(rule, where)}accept"


def nic_rules(nic: Nic, all_rules: list[Rule]) -> list[Rule]:
    return [r for r in all_rules if r.security_group_id in nic.security_groups]


def needs_filter(rules: list[Rule]) -> bool:
    """False when the rules accept everything both ways (OpenNebula's default group 0)."""
    lines = {rule_line(r) for r in rules}
    return not {("vm_in", "accept"), ("vm_out", "accept")} <= lines


def ruleset(nic: Nic, rules: list[Rule]) -> str:
    """The text installing (or replacing) a NIC's tables for its security group ``rules``."""
    if not nic.ip and not nic.ip6:
        raise DriverError(f"NIC {nic.nic_id}: security groups need the NIC to have an IP address "
                          "(an Ethernet-only address range cannot be filtered)")
    chains: dict[str, list[str]] = {"vm_in": [], "vm_out": []}
    for rule in rules:
        chain, statement = rule_line(rule)
        if statement not in chains[chain]:
            chains[chain].append(statement)
    name = table_name(nic)
    jumps, spoof = [], []
    for family, address in (("ip", nic.ip), ("ip6", nic.ip6)):
        if address:
            jumps += [f"{family} daddr {address} jump vm_in", f"{family} saddr {address} jump vm_out"]
    tap = f'iifname "{nic.tap}"'
    if nic.mac and nic.filter_mac_spoofing:
        spoof.append(f"{tap} ether saddr != {nic.mac} drop")
    if nic.ip:
        spoof += [f"{tap} ether type ip ip saddr != {{ 0.0.0.0, {nic.ip} }} drop",
                  f"{tap} ether type arp arp saddr ip != {nic.ip} drop"]
    if nic.ip6:
        spoof.append(f"{tap} ether type ip6 ip6 saddr != {{ ::, fe80::/10, {nic.ip6} }} drop")
    body = [removal([name]),
            f"table bridge {name} {{",
            "  chain prerouting {",
            "    type filter hook prerouting priority filter; policy accept;",
            *(f"    {s}" for s in spoof), "  }", "}",
            f"table inet {name} {{",
            "  chain forward {",
            "    type filter hook forward priority filter; policy accept;",
            *(f"    {j}" for j in jumps), "  }"]
    for chain, always in (("vm_in", _IN_ALWAYS), ("vm_out", _OUT_ALWAYS)):
        body += [f"  chain {chain} {{", "    ct state established,related accept",
                 *(f"    {s}" for s in (*always, *chains[chain])), "    drop", "  }"]
    body.append("}")
    return "\n".join(body) + "\n"
