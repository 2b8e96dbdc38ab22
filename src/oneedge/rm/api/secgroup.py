"""``one.secgroup.*`` and ``one.secgrouppool.info``: security groups and their rules."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, internal_error
from oneedge.pool.secgroup import (
    DEFAULT_PERMISSIONS, DEFAULT_SECGROUP_ID, RuleError, SecurityGroup, check_rules,
)
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.user import ONEADMIN_UID
from oneedge.rm.api.shared import CopiableAPI
from oneedge.rm.method import Method, method
from oneedge.rm.request import Request
from oneedge.template import Template, VectorAttribute



class SecurityGroupAPI(CopiableAPI[SecurityGroup]):
    MISSING_NAME = "No NAME in template for Security Group."
    KIND = ObjectType.SECGROUP
    PREFIX = "one.secgroup"
    POOL_PREFIX = "one.secgrouppool"
    POOL_ROOT = "SECURITY_GROUP_POOL"
    VERBS = ("info", "pool_info", "update", "rename", "chown", "chmod", "delete")

    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        """The default group 0, owned by oneadmin, usable by everyone (SecurityGroupPool.cc)."""
        if self.pool.exists(conn, DEFAULT_SECGROUP_ID):
            return
        admin = self.core.pools[ObjectType.USER].get(conn, ONEADMIN_UID)
        group = SecurityGroup.new("default", admin.oid, admin.gid, admin.name, admin.get("GNAME", ""),
                                  DEFAULT_PERMISSIONS, SecurityGroup.default_template())
        self.pool.allocate(conn, group, DEFAULT_SECGROUP_ID)

    # -- hooks ------------------------------------------------------------------------
    def check_update(self, req: Request, conn: Connection, obj: SecurityGroup, template: Template) -> None:
        try:
            check_rules(template)
        except RuleError as exc:
            raise internal_error(str(exc)) from None

    def after_update(self, req: Request, conn: Connection, obj: SecurityGroup) -> None:
        # New rules reach the group's VMs through the driver: they are outdated now.
        obj.commit(recovery=False)

    def before_delete(self, req: Request, conn: Connection, obj: SecurityGroup) -> None:
        if obj.oid == DEFAULT_SECGROUP_ID:
            raise action_error("The default security group (ID 0) cannot be deleted.", obj.oid)
        if obj.vms():
            raise action_error("The security group has VMs using it", obj.oid)

    # -- helpers used by the network API ----------------------------------------------
    def check_usable(self, req: Request, conn: Connection, ids: set[int]) -> None:
        """Every group exists and the caller may USE it (a NIC or network referring to them)."""
        for oid in sorted(ids):
            self.authorize(req, conn, AuthOp.USE, self.get(conn, oid))

    def vm_rules(self, conn: Connection, ids: set[int]) -> list[VectorAttribute]:
        """The SECURITY_GROUP_RULE vectors of a VM whose NICs use groups ``ids``, for its network
        drivers (SecurityGroupPool::get_security_group_rules): each RULE plus the group's ID and
        NAME; a rule naming a NETWORK_ID becomes one rule per IPv4 address range of that network
        (its IP and SIZE). Groups or networks gone meanwhile add nothing."""
        # NOTE: imported here: the network API imports this module for check_usable.
        from oneedge.rm.api.vnet import VirtualNetworkAPI

        vnets = self.core.api(VirtualNetworkAPI)
        rules = []
        for oid in sorted(ids):
            if not self.pool.exists(conn, oid):
                continue
            group = self.get(conn, oid)
            for rule in group.template.vectors("RULE"):
                items = [*rule.items, ("SECURITY_GROUP_ID", str(oid)), ("SECURITY_GROUP_NAME", group.name)]
                network = rule.get("NETWORK_ID") or ""
                if not network:
                    rules.append(VectorAttribute("SECURITY_GROUP_RULE", items))
                elif network.isdigit() and vnets.pool.exists(conn, int(network)):
                    rules.extend(VectorAttribute("SECURITY_GROUP_RULE",
                                                 [*items, ("IP", ar.attrs["IP"]), ("SIZE", ar.attrs["SIZE"])])
                                 for ar in vnets.get(conn, int(network)).ars() if ar.attrs.get("IP"))
        return rules

    # -- verbs --------------------------------------------------------------------------
    def _create(self, req: Request, conn: Connection, name: str, template: Template) -> int:
        other = self.pool.get_by_name(conn, name, req.user.uid)
        if other is not None:
            raise internal_error(f"NAME is already taken by SECGROUP {other.oid}.")
        try:
            check_rules(template)
        except RuleError as exc:
            raise internal_error(str(exc)) from None
        user = req.user
        group = SecurityGroup.new(name, user.uid, user.gid, user.name, user.gname,
                                  self.new_permissions(user.uid, user.gid), template)
        return self.pool.allocate(conn, group)

    def commit(self, req: Request, oid: int, recovery: bool = False) -> int:
        with self.core.store.write() as conn:
            group = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, group)
            group.commit(recovery)
            self.pool.update(conn, group)
        return oid

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.secgroup.allocate", self.allocate, str),
            method("one.secgroup.clone", self.clone, int, str),
            method("one.secgroup.commit", self.commit, int, bool),
        ]
