"""ACL rules: who may do what to which objects beyond their permission bits.

Rules are OpenNebula's 64-bit masks (``AclRule.h``): the user set, the
resource set (object-type bits plus a selector: #id, @group, %cluster or *),
the rights, and the zone. They are few and read on every authorization, so
the manager keeps them in memory and writes through to SQL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection

from oneedge.db.schema import metadata
from oneedge.db.store import Store
from oneedge.errors import RequestError, ErrorCode, no_exists
from oneedge.pool import xml
from oneedge.pool.types import AuthOp, ObjectType

if TYPE_CHECKING:
    from oneedge.rm.request import AuthTarget, AuthUser

INDIVIDUAL_ID = 0x0000000100000000
GROUP_ID = 0x0000000200000000
ALL_ID = 0x0000000400000000
CLUSTER_ID = 0x0000000800000000
_SELECTORS = INDIVIDUAL_ID | GROUP_ID | ALL_ID | CLUSTER_ID
_ID_MASK = 0x00000000FFFFFFFF
_TYPES_MASK = 0xFFFFFFF000000000
_RIGHTS = AuthOp.USE.value | AuthOp.MANAGE.value | AuthOp.ADMIN.value | AuthOp.CREATE.value

acl_table = sa.Table(
    "acl",
    metadata,
    sa.Column("oid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("userset", sa.BigInteger, nullable=False),
    sa.Column("resource", sa.BigInteger, nullable=False),
    sa.Column("rights", sa.BigInteger, nullable=False),
    sa.Column("zone", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("userset", "resource", "rights", "zone"),
)


def _selector_str(value: int) -> str:
    kind = value & _SELECTORS
    ident = value & _ID_MASK
    if kind == ALL_ID:
        return "*"
    prefix = {INDIVIDUAL_ID: "#", GROUP_ID: "@", CLUSTER_ID: "%"}.get(kind, "??")
    return f"{prefix}{ident}"


@dataclass(frozen=True)
class AclRule:
    oid: int
    user: int
    resource: int
    rights: int
    zone: int

    def validate(self) -> None:
        """Refuse malformed masks with the reasons OpenNebula gives."""
        if bin(self.user & _SELECTORS).count("1") != 1 or self.user & CLUSTER_ID:
            raise ValueError("user set must have exactly one of #uid, @gid or *")
        if self.user & ALL_ID and self.user & _ID_MASK:
            raise ValueError("user set '*' cannot carry an ID")
        if bin(self.resource & _SELECTORS).count("1") != 1:
            raise ValueError("resource set must have exactly one of #id, @gid, %cid or *")
        if not self.resource & _TYPES_MASK:
            raise ValueError("resource set names no object type")
        if self.resource & ALL_ID and self.resource & _ID_MASK:
            raise ValueError("resource selector '*' cannot carry an ID")
        if not self.rights or self.rights & ~_RIGHTS:
            raise ValueError("rights must be a combination of USE, MANAGE, ADMIN and CREATE")
        if bin(self.zone & _SELECTORS).count("1") != 1 or self.zone & (GROUP_ID | CLUSTER_ID):
            raise ValueError("zone must be #id or *")

    def matches(self, user: AuthUser, op: AuthOp, target: AuthTarget) -> bool:
        if not self.rights & op.value or not self.resource & target.kind.bit:
            return False
        ident = self.user & _ID_MASK
        if self.user & INDIVIDUAL_ID and ident != user.uid:
            return False
        if self.user & GROUP_ID and ident not in user.gids:
            return False
        rid = self.resource & _ID_MASK
        if self.resource & ALL_ID:
            return True
        if self.resource & INDIVIDUAL_ID:
            return target.oid == rid and op is not AuthOp.CREATE
        if self.resource & GROUP_ID:
            return target.gid == rid
        return rid in target.clusters

    def to_str(self) -> str:
        types = "+".join(t.acl_name for t in ObjectType if self.resource & t.bit)
        rights = "+".join(op.name for op in AuthOp if self.rights & op.value)
        return f"{_selector_str(self.user)} {types}/{_selector_str(self.resource)} {rights} {_selector_str(self.zone)}"

    def to_xml(self) -> etree._Element:
        return xml.element(
            "ACL",
            ID=self.oid,
            USER=f"{self.user:X}",
            RESOURCE=f"{self.resource:X}",
            RIGHTS=f"{self.rights:X}",
            ZONE=f"{self.zone:X}",
            STRING=self.to_str(),
        )


def _resource(*kinds: ObjectType) -> int:
    mask = ALL_ID
    for kind in kinds:
        mask |= kind.bit
    return mask


def _names(rule: AclRule, kind: ObjectType, oid: int) -> bool:
    selector = rule.resource & _SELECTORS
    ident = rule.resource & _ID_MASK
    if selector == INDIVIDUAL_ID and ident == oid and rule.resource & kind.bit:
        return True
    if kind is ObjectType.USER:
        return rule.user == INDIVIDUAL_ID | oid
    if kind is ObjectType.GROUP:
        return rule.user == GROUP_ID | oid or (selector == GROUP_ID and ident == oid)
    if kind is ObjectType.CLUSTER:
        return selector == CLUSTER_ID and ident == oid
    return False


#: OpenNebula's built-in rules, created with a new database (``AclManager.cc``).
DEFAULT_RULES = (
    # @1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *
    (GROUP_ID | 1, _resource(ObjectType.VM, ObjectType.IMAGE, ObjectType.TEMPLATE, ObjectType.DOCUMENT,
                             ObjectType.SECGROUP, ObjectType.VMGROUP, ObjectType.BACKUPJOB), AuthOp.CREATE.value, ALL_ID),
    # * ZONE/* USE *
    (ALL_ID, _resource(ObjectType.ZONE), AuthOp.USE.value, ALL_ID),
    # * MARKETPLACE+MARKETPLACEAPP/* USE *
    (ALL_ID, _resource(ObjectType.MARKETPLACE, ObjectType.MARKETPLACEAPP), AuthOp.USE.value, ALL_ID),
)


class AclManager:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._rules: dict[int, AclRule] = {}
        self._lock = threading.Lock()

    def load(self, conn: Connection) -> None:
        rows = conn.execute(sa.select(acl_table).order_by(acl_table.c.oid)).all()
        with self._lock:
            self._rules = {r.oid: AclRule(r.oid, r.userset, r.resource, r.rights, r.zone) for r in rows}

    def bootstrap(self, conn: Connection) -> None:
        if conn.execute(sa.select(acl_table.c.oid).limit(1)).first() is None:
            for user, resource, rights, zone in DEFAULT_RULES:
                self.add(conn, user, resource, rights, zone)

    def allows(self, user: AuthUser, op: AuthOp, target: AuthTarget) -> bool:
        return any(rule.matches(user, op, target) for rule in list(self._rules.values()))

    def rules(self) -> list[AclRule]:
        return sorted(self._rules.values(), key=lambda r: r.oid)

    def add(self, conn: Connection, user: int, resource: int, rights: int, zone: int) -> int:
        oid = self.store.next_oid(conn, acl_table.name)
        rule = AclRule(oid, user, resource, rights, zone)
        try:
            rule.validate()
        except ValueError as exc:
            raise RequestError(ErrorCode.INTERNAL, f"Error creating rule: {exc}") from None
        if any((r.user, r.resource, r.rights, r.zone) == (user, resource, rights, zone) for r in self._rules.values()):
            raise RequestError(ErrorCode.INTERNAL, "Error creating rule: Rule already exists")
        conn.execute(sa.insert(acl_table).values(oid=oid, userset=user, resource=resource, rights=rights, zone=zone))
        self.store.on_commit(conn, lambda: self._put(rule))
        return oid

    def delete(self, conn: Connection, oid: int) -> None:
        if oid not in self._rules:
            raise no_exists("ACL", oid)
        conn.execute(sa.delete(acl_table).where(acl_table.c.oid == oid))
        self.store.on_commit(conn, lambda: self._drop(oid))

    def forget(self, conn: Connection, kind: ObjectType, oid: int) -> None:
        """Delete the rules naming a deleted object: as the resource (#oid), and for users,
        groups and clusters as the user set (#uid, @gid) or selector (@gid, %cid)."""
        doomed = [rule.oid for rule in self._rules.values() if _names(rule, kind, oid)]
        if doomed:
            conn.execute(sa.delete(acl_table).where(acl_table.c.oid.in_(doomed)))
            self.store.on_commit(conn, lambda: [self._drop(rule) for rule in doomed])

    def _put(self, rule: AclRule) -> None:
        with self._lock:
            self._rules[rule.oid] = rule

    def _drop(self, oid: int) -> None:
        with self._lock:
            self._rules.pop(oid, None)

    def pool_xml(self) -> str:
        root = etree.Element("ACL_POOL")
        root.extend(rule.to_xml() for rule in self.rules())
        return xml.tostring(root)
