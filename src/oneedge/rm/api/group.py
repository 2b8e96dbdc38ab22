"""``one.group.*`` and ``one.grouppool.info``."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from oneedge.errors import action_error, allocate_error
from oneedge.pool.group import FIRST_GID, ONEADMIN_GID, USERS_GID, Group
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.api.quota import empty_quotas
from oneedge.rm.api.shared import ObjectAPI, check_name
from oneedge.rm.method import Method, method
from oneedge.rm.request import AuthTarget, Request

MEMBERS_USE = Permissions(0, 0, 0, 1, 0, 0, 0, 0, 0)


class GroupAPI(ObjectAPI[Group]):
    KIND = ObjectType.GROUP
    PREFIX = "one.group"
    POOL_PREFIX = "one.grouppool"
    POOL_ROOT = "GROUP_POOL"
    VERBS = ("update", "delete")
    NAME_PER_OWNER = False
    DELETE_OP = AuthOp.ADMIN
    UPDATE_OP = AuthOp.MANAGE

    def auth_target(self, conn: Connection, obj: Group) -> AuthTarget:
        # Members may use (see) their group; its admins may manage it (see authorize).
        return AuthTarget(ObjectType.GROUP, obj.oid, -1, obj.oid, MEMBERS_USE)

    def authorize(self, req: Request, conn: Connection, op: AuthOp, obj: Group, check_lock: bool = True) -> None:
        if op in (AuthOp.USE, AuthOp.MANAGE) and req.user.uid in obj.admins:
            return
        super().authorize(req, conn, op, obj, check_lock)

    def document(self, req: Request, conn: Connection, obj: Group) -> str:
        body = obj.body()
        return body[: body.rindex("</GROUP>")] + empty_quotas() + empty_quotas("DEFAULT_GROUP_QUOTAS") + "</GROUP>"

    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        if not self.pool.exists(conn, ONEADMIN_GID):
            self.pool.allocate(conn, Group.new("oneadmin"), ONEADMIN_GID)
            self.pool.allocate(conn, Group.new("users"), USERS_GID)

    def allocate(self, req: Request, name: str) -> int:
        check_name(name)
        req.authorize_create(ObjectType.GROUP)
        with self.core.store.write() as conn:
            if self.pool.get_by_name(conn, name) is not None:
                raise allocate_error("group", "NAME is already taken by GROUP")
            return self.pool.allocate(conn, Group.new(name))

    def info(self, req: Request, oid: int, decrypt: bool = False) -> str:
        return super().info(req, req.user.gid if oid == -1 else oid, decrypt)

    def pool_info(self, req: Request) -> str:
        with self.core.store.read() as conn:
            where = None if req.user.is_admin else self.pool.table.c.oid.in_(req.user.gids)
            groups = [self.document(req, conn, g) for g in self.pool.objects(conn, where)]
        # The pool lists each group, then its quotas, then the defaults (group_pool.xsd).
        bodies = [g[: g.index("<DATASTORE_QUOTA/>")] + "</GROUP>" for g in groups]
        return f"<GROUP_POOL>{''.join(bodies)}{empty_quotas('DEFAULT_GROUP_QUOTAS')}</GROUP_POOL>"

    def before_delete(self, req: Request, conn: Connection, obj: Group) -> None:
        if obj.oid < FIRST_GID:
            raise action_error("System groups cannot be deleted.", obj.oid)
        if obj.users:
            raise action_error("Group has users, cannot be deleted.", obj.oid)

    def _admin(self, req: Request, oid: int, uid: int, add: bool) -> int:
        with self.core.store.write() as conn:
            group = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, group)
            user = self.core.pools[ObjectType.USER].get(conn, uid)
            if oid not in user.groups:
                raise action_error(f"User {uid} is not in group {oid}", oid)
            if add:
                if uid in group.admins:
                    raise action_error(f"User {uid} is already an administrator of group {oid}", oid)
                group.add_admin(uid)
            else:
                if uid not in group.admins:
                    raise action_error(f"User {uid} is not an administrator of group {oid}", oid)
                group.del_admin(uid)
            self.pool.update(conn, group)
        return oid

    def addadmin(self, req: Request, oid: int, uid: int) -> int:
        return self._admin(req, oid, uid, True)

    def deladmin(self, req: Request, oid: int, uid: int) -> int:
        return self._admin(req, oid, uid, False)

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.group.allocate", self.allocate, str),
            method("one.group.info", self.info, int, bool),
            method("one.grouppool.info", self.pool_info),
            method("one.group.addadmin", self.addadmin, int, int),
            method("one.group.deladmin", self.deladmin, int, int),
        ]
