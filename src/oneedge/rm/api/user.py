"""``one.user.*`` and ``one.userpool.info``."""

from __future__ import annotations

import secrets
import time

from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, action_error, allocate_error, api_error, authorization_error
from oneedge.pool.group import ONEADMIN_GID, USERS_GID, Group
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.pool.user import ONEADMIN_UID, SERVERADMIN_UID, User, hash_password, token_digest
from oneedge.rm.api.quota import empty_quotas
from oneedge.rm.api.shared import ObjectAPI, check_name
from oneedge.rm.method import Method, method
from oneedge.rm.request import AuthTarget, Request

AUTH_DRIVERS = ("core", "public", "ssh", "x509", "ldap", "server_cipher", "server_x509")


def check_username(name: str) -> None:
    check_name(name)
    if any(c.isspace() for c in name) or ":" in name:
        raise RequestError(ErrorCode.ALLOCATE, "Error allocating a new user. Invalid NAME, it cannot contain spaces or ':'")


def check_password(password: str) -> None:
    if not password:
        raise action_error("Invalid password, it cannot be empty")
    if any(c.isspace() for c in password):
        raise action_error("Invalid password, it cannot contain spaces")


class UserAPI(ObjectAPI[User]):
    KIND = ObjectType.USER
    PREFIX = "one.user"
    POOL_PREFIX = "one.userpool"
    POOL_ROOT = "USER_POOL"
    VERBS = ("update", "delete")
    NAME_PER_OWNER = False
    DELETE_OP = AuthOp.ADMIN

    @property
    def groups(self):
        return self.core.pools[ObjectType.GROUP]

    def auth_target(self, conn: Connection, obj: User) -> AuthTarget:
        # A user owns itself: it may manage its own password, template and tokens.
        return AuthTarget(ObjectType.USER, obj.oid, obj.oid, obj.gid, obj.permissions)

    def document(self, req: Request, conn: Connection, obj: User) -> str:
        body = obj.body()
        return body[: body.rindex("</USER>")] + empty_quotas() + empty_quotas("DEFAULT_USER_QUOTAS") + "</USER>"

    def _forget(self, conn: Connection, uid: int) -> None:
        self.core.store.on_commit(conn, lambda: self.core.auth.forget(uid))

    def bootstrap(self, conn: Connection, secrets: dict[str, str]) -> None:
        """oneadmin and serveradmin, both in the oneadmin group, on a new database."""
        if self.pool.exists(conn, ONEADMIN_UID):
            return
        oneadmin_group = self.groups.get(conn, ONEADMIN_GID)
        for uid, name in ((ONEADMIN_UID, "oneadmin"), (SERVERADMIN_UID, "serveradmin")):
            self.pool.allocate(conn, User.new(name, ONEADMIN_GID, oneadmin_group.name, hash_password(secrets[name])), uid)
            oneadmin_group.add_user(uid)
        self.groups.update(conn, oneadmin_group)

    # -- verbs --------------------------------------------------------------------------
    def allocate(self, req: Request, name: str, password: str, driver: str = "", gids: list | None = None) -> int:
        check_username(name)
        driver = driver or "core"
        if driver not in AUTH_DRIVERS:
            raise allocate_error("user", f"Unknown authentication driver {driver!r}")
        if driver == "core":
            check_password(password)
        groups = list(gids or [])
        if not all(type(g) is int for g in groups):
            raise api_error("Group IDs must be integers")
        with self.core.store.write() as conn:
            if not groups:
                groups = [req.user.gid if not req.user.is_admin else USERS_GID]
            main = self.groups.get(conn, groups[0])
            if not req.user.is_admin:
                # Group admins may create users in the groups they administer.
                for gid in groups:
                    if req.user.uid not in self.groups.get(conn, gid).admins:
                        raise authorization_error(req.user.uid, "user", "Not authorized to perform CREATE USER")
            if self.pool.get_by_name(conn, name) is not None:
                raise allocate_error("user", "NAME is already taken by USER")
            user = User.new(name, main.oid, main.name, hash_password(password) if driver == "core" else password, driver)
            user.set_groups(set(groups))
            oid = self.pool.allocate(conn, user)
            for gid in groups:
                group = self.groups.get(conn, gid)
                group.add_user(oid)
                self.groups.update(conn, group)
        return oid

    def info(self, req: Request, oid: int, decrypt: bool = False) -> str:
        return super().info(req, req.user.uid if oid == -1 else oid, decrypt)

    def pool_info(self, req: Request) -> str:
        with self.core.store.read() as conn:
            if req.user.is_admin:
                users = self.pool.bodies(conn)
            else:
                administered = [g.oid for g in self.groups.objects(conn) if req.user.uid in g.admins]
                where = self.pool.table.c.oid == req.user.uid
                if administered:
                    where = where | self.pool.table.c.gid.in_(administered)
                users = self.pool.bodies(conn, where)
        return f"<USER_POOL>{''.join(users)}{empty_quotas('DEFAULT_USER_QUOTAS')}</USER_POOL>"

    def before_delete(self, req: Request, conn: Connection, obj: User) -> None:
        if obj.oid == ONEADMIN_UID:
            raise action_error("oneadmin cannot be deleted.", obj.oid)
        for gid in obj.groups:
            group = self.groups.get(conn, gid)
            group.del_user(obj.oid)
            self.groups.update(conn, group)
        self._forget(conn, obj.oid)

    def after_update(self, req: Request, conn: Connection, obj: User) -> None:
        self._forget(conn, obj.oid)

    def passwd(self, req: Request, oid: int, password: str) -> int:
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, user)
            if user.driver == "core":
                check_password(password)
                user.set("PASSWORD", hash_password(password))
            else:
                user.set("PASSWORD", password)
            self.pool.update(conn, user)
            self._forget(conn, oid)
        return oid

    def chauth(self, req: Request, oid: int, driver: str, password: str = "") -> int:
        if driver not in AUTH_DRIVERS:
            raise action_error(f"Unknown authentication driver {driver!r}", oid)
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.ADMIN, user)
            if password:
                if driver == "core":
                    check_password(password)
                user.set("PASSWORD", hash_password(password) if driver == "core" else password)
            elif driver == "core" and user.driver != "core":
                raise action_error("A password is needed to change to the core driver", oid)
            user.set("AUTH_DRIVER", driver)
            self.pool.update(conn, user)
            self._forget(conn, oid)
        return oid

    def enable(self, req: Request, oid: int, enable: bool) -> int:
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.ADMIN, user)
            if oid == ONEADMIN_UID and not enable:
                raise action_error("oneadmin cannot be disabled", oid)
            user.set("ENABLED", int(enable))
            self.pool.update(conn, user)
            self._forget(conn, oid)
        return oid

    def _group_for(self, req: Request, conn: Connection, gid: int) -> Group:
        group = self.groups.get(conn, gid)
        if not req.user.is_admin and req.user.uid not in group.admins:
            raise authorization_error(req.user.uid, "group", f"Not authorized to perform MANAGE GROUP [{gid}]")
        return group

    def chgrp(self, req: Request, oid: int, gid: int) -> int:
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, user)
            group = self._group_for(req, conn, gid)
            old_main = user.gid
            if old_main != gid:
                old = self.groups.get(conn, old_main)
                old.del_user(oid)
                self.groups.update(conn, old)
                group.add_user(oid)
                self.groups.update(conn, group)
                user.set_groups((user.groups - {old_main}) | {gid})
                user.set_group(gid, group.name)
                self.pool.update(conn, user)
            self._forget(conn, oid)
        return oid

    def addgroup(self, req: Request, oid: int, gid: int) -> int:
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, user)
            group = self._group_for(req, conn, gid)
            if gid in user.groups:
                raise action_error(f"User is already in group [{gid}]", oid)
            user.set_groups(user.groups | {gid})
            group.add_user(oid)
            self.pool.update(conn, user)
            self.groups.update(conn, group)
            self._forget(conn, oid)
        return oid

    def delgroup(self, req: Request, oid: int, gid: int) -> int:
        with self.core.store.write() as conn:
            user = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, user)
            group = self._group_for(req, conn, gid)
            if gid == user.gid:
                raise action_error("Cannot remove user from its main group", oid)
            if gid not in user.groups:
                raise action_error(f"User is not part of group [{gid}]", oid)
            user.set_groups(user.groups - {gid})
            group.del_user(oid)
            self.pool.update(conn, user)
            self.groups.update(conn, group)
            self._forget(conn, oid)
        return oid

    def login(self, req: Request, name: str, token: str, valid: int, egid: int = -1) -> str:
        """Create (or with ``valid == 0`` remove) a login token; ``valid == -1`` never expires."""
        max_time = self.core.config.max_token_time
        with self.core.store.write() as conn:
            user = self.pool.get_by_name(conn, name)
            if user is None:
                raise RequestError(ErrorCode.NO_EXISTS, f"Error getting user {name}")
            if user.oid != req.user.uid and not req.user.is_admin:
                raise authorization_error(req.user.uid, "user")
            now = int(time.time())
            user.remove_tokens(expired_before=now)
            if valid == 0:
                if token:
                    user.remove_tokens(digest=token_digest(token))
                else:
                    user.remove_tokens(expired_before=2**62)
                self.pool.update(conn, user)
                self._forget(conn, user.oid)
                return token
            if egid != -1 and egid not in user.groups:
                raise action_error(f"EGID {egid} is not a group of the user", user.oid)
            if valid < -1:
                raise api_error("Wrong valid time: use seconds, -1 for no expiration or 0 to remove")
            if max_time > 0:
                valid = max_time if valid == -1 else min(valid, max_time)
            token = token or secrets.token_hex(32)
            user.add_token(token_digest(token), -1 if valid == -1 else now + valid, egid)
            self.pool.update(conn, user)
        return token

    def methods(self) -> list[Method]:
        return [
            *super().methods(),
            method("one.user.allocate", self.allocate, str, str, str, list),
            method("one.user.info", self.info, int, bool),
            method("one.userpool.info", self.pool_info),
            method("one.user.passwd", self.passwd, int, str),
            method("one.user.chauth", self.chauth, int, str, str),
            method("one.user.enable", self.enable, int, bool),
            method("one.user.chgrp", self.chgrp, int, int),
            method("one.user.addgroup", self.addgroup, int, int),
            method("one.user.delgroup", self.delgroup, int, int),
            method("one.user.login", self.login, str, str, int, int),
        ]
