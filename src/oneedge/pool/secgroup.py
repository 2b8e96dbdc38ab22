"""Security groups: ``<SECURITY_GROUP>`` documents (security_group.xsd) and their rules."""

from __future__ import annotations

import ipaddress
import re

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template, VectorAttribute

table = pool_table("secgroup_pool")

DEFAULT_SECGROUP_ID = 0
#: IDs below 100 are reserved for system security groups (SecurityGroupPool.cc).
FIRST_SECGROUP_ID = 100

#: The default group OpenNebula creates: every network gets it, it lets everything through.
DEFAULT_DESCRIPTION = (
    "The default security group is added to every network. Use it to add default filter rules "
    "for your networks. You may remove this security group from any network by updating its properties."
)
DEFAULT_RULES = (("OUTBOUND", "ALL"), ("INBOUND", "ALL"))
DEFAULT_PERMISSIONS = Permissions(1, 1, 1, 1, 0, 0, 1, 0, 0)

PROTOCOLS = ("TCP", "UDP", "ICMP", "ICMPV6", "IPSEC", "ALL")
_RANGE = re.compile(r"(\d+|\d+:\d+)(,(\d+|\d+:\d+))*")
_VM_LISTS = ("UPDATED_VMS", "OUTDATED_VMS", "UPDATING_VMS", "ERROR_VMS")


class RuleError(ValueError):
    """A rule OpenNebula would refuse; the message is OpenNebula's."""


def _check_range(value: str) -> None:
    if _RANGE.fullmatch(value) is None:
        raise RuleError("Invalid RANGE specification.")
    ports = 0
    for part in value.split(","):
        bounds = [int(p) for p in part.split(":")]
        if bounds[-1] > 65535:
            raise RuleError("RANGE out of bounds 0-65536.")
        if bounds[-1] < bounds[0]:
            raise RuleError("RANGE BEGIN value is greater than RANGE END value")
        ports += len(bounds)
        if ports > 15:
            raise RuleError("Not more than 15 ports can be specified in a RULE")


def _check_type(rule: VectorAttribute, key: str, protocol: str, proto: str) -> None:
    value = rule.get(key)
    if not value:
        return
    if proto != protocol:
        raise RuleError(f"{key} is supported only for {protocol} protocol.")
    if not value.isdigit():
        raise RuleError(f"Wrong {key}, it must be integer")


def check_rule(rule: VectorAttribute) -> None:
    """Raise RuleError unless ``rule`` is a RULE OpenNebula accepts (SecurityGroup::is_valid)."""
    proto = (rule.get("PROTOCOL") or "").upper()
    if proto not in PROTOCOLS:
        raise RuleError("Wrong PROTOCOL in rule. Valid options: TCP, UDP, ICMP, ICMPV6, IPSEC, ALL.")
    ports = rule.get("RANGE") or ""
    if ports:
        if proto not in ("TCP", "UDP"):
            raise RuleError("RANGE is supported only for TCP and UDP protocols.")
        _check_range(ports)
    _check_type(rule, "ICMP_TYPE", "ICMP", proto)
    _check_type(rule, "ICMPV6_TYPE", "ICMPV6", proto)
    if (rule.get("RULE_TYPE") or "").upper() not in ("INBOUND", "OUTBOUND"):
        raise RuleError("Wrong RULE_TYPE in rule. Valid options: INBOUND, OUTBOUND.")
    ip = rule.get("IP") or ""
    if ip:
        if not (rule.get("SIZE") or "").isdigit():
            raise RuleError("Wrong or empty SIZE.")
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise RuleError("Wrong format for IP value.") from None
    elif rule.get("NETWORK_ID") is not None and not (rule.get("NETWORK_ID") or "").lstrip("-").isdigit():
        raise RuleError("Wrong NETWORK_ID.")


def check_rules(template: Template) -> None:
    """Check every RULE and drop exact duplicates (the first one stays)."""
    seen: list[list[tuple[str, str]]] = []
    for rule in template.vectors("RULE"):
        check_rule(rule)
        if rule.items in seen:
            template.discard(rule)
        else:
            seen.append(rule.items)


class SecurityGroup(PoolObject):
    TABLE = table
    FIRST_OID = FIRST_SECGROUP_ID
    TYPE = ObjectType.SECGROUP
    ROOT = "SECURITY_GROUP"

    @classmethod
    def new(cls, name: str, uid: int, gid: int, uname: str, gname: str, perms: Permissions,
            template: Template) -> SecurityGroup:
        root = xml.element("SECURITY_GROUP", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        for tag in _VM_LISTS:
            root.append(etree.Element(tag))
        root.append(template.to_xml())
        return cls(root)

    @staticmethod
    def default_template() -> Template:
        template = Template()
        template.set("DESCRIPTION", DEFAULT_DESCRIPTION)
        for rule_type, protocol in DEFAULT_RULES:
            template.add(VectorAttribute("RULE", [("PROTOCOL", protocol), ("RULE_TYPE", rule_type)]))
        return template

    def vms(self) -> set[int]:
        """Every VM using the group, whatever the state of its rules on the VM."""
        return set().union(*(xml.id_set(self.root.find(tag)) for tag in _VM_LISTS))

    def commit(self, recovery: bool) -> None:
        """Mark the group's VMs for a rule update: all of them, or with ``recovery``
        only those not updated yet (outdated, updating or in error)."""
        pending = {tag: xml.id_set(self.root.find(tag)) for tag in _VM_LISTS}
        targets = pending["UPDATED_VMS"] | pending["OUTDATED_VMS"] if not recovery else pending["OUTDATED_VMS"]
        targets |= pending["UPDATING_VMS"] | pending["ERROR_VMS"]
        new = {"UPDATED_VMS": pending["UPDATED_VMS"] - targets, "OUTDATED_VMS": targets,
               "UPDATING_VMS": set(), "ERROR_VMS": set()}
        for tag, ids in new.items():
            self.root.replace(self.root.find(tag), xml.ids(tag, ids))
