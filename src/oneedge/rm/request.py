"""What every API call carries: the authenticated user, the core services, and the
authorization checks OpenNebula applies before acting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from oneedge.errors import authorization_error, locked_error
from oneedge.pool.object import LOCK_ADMIN, LOCK_ALL, LOCK_MANAGE, LOCK_USE, PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import AuthOp, ObjectType

if TYPE_CHECKING:
    from oneedge.nebula import Core


@dataclass(frozen=True)
class AuthUser:
    """An authenticated caller. ``gids`` are the groups whose rights apply (one, with an EGID token)."""

    uid: int
    gid: int
    gids: frozenset[int]
    name: str
    gname: str

    @property
    def is_admin(self) -> bool:
        # Members of the oneadmin group (ID 0) are superusers, as in OpenNebula.
        return self.uid == 0 or 0 in self.gids


@dataclass(frozen=True)
class AuthTarget:
    """The facts about an object that authorization looks at."""

    kind: ObjectType
    oid: int
    uid: int
    gid: int
    perms: Permissions
    clusters: frozenset[int] = frozenset()
    lock: int = 0

    @classmethod
    def of(cls, obj: PoolObject, clusters: Iterable[int] = ()) -> AuthTarget:
        return cls(obj.TYPE, obj.oid, obj.uid, obj.gid, obj.permissions, frozenset(clusters), obj.lock_level)


_LOCK_BLOCKS = {
    LOCK_USE: {AuthOp.USE, AuthOp.MANAGE, AuthOp.ADMIN},
    LOCK_ALL: {AuthOp.USE, AuthOp.MANAGE, AuthOp.ADMIN},
    LOCK_MANAGE: {AuthOp.MANAGE, AuthOp.ADMIN},
    LOCK_ADMIN: {AuthOp.ADMIN},
}


def permits(user: AuthUser, op: AuthOp, target: AuthTarget) -> bool:
    """Owner/group/other bits of the object (ACL rules are checked separately)."""
    if user.is_admin:
        return True
    if op is AuthOp.CREATE:
        return False
    perms = target.perms
    index = {AuthOp.USE: 0, AuthOp.MANAGE: 1, AuthOp.ADMIN: 2}[op]
    values = perms.values()
    if target.uid == user.uid and values[index]:
        return True
    if target.gid in user.gids and values[3 + index]:
        return True
    return bool(values[6 + index])


class Request:
    """One API call in progress."""

    def __init__(self, core: Core, user: AuthUser, method: str) -> None:
        self.core = core
        self.user = user
        self.method = method

    def authorize(self, op: AuthOp, target: AuthTarget | PoolObject, *, check_lock: bool = True) -> None:
        """Raise AUTHORIZATION (or LOCKED) unless the caller may do ``op`` on ``target``."""
        if isinstance(target, PoolObject):
            target = AuthTarget.of(target)
        if check_lock and target.lock and op in _LOCK_BLOCKS.get(target.lock, set()):
            raise locked_error(target.kind.label, target.oid)
        if permits(self.user, op, target) or self.core.acl.allows(self.user, op, target):
            return
        raise authorization_error(
            self.user.uid, target.kind.label, f"Not authorized to perform {op.name} {target.kind.acl_name} [{target.oid}]"
        )

    def authorize_create(self, kind: ObjectType, clusters: Iterable[int] = ()) -> None:
        target = AuthTarget(kind, -1, -1, -1, Permissions(), frozenset(clusters))
        if permits(self.user, AuthOp.CREATE, target) or self.core.acl.allows(self.user, AuthOp.CREATE, target):
            return
        raise authorization_error(self.user.uid, kind.label, f"Not authorized to perform CREATE {kind.acl_name}")

    def require_admin(self, kind: ObjectType) -> None:
        if not self.user.is_admin:
            raise authorization_error(self.user.uid, kind.label)
