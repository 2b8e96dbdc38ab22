"""The address range and lease verbs of ``one.vn``: add_ar, rm_ar, free_ar, update_ar,
hold, release and reserve (RequestManagerVirtualNetwork in OpenNebula)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from oneedge.errors import RequestError, action_error, internal_error
from oneedge.pool.address_range import AddressError, AddressRange, owner_pack
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.vnet import VirtualNetwork, VNetState
from oneedge.rm.api.cluster import object_clusters
from oneedge.rm.api.shared import parse_template
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import VectorAttribute

if TYPE_CHECKING:
    from oneedge.rm.api.vnet import VirtualNetworkAPI

#: Leases on hold belong to VM -1 (AddressRange::hold_by_*).
HOLD_OWNER = owner_pack(ObjectType.VM.bit, -1)
_ACTION_STATES = (VNetState.READY, VNetState.UPDATE_FAILURE)


def _one_address(vector: VectorAttribute) -> tuple[str, str]:
    given = [(key, vector.get(key) or "") for key in ("IP", "IP6", "MAC") if vector.get(key)]
    if not given:
        raise internal_error("Missing MAC, IP or IP6.")
    if len(given) > 1:
        raise internal_error("Only one attribute MAC, IP or IP6 can be set.")
    return given[0]


def _int_or_none(text: str | None, what: str) -> int | None:
    if text in (None, ""):
        return None
    if not text.lstrip("-").isdigit():
        raise action_error(f"{what} must be an integer")
    return int(text)


class AddressRangeVerbs:
    """Mixed into VirtualNetworkAPI; every verb is one write transaction."""

    def _for_leases(self: VirtualNetworkAPI, req: Request, conn: Connection, oid: int,
                    op: AuthOp = AuthOp.MANAGE) -> VirtualNetwork:
        vnet = self.get(conn, oid)
        self.authorize(req, conn, op, vnet)
        if vnet.state not in _ACTION_STATES:
            raise action_error(f"Could not execute {req.method}. Virtual Network is in wrong state: "
                               f"{vnet.state.name}", oid)
        return vnet

    def add_ar(self: VirtualNetworkAPI, req: Request, oid: int, text: str) -> int:
        template = parse_template(text)
        vectors = template.vectors("AR")
        if not vectors:
            raise internal_error("Wrong AR definition. AR vector attribute is missing.")
        with self.core.store.write() as conn:
            vnet = self._for_leases(req, conn, oid, AuthOp.ADMIN)
            ars = vnet.ars()
            try:
                for vector in vectors:
                    ars.append(AddressRange.define(dict(vector.items), max((a.id for a in ars), default=-1) + 1))
            except AddressError as exc:
                raise internal_error(str(exc)) from None
            vnet.set_ars(ars)
            self.pool.update(conn, vnet)
        return oid

    def _remove_ar(self: VirtualNetworkAPI, req: Request, oid: int, ar_id: int, force: bool, op: AuthOp) -> int:
        with self.core.store.write() as conn:
            vnet = self.get(conn, oid)
            self.authorize(req, conn, op, vnet)
            if vnet.state not in _ACTION_STATES:
                raise action_error("Could not remove Adress Range, Virtual Network is in wrong state: "
                                   f"{vnet.state.name}", oid)
            ars = vnet.ars()
            doomed = next((ar for ar in ars if ar.id == ar_id), None)
            if doomed is None:
                raise internal_error("Address Range does not exist")
            if doomed.used and not force:
                raise internal_error("Address Range has leases in use")
            vnet.set_ars([ar for ar in ars if ar is not doomed])
            self.pool.update(conn, vnet)
            if vnet.parent != -1 and doomed.parent_ar is not None and self.pool.exists(conn, vnet.parent):
                self._return_to_parent(conn, vnet, doomed)
        return oid

    def _return_to_parent(self: VirtualNetworkAPI, conn: Connection, vnet: VirtualNetwork,
                          reservation: AddressRange) -> None:
        """Free, in the parent's AR, the leases a reservation AR took from it."""
        parent = self.get(conn, vnet.parent)
        ars = parent.ars()
        owner = owner_pack(ObjectType.NET.bit, vnet.oid)
        for ar in ars:
            if ar.id != reservation.parent_ar:
                continue
            first = ar.index_of_mac(reservation.attrs["MAC"])
            if first is not None:
                for index in range(first, min(first + reservation.size, ar.size)):
                    ar.release(index, owner)
        parent.set_ars(ars)
        self.pool.update(conn, parent)

    def rm_ar(self: VirtualNetworkAPI, req: Request, oid: int, ar_id: int, force: bool = False) -> int:
        return self._remove_ar(req, oid, ar_id, force, AuthOp.ADMIN)

    def free_ar(self: VirtualNetworkAPI, req: Request, oid: int, ar_id: int) -> int:
        return self._remove_ar(req, oid, ar_id, False, AuthOp.MANAGE)

    def update_ar(self: VirtualNetworkAPI, req: Request, oid: int, text: str) -> int:
        template = parse_template(text)
        vectors = template.vectors("AR")
        if not vectors:
            raise internal_error("Wrong AR definition. AR vector attribute is missing.")
        ar_id = vectors[0].get("AR_ID")
        if not ar_id:
            raise internal_error("AR/AR_ID attribute is missing.")
        with self.core.store.write() as conn:
            vnet = self._for_leases(req, conn, oid)
            ars = vnet.ars()
            target = next((ar for ar in ars if str(ar.id) == ar_id), None)
            if target is None:
                raise internal_error(f"Address Range with ID {ar_id} was not found.")
            try:
                target.update(dict(vectors[0].items))
            except AddressError as exc:
                raise internal_error(str(exc)) from None
            vnet.set_ars(ars)
            self.pool.update(conn, vnet)
        return oid

    def _lease_action(self: VirtualNetworkAPI, req: Request, oid: int, text: str, hold: bool) -> int:
        template = parse_template(text)
        leases = template.vectors("LEASES")
        if not leases:
            raise internal_error("Empty lease description.")
        address = _one_address(leases[0])
        ar_id = _int_or_none(leases[0].get("AR_ID"), "AR_ID")
        with self.core.store.write() as conn:
            vnet = self._for_leases(req, conn, oid)
            if hold:
                done = vnet.take_lease(HOLD_OWNER, address, ar_id) is not None
            else:
                done = vnet.free_lease(HOLD_OWNER, address)
            if not done:
                raise internal_error("Address is not part of the address range or in use.")
            self.pool.update(conn, vnet)
        return oid

    def hold(self: VirtualNetworkAPI, req: Request, oid: int, text: str) -> int:
        return self._lease_action(req, oid, text, hold=True)

    def release(self: VirtualNetworkAPI, req: Request, oid: int, text: str) -> int:
        return self._lease_action(req, oid, text, hold=False)

    def reserve(self: VirtualNetworkAPI, req: Request, oid: int, text: str) -> int:
        """Reserve SIZE addresses of network ``oid`` in a new network (NAME) or in an
        existing reservation of it (NETWORK_ID); returns the reservation's ID."""
        try:
            template = parse_template(text)
        except RequestError as exc:  # a broken template is an ACTION error here, as in oned
            raise action_error(exc.message, oid) from None
        size = _int_or_none(template.get("SIZE"), "SIZE")
        if size is None or size <= 0:
            raise action_error("Reservation SIZE must be a greater than 0", oid)
        target = _int_or_none(template.get("NETWORK_ID"), "NETWORK_ID")
        ar_id = _int_or_none(template.get("AR_ID"), "AR_ID")
        if ar_id is not None and ar_id < 0:
            raise action_error("AR_ID must be equal or greater than 0", oid)
        given = [(k, template.get(k) or "") for k in ("IP", "IP6", "MAC") if template.get(k)]
        if given and ar_id is None:
            raise action_error("AR_ID must be specified for IP/MAC based reservations", oid)
        name = template.get("NAME") or ""
        if target is None and not name:
            raise action_error("NAME for reservation has to be set", oid)
        with self.core.store.write() as conn:
            parent = self.get(conn, oid)
            if parent.parent != -1:
                raise action_error("Cannot reserve addresses from a reserved VNET", oid)
            self.authorize(req, conn, AuthOp.USE, parent)
            if target is not None:
                reservation = self._existing_reservation(req, conn, oid, target)
            else:
                copy = parent.template
                copy.set("NAME", name)
                reservation = self.create(req, conn, copy, object_clusters(parent), parent=oid)
            self._reserve(conn, parent, reservation, size, ar_id, given[0] if given else None)
            return reservation.oid

    def _existing_reservation(self: VirtualNetworkAPI, req: Request, conn: Connection, oid: int,
                              target: int) -> VirtualNetwork:
        if target < 0:
            raise action_error("NETWORK_ID must be equal or greater than 0", oid)
        if target == oid:
            raise action_error("Cannot add a reservation from the same network", oid)
        reservation = self.get(conn, target)
        if reservation.parent == -1:
            raise action_error("Cannot add reservations to a non-reservation VNET", oid)
        if reservation.parent != oid:
            raise action_error(f"New reservations for virtual network {target} have to be from network "
                               f"{reservation.parent}", oid)
        self.authorize(req, conn, AuthOp.MANAGE, reservation)
        return reservation

    def _reserve(self: VirtualNetworkAPI, conn: Connection, parent: VirtualNetwork, reservation: VirtualNetwork,
                 size: int, ar_id: int | None, address: tuple[str, str] | None) -> None:
        ars = parent.ars()
        for ar in ars:
            if ar_id is not None and ar.id != ar_id:
                continue
            first = ar.free_block(size) if address is None else ar.index_of(*address)
            if first is not None and ar.is_free(first, size):
                ar.take(first, owner_pack(ObjectType.NET.bit, reservation.oid), size)
                parent.set_ars(ars)
                self.pool.update(conn, parent)
                own = reservation.ars()
                own.append(ar.reservation(first, size, reservation.next_ar_id()))
                reservation.set_ars(own)
                self.pool.update(conn, reservation)
                return
        raise action_error("Not enough free addresses in an address range" if address is None
                           else "Addresses are not part of the address range or in use", parent.oid)

    def ar_methods(self: VirtualNetworkAPI) -> list[Method]:
        return [
            method("one.vn.add_ar", self.add_ar, int, str),
            method("one.vn.rm_ar", self.rm_ar, int, int, bool),
            method("one.vn.free_ar", self.free_ar, int, int),
            method("one.vn.update_ar", self.update_ar, int, str),
            method("one.vn.hold", self.hold, int, str),
            method("one.vn.release", self.release, int, str),
            method("one.vn.reserve", self.reserve, int, str),
        ]

