"""Virtual networks: ``<VNET>`` documents (vnet.xsd) with their address ranges.

The stored document is the one pool info lists (vnet_pool.xsd): each AR with
its attributes and ALLOCATED leases. ``one.vn.info`` expands it into the
vnet.xsd form (ends of ranges, USED_LEASES and LEASES per AR), see
``info_document``.
"""

from __future__ import annotations

from enum import IntEnum

import sqlalchemy as sa
from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.address_range import AddressRange
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("network_pool", sa.Column("pid", sa.Integer, nullable=False, index=True))


class VNetState(IntEnum):
    """VirtualNetwork::VirtualNetworkState; the numbers are wire format."""

    INIT = 0
    READY = 1
    LOCK_CREATE = 2
    LOCK_DELETE = 3
    DONE = 4
    ERROR = 5
    UPDATE_FAILURE = 6


#: BRIDGE_TYPE of each network driver, as VN_MAD_CONF in OpenNebula's default oned.conf.
BRIDGE_TYPES: dict[str, str] = {
    "dummy": "linux", "802.1Q": "linux", "ebtables": "linux", "fw": "linux", "ovswitch": "openvswitch",
    "vxlan": "linux", "vcenter": "vcenter_port_groups", "ovswitch_vxlan": "openvswitch", "bridge": "linux",
    "elastic": "linux", "nodeport": "linux",
}

#: What each driver needs (VirtualNetwork::parse_phydev_vlans): PHYDEV, BRIDGE, VLAN_ID, OUTER_VLAN_ID.
DRIVER_NEEDS: dict[str, tuple[str, ...]] = {
    "dummy": ("BRIDGE",), "802.1Q": ("PHYDEV", "VLAN_ID"), "vxlan": ("PHYDEV", "VLAN_ID"),
    "ovswitch_vxlan": ("OUTER_VLAN_ID",),
}

#: INHERIT_VNET_ATTR of OpenNebula's default oned.conf: copied from the network (or AR) to NICs.
INHERIT_ATTRS = (
    "VLAN_TAGGED_ID", "FILTER", "FILTER_IP_SPOOFING", "FILTER_MAC_SPOOFING", "MTU", "METRIC", "IP6_METRIC",
    "METHOD", "IP6_METHOD", "INBOUND_AVG_BW", "INBOUND_PEAK_BW", "INBOUND_PEAK_KB", "OUTBOUND_AVG_BW",
    "OUTBOUND_PEAK_BW", "OUTBOUND_PEAK_KB", "CONF", "BRIDGE_CONF", "OVS_BRIDGE_CONF", "IP_LINK_CONF",
    "EXTERNAL_IP", "AWS_ALLOCATION_ID", "VULTR_IP_ID", "GATEWAY", "DNS", "VXLAN_MODE", "VXLAN_TEP", "VXLAN_MC",
    "CVLANS", "QINQ_TYPE", "TRUST", "SPOOFCHK", "VCENTER_NET_REF", "VCENTER_SWITCH_NAME",
    "VCENTER_SWITCH_NPORTS", "VCENTER_PORTGROUP_TYPE", "VCENTER_CCR_REF", "VCENTER_INSTANCE_ID",
)

#: LEASE element naming each kind of lease owner.
LEASE_OWNERS = {ObjectType.VM.bit: "VM", ObjectType.NET.bit: "VNET", ObjectType.VROUTER.bit: "VROUTER"}

_IDS = ("CLUSTERS", "VROUTERS", "UPDATED_VMS", "OUTDATED_VMS", "UPDATING_VMS", "ERROR_VMS")


class VirtualNetwork(PoolObject):
    TABLE = table
    TYPE = ObjectType.NET
    ROOT = "VNET"
    LOCK_AFTER = "NAME"

    @classmethod
    def new(cls, name: str, uid: int, gid: int, uname: str, gname: str, perms: Permissions,
            fields: dict[str, str], template: Template, parent: int = -1) -> VirtualNetwork:
        """A network in LOCK_CREATE; ``fields`` are BRIDGE, BRIDGE_TYPE, VN_MAD, PHYDEV,
        VLAN_ID, OUTER_VLAN_ID, VLAN_ID_AUTOMATIC and OUTER_VLAN_ID_AUTOMATIC."""
        root = xml.element("VNET", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        root.append(etree.Element("CLUSTERS"))
        for tag, value in (("BRIDGE", fields["BRIDGE"]), ("BRIDGE_TYPE", fields["BRIDGE_TYPE"]),
                           ("STATE", int(VNetState.LOCK_CREATE)), ("PREV_STATE", int(VNetState.INIT)),
                           ("PARENT_NETWORK_ID", "" if parent == -1 else parent),
                           ("VN_MAD", fields["VN_MAD"]), ("PHYDEV", fields.get("PHYDEV", "")),
                           ("VLAN_ID", fields.get("VLAN_ID", "")), ("OUTER_VLAN_ID", fields.get("OUTER_VLAN_ID", "")),
                           ("VLAN_ID_AUTOMATIC", fields.get("VLAN_ID_AUTOMATIC", "0")),
                           ("OUTER_VLAN_ID_AUTOMATIC", fields.get("OUTER_VLAN_ID_AUTOMATIC", "0")),
                           ("USED_LEASES", 0)):
            xml.sub(root, tag, value)
        for tag in _IDS[1:]:
            root.append(etree.Element(tag))
        root.append(template.to_xml())
        root.append(etree.Element("AR_POOL"))
        return cls(root)

    def columns(self) -> dict[str, object]:
        return {"pid": self.parent}

    # -- fields -------------------------------------------------------------------------
    @property
    def state(self) -> VNetState:
        return VNetState(self.get_int("STATE"))

    def set_state(self, state: VNetState) -> None:
        self.set("PREV_STATE", int(self.state))
        self.set("STATE", int(state))

    @property
    def parent(self) -> int:
        return self.get_int("PARENT_NETWORK_ID", -1)

    @property
    def security_groups(self) -> set[int]:
        return split_ids(self.template.get("SECURITY_GROUPS") or "")

    def ids(self, tag: str) -> set[int]:
        return xml.id_set(self.root.find(tag))

    def set_ids(self, tag: str, values: set[int]) -> None:
        self.root.replace(self.root.find(tag), xml.ids(tag, values))

    # -- address ranges -----------------------------------------------------------------
    def ars(self) -> list[AddressRange]:
        return [AddressRange.from_element(node) for node in self.root.find("AR_POOL")]

    def set_ars(self, ars: list[AddressRange]) -> None:
        """Store the ranges (after any lease change) and the network's USED_LEASES."""
        pool = etree.Element("AR_POOL")
        pool.extend(ar.to_stored() for ar in ars)
        self.root.replace(self.root.find("AR_POOL"), pool)
        self.set("USED_LEASES", sum(ar.used for ar in ars))

    def next_ar_id(self) -> int:
        return max((ar.id for ar in self.ars()), default=-1) + 1

    def take_lease(self, owner: int, address: tuple[str, str] | None = None,
                   ar_id: int | None = None) -> tuple[AddressRange, int] | None:
        """Give ``owner`` the requested address (("IP"|"IP6"|"MAC", value)) or the first
        free one, in AR ``ar_id`` or the first AR that has it; None when nothing fits."""
        ars = self.ars()
        for ar in ars:
            if ar_id is not None and ar.id != ar_id:
                continue
            if address is None:
                index = ar.first_free()
            else:
                index = ar.index_of(*address)
                if index is not None and index in ar.allocated:
                    index = None
            if index is not None:
                ar.take(index, owner)
                self.set_ars(ars)
                return ar, index
        return None

    def free_lease(self, owner: int, address: tuple[str, str]) -> bool:
        """Free the address if ``owner`` holds it."""
        ars = self.ars()
        for ar in ars:
            index = ar.index_of(*address)
            if index is not None and ar.release(index, owner):
                self.set_ars(ars)
                return True
        return False

    @property
    def used_leases(self) -> int:
        return self.get_int("USED_LEASES")

    def info_document(self) -> str:
        """The ``one.vn.info`` form: every AR with its ends, USED_LEASES and LEASES."""
        copy = VirtualNetwork(xml.parse(self.body()))
        pool = etree.Element("AR_POOL")
        pool.extend(ar.to_info(LEASE_OWNERS) for ar in self.ars())
        copy.root.replace(copy.root.find("AR_POOL"), pool)
        return copy.body()


def split_ids(text: str) -> set[int]:
    """``"0, 3,3"`` -> {0, 3}; other tokens are ignored, as one_util::split_unique does."""
    return {int(token) for token in text.replace(" ", "").split(",") if token.lstrip("-").isdigit()}


def join_ids(values: set[int]) -> str:
    return ",".join(str(v) for v in sorted(values))
