"""``one.vn.*`` and ``one.vnpool.info``: virtual networks, their address ranges and leases.

Networks have no drivers yet, so a new network goes from LOCK_CREATE straight
to READY and a deleted one is dropped at once. ``allocate_lease`` and
``release_lease`` are what the VM lifecycle calls, inside its transaction.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, action_error, internal_error
from oneedge.pool.address_range import AddressError, AddressRange, address_key, owner_pack
from oneedge.pool.cluster import DEFAULT_CLUSTER_ID
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vnet import (
    BRIDGE_TYPES, DRIVER_NEEDS, INHERIT_ATTRS, VirtualNetwork, VNetState, join_ids, split_ids,
)
from oneedge.rm.api.cluster import ClusterAPI, object_clusters
from oneedge.rm.api.secgroup import SecurityGroupAPI
from oneedge.rm.api.shared import ObjectAPI, parse_template, take_name
from oneedge.rm.api.vnet_ar import AddressRangeVerbs
from oneedge.rm.method import Method, method
from oneedge.rm.request import AuthTarget, Request
from oneedge.template import Template, VectorAttribute

VM_BIT = ObjectType.VM.bit
#: VLAN IDs handed out automatically start here and skip the reserved ones (VLAN_IDS in oned.conf).
VLAN_START, VLAN_RESERVED = 2, frozenset({0, 1, 4095})
_LEASE_STATES = (VNetState.READY, VNetState.UPDATE_FAILURE)


class VirtualNetworkAPI(AddressRangeVerbs, ObjectAPI[VirtualNetwork]):
    KIND = ObjectType.NET
    PREFIX = "one.vn"
    POOL_PREFIX = "one.vnpool"
    POOL_ROOT = "VNET_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "chown", "chmod", "lock", "unlock", "delete")

    # -- hooks ------------------------------------------------------------------------
    def document(self, req: Request, conn: Connection, obj: VirtualNetwork) -> str:
        return obj.info_document()

    def auth_target(self, conn: Connection, obj: VirtualNetwork) -> AuthTarget:
        return AuthTarget.of(obj, object_clusters(obj))

    def after_update(self, req: Request, conn: Connection, obj: VirtualNetwork) -> None:
        # The driver fields follow the template, as VirtualNetwork::post_update_template.
        template = obj.template
        for name in ("VN_MAD", "PHYDEV", "BRIDGE", "VLAN_ID", "OUTER_VLAN_ID"):
            value = template.get(name)
            if value:
                obj.set(name, value)

    def before_delete(self, req: Request, conn: Connection, obj: VirtualNetwork) -> None:
        if obj.used_leases > 0:
            raise action_error("Can not remove a virtual network with leases in use", obj.oid)
        if obj.state in (VNetState.LOCK_CREATE, VNetState.LOCK_DELETE, VNetState.DONE):
            raise action_error(f"Can not remove a Virtual Network, wrong state {obj.state.name}", obj.oid)
        self._forget(conn, obj)

    def _forget(self, conn: Connection, obj: VirtualNetwork) -> None:
        """Give a reservation's addresses back to its parent and leave every cluster."""
        if obj.parent != -1 and self.pool.exists(conn, obj.parent):
            parent = self.get(conn, obj.parent)
            ars = parent.ars()
            for ar in ars:
                ar.release_owner(owner_pack(ObjectType.NET.bit, obj.oid))
            parent.set_ars(ars)
            self.pool.update(conn, parent)
        self.core.api(ClusterAPI).forget(conn, obj)

    # -- creation -----------------------------------------------------------------------
    def create(self, req: Request, conn: Connection, template: Template, cluster_ids: set[int],
               parent: int = -1) -> VirtualNetwork:
        """Check ``template`` and insert a READY network owned by the caller, in ``cluster_ids``."""
        # A network from a template without NAME is called <template name>-<ID>.
        prefix = template.get("TEMPLATE_NAME") or ""
        template.remove("TEMPLATE_NAME")
        generated = bool(prefix) and not template.get("NAME")
        name = prefix if generated else take_name(template, "No NAME in template for Virtual Network.")
        template.remove("NAME")
        other = None if generated else self.pool.get_by_name(conn, name, req.user.uid)
        if other is not None:
            raise internal_error(f"NAME is already taken by NET {other.oid}.")
        fields = self._driver_fields(conn, template)
        groups = split_ids(template.get("SECURITY_GROUPS") or "") | {0}
        template.set("SECURITY_GROUPS", join_ids(groups))
        ar_vectors = template.vectors("AR")
        template.remove("AR")
        user = req.user
        vnet = VirtualNetwork.new(name, user.uid, user.gid, user.name, user.gname,
                                  self.new_permissions(user.uid, user.gid), fields, template, parent)
        try:
            vnet.set_ars([AddressRange.define(dict(v.items), i) for i, v in enumerate(ar_vectors)])
        except AddressError as exc:
            raise internal_error(str(exc)) from None
        oid = self.pool.allocate(conn, vnet)
        if generated:
            vnet.name = f"{prefix}-{oid}"
        if not fields["BRIDGE"] and fields["BRIDGE_TYPE"] != "none":
            vlan = fields.get("VLAN_ID", "")
            vnet.set("BRIDGE", f"onebr.{vlan}" if vlan else f"onebr{oid}")
            template = vnet.template
            template.set("BRIDGE", vnet.get("BRIDGE") or "")
            vnet.template = template
        for cluster_id in sorted(cluster_ids):
            self.core.api(ClusterAPI).link(conn, cluster_id, vnet)
        vnet.set_state(VNetState.READY)
        self.pool.update(conn, vnet)
        return vnet

    def _driver_fields(self, conn: Connection, template: Template) -> dict[str, str]:
        """VN_MAD, BRIDGE, PHYDEV and VLAN IDs from the template (VirtualNetwork::insert)."""
        vn_mad = template.get("VN_MAD") or ""
        if not vn_mad:
            raise internal_error("No VN_MAD in template for Virtual Network.")
        if vn_mad not in BRIDGE_TYPES:
            raise internal_error(f'VN_MAD named "{vn_mad}" is not defined in oned.conf')
        fields = {"VN_MAD": vn_mad, "BRIDGE_TYPE": BRIDGE_TYPES[vn_mad]}
        for name in ("PHYDEV", "BRIDGE", "VLAN_ID", "OUTER_VLAN_ID"):
            fields[name] = template.get(name) or ""
        for name, auto in (("VLAN_ID", "AUTOMATIC_VLAN_ID"), ("OUTER_VLAN_ID", "AUTOMATIC_OUTER_VLAN_ID")):
            wanted = (template.get(auto) or "").upper() == "YES" and not fields[name]
            template.remove(auto)
            fields[f"{name}_AUTOMATIC"] = str(int(wanted))
            if wanted:
                fields[name] = str(self._free_vlan(conn, name))
                template.set(name, fields[name])
        for needed in DRIVER_NEEDS.get(vn_mad, ()):
            if not fields[needed] and fields.get(f"{needed}_AUTOMATIC") != "1":
                raise internal_error(f"{needed} is mandatory for driver {vn_mad}")
        template.set("BRIDGE_TYPE", fields["BRIDGE_TYPE"])
        template.set("VN_MAD", vn_mad)
        return fields

    def _free_vlan(self, conn: Connection, tag: str) -> int:
        used = {net.get_int(tag, -1) for net in self.pool.objects(conn)} | VLAN_RESERVED
        vlan = VLAN_START
        while vlan in used:
            vlan += 1
        if vlan > 4094:
            raise internal_error("Cannot automatically assign VLAN_ID to network.")
        return vlan

    # -- verbs --------------------------------------------------------------------------
    def allocate(self, req: Request, text: str, cluster_id: int = -1) -> int:
        template = parse_template(text)
        cluster_id = DEFAULT_CLUSTER_ID if cluster_id == -1 else cluster_id
        with self.core.store.write() as conn:
            cluster = self.core.api(ClusterAPI).get(conn, cluster_id)
            req.authorize_create(ObjectType.NET, [cluster_id])
            req.authorize(AuthOp.ADMIN, cluster)
            return self.create(req, conn, template, {cluster_id}).oid

    def recover(self, req: Request, oid: int, operation: int) -> int:
        """0 failure, 1 success, 2 delete, 3 retry, from the states each allows."""
        if operation not in (0, 1, 2, 3):
            raise action_error("Wrong recovery operation code", oid)
        with self.core.store.write() as conn:
            vnet = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, vnet)
            state = vnet.state
            name = ("failure", "success", "delete", "retry")[operation]
            allowed = {
                0: {VNetState.INIT, VNetState.LOCK_CREATE, VNetState.LOCK_DELETE},
                1: {VNetState.INIT, VNetState.LOCK_CREATE, VNetState.ERROR, VNetState.LOCK_DELETE,
                    VNetState.UPDATE_FAILURE},
                2: {VNetState.INIT, VNetState.LOCK_CREATE, VNetState.LOCK_DELETE, VNetState.ERROR},
                3: {VNetState.UPDATE_FAILURE},
            }[operation]
            if state not in allowed:
                raise internal_error(f"Could not perform 'recover {name}' on VN {oid}, wrong state {state.name}.")
            template = vnet.template
            template.remove("ERROR")
            if operation == 0:
                template.set("ERROR", "Failure forced by user")
            vnet.template = template
            if operation == 2 or (operation == 1 and state is VNetState.LOCK_DELETE):
                self._forget(conn, vnet)
                self.pool.drop(conn, oid)
                return oid
            if operation == 0:
                vnet.set_state(VNetState.ERROR)
            else:
                vnet.set_state(VNetState.READY)
                vnet.set_ids("UPDATED_VMS", vnet.ids("UPDATED_VMS") | vnet.ids("OUTDATED_VMS"))
                vnet.set_ids("OUTDATED_VMS", set())
            self.pool.update(conn, vnet)
        return oid

    # -- leases for the VM lifecycle ----------------------------------------------------
    def allocate_lease(self, conn: Connection, req: Request, nic: VectorAttribute, vm_id: int) -> None:
        """Fill ``nic`` (NETWORK_ID, or NETWORK with NETWORK_UID/NETWORK_UNAME) with a lease of
        its network for VM ``vm_id``: the IP, IP6 or MAC it asks for, else the first free one.

        Checks USE on the network and on the NIC's security groups; raises RequestError
        (NO_EXISTS, AUTHORIZATION, ACTION) and changes nothing on failure. NIC_ID is the caller's.
        """
        vnet = self._nic_network(conn, req, nic)
        self.authorize(req, conn, AuthOp.USE, vnet)
        self.core.api(SecurityGroupAPI).check_usable(req, conn, split_ids(nic.get("SECURITY_GROUPS") or ""))
        if vnet.state not in _LEASE_STATES:
            raise action_error(f"Virtual network {vnet.oid} is not ready, state {vnet.state.name}", vnet.oid)
        requested = [(key, nic.get(key) or "") for key in ("IP", "IP6", "MAC") if nic.get(key)]
        if len(requested) > 1:
            raise action_error("Only one attribute MAC, IP or IP6 can be set in a NIC", vnet.oid)
        taken = vnet.take_lease(owner_pack(VM_BIT, vm_id), requested[0] if requested else None)
        if taken is None:
            raise action_error(f"Cannot get IP/MAC lease from virtual network {vnet.oid}.", vnet.oid)
        self._fill_nic(vnet, nic, vm_id, *taken)
        vnet.set_ids("UPDATED_VMS", vnet.ids("UPDATED_VMS") | {vm_id})
        self.pool.update(conn, vnet)

    def _nic_network(self, conn: Connection, req: Request, nic: VectorAttribute) -> VirtualNetwork:
        network_id = nic.get("NETWORK_ID")
        if network_id:
            if not network_id.isdigit() or not self.pool.exists(conn, int(network_id)):
                raise RequestError(ErrorCode.NO_EXISTS, f"Virtual network with ID: {network_id} does not exist")
            return self.get(conn, int(network_id))
        name = nic.get("NETWORK") or ""
        if not name:
            raise action_error("The NIC has no NETWORK_ID nor NETWORK")
        uid = req.user.uid
        if nic.get("NETWORK_UID"):
            uid = int(nic.get("NETWORK_UID") or -1) if (nic.get("NETWORK_UID") or "").isdigit() else -1
        elif nic.get("NETWORK_UNAME"):
            owner = self.core.pools[ObjectType.USER].get_by_name(conn, nic.get("NETWORK_UNAME") or "")
            uid = owner.oid if owner is not None else -1
        vnet = self.pool.get_by_name(conn, name, uid)
        if vnet is None:
            raise RequestError(ErrorCode.NO_EXISTS, f"User {uid} does not own a network with name: {name} . "
                                                    "Set NETWORK_UNAME or NETWORK_UID of owner in NIC.")
        return vnet

    @staticmethod
    def _fill_nic(vnet: VirtualNetwork, nic: VectorAttribute, vm_id: int, ar: AddressRange, index: int) -> None:
        """What VirtualNetwork::nic_attribute and AddressRange::set_vnet put in a NIC."""
        nic.set("NETWORK", vnet.name)
        nic.set("NETWORK_ID", str(vnet.oid))
        nic.set("NETWORK_UNAME", vnet.get("UNAME") or "")
        for name in ("BRIDGE", "VN_MAD", "PHYDEV", "VLAN_ID", "OUTER_VLAN_ID"):
            if vnet.get(name):
                nic.set(name, vnet.get(name) or "")
        if vnet.parent != -1:
            nic.set("PARENT_NETWORK_ID", str(vnet.parent))
        if not nic.get("TARGET"):
            nic.set("TARGET", f"one-{vm_id}-{nic.get('NIC_ID') or ''}")
        nic.set("CLUSTER_ID", join_ids(object_clusters(vnet)))
        if vnet.get("BRIDGE_TYPE"):
            nic.set("BRIDGE_TYPE", vnet.get("BRIDGE_TYPE") or "")
        for key in ("IP", "IP6", "MAC", "IP6_LINK", "IP6_ULA", "IP6_GLOBAL"):
            nic.remove(key)
        for key, value in ar.lease(index).items():
            nic.set(key, value)
        nic.set("AR_ID", str(ar.id))
        for name in ("VN_MAD", "BRIDGE", "PHYDEV", "VLAN_ID"):
            if ar.attrs.get(name):
                nic.set(name, ar.attrs[name])
        template = vnet.template
        for name in INHERIT_ATTRS:
            if ar.attrs.get(name) and not nic.get(name):
                nic.set(name, ar.attrs[name])
            for attr in template.get_all(name):
                items = attr.items if isinstance(attr, VectorAttribute) else [(name, attr.value)]
                for key, value in items:
                    if value and not nic.get(key):
                        nic.set(key, value)
        groups = split_ids(nic.get("SECURITY_GROUPS") or "") | vnet.security_groups
        groups |= split_ids(ar.attrs.get("SECURITY_GROUPS", ""))
        nic.set("SECURITY_GROUPS", join_ids(groups))

    def release_lease(self, conn: Connection, vnet_id: int, vm_id: int, ip_or_mac: str) -> bool:
        """Free the address (IP, IP6 or MAC) VM ``vm_id`` holds in network ``vnet_id``.

        Returns False, changing nothing, when the network is gone or the VM does not
        hold that address: releasing is part of tearing a VM down and must not fail it.
        """
        address = address_key(ip_or_mac)
        if address is None or not self.pool.exists(conn, vnet_id):
            return False
        vnet = self.get(conn, vnet_id)
        owner = owner_pack(VM_BIT, vm_id)
        if not vnet.free_lease(owner, address):
            return False
        if not any(owner in ar.allocated.values() for ar in vnet.ars()):
            for tag in ("UPDATED_VMS", "OUTDATED_VMS", "UPDATING_VMS", "ERROR_VMS"):
                vnet.set_ids(tag, vnet.ids(tag) - {vm_id})
        self.pool.update(conn, vnet)
        return True

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.vn.allocate", self.allocate, str, int),
            method("one.vn.recover", self.recover, int, int),
            *self.ar_methods(),
        ]
