"""The verbs every object kind shares (info, pool info, update, rename, chown,
chmod, lock, unlock, delete), written once and specialised per kind through
small hooks, as OpenNebula's ``RequestManager<Verb>`` classes are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from oneedge.errors import ErrorCode, RequestError, action_error, api_error, authorization_error
from oneedge.pool import acl
from oneedge.pool.object import LOCK_ALL, LOCK_USE, PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.sqlpool import SQLPool
from oneedge.pool.types import AuthOp, ObjectType
from oneedge.rm.method import Method, method
from oneedge.rm.request import AuthTarget, Request
from oneedge.template import Template, TemplateError, parse_any

if TYPE_CHECKING:
    from oneedge.nebula import Core

T = TypeVar("T", bound=PoolObject)

# Pool info filter flags (RequestManagerPoolInfoFilter.h).
FILTER_GROUP, FILTER_MINE, FILTER_ALL, FILTER_MINE_GROUP = -4, -3, -2, -1


def parse_template(text: str) -> Template:
    """A template given by a client, in OpenNebula's syntax or as XML."""
    try:
        return parse_any(text)
    except TemplateError as exc:
        raise RequestError(ErrorCode.INTERNAL, f"Parse error: {exc}") from None


def take_name(template: Template, missing: str) -> str:
    """Remove NAME from a new object's template and return it (it lives in <NAME>);
    ``missing`` is the INTERNAL error when there is none."""
    name = template.get("NAME") or ""
    template.remove("NAME")
    if not name:
        raise RequestError(ErrorCode.INTERNAL, missing)
    return check_name(name)


def check_name(name: str) -> str:
    """Names as OpenNebula accepts them: not empty, no control characters, 128 chars at most."""
    if not name or not name.strip():
        raise RequestError(ErrorCode.ACTION, "Invalid NAME: NAME cannot be empty")
    if len(name) > 128:
        raise RequestError(ErrorCode.ACTION, "Invalid NAME: NAME is longer than 128 characters")
    if any(c in name for c in "\n\r\t\v\f\x00") or any(ord(c) < 32 for c in name):
        raise RequestError(ErrorCode.ACTION, "Invalid NAME: NAME cannot contain control characters")
    return name


class ObjectAPI(Generic[T]):
    """The shared verbs of one object kind, ``one.<prefix>.<verb>``."""

    KIND: ClassVar[ObjectType]
    PREFIX: ClassVar[str]
    POOL_PREFIX: ClassVar[str]
    #: Verbs this kind offers among the shared ones.
    VERBS: ClassVar[tuple[str, ...]] = ("info", "pool_info", "update", "rename", "chown", "chmod", "delete")
    #: Names are unique per owner (most objects) or in the whole pool (hosts, users...).
    NAME_PER_OWNER: ClassVar[bool] = True
    DELETE_OP: ClassVar[AuthOp] = AuthOp.MANAGE
    UPDATE_OP: ClassVar[AuthOp] = AuthOp.MANAGE
    RENAME_OP: ClassVar[AuthOp] = AuthOp.MANAGE
    POOL_ROOT: ClassVar[str]

    def __init__(self, core: Core) -> None:
        self.core = core
        # ``info`` can answer from the stored body and the permission columns,
        # without parsing the document, unless a kind customises either hook.
        cls = type(self)
        self._info_from_columns = cls.document is ObjectAPI.document and cls.auth_target is ObjectAPI.auth_target

    @property
    def pool(self) -> SQLPool[T]:
        return self.core.pools[self.KIND]  # type: ignore[return-value]

    # -- hooks for kinds --------------------------------------------------------------
    def document(self, req: Request, conn: Connection, obj: T) -> str:
        """The XML that ``info`` returns; the stored body unless a kind adds to it."""
        return obj.body()

    def pool_bodies(self, req: Request, conn: Connection, where: sa.ColumnElement[bool] | None,
                    offset: int, limit: int) -> list[str]:
        return self._select_bodies(conn, sa.select(self.pool.table.c.body), where, offset, limit)

    def auth_target(self, conn: Connection, obj: T) -> AuthTarget:
        return AuthTarget.of(obj)

    def before_delete(self, req: Request, conn: Connection, obj: T) -> None:
        """Refuse (raise) or clean up references before the object goes."""

    def after_rename(self, req: Request, conn: Connection, obj: T, old: str) -> None:
        """Propagate a new name to the documents that copy it."""

    def check_update(self, req: Request, conn: Connection, obj: T, template: Template) -> None:
        """Refuse attributes a kind does not accept (restricted attributes...)."""

    def after_update(self, req: Request, conn: Connection, obj: T) -> None:
        """Derive fields from the new template (e.g. a document's NAME)."""

    # -- helpers ----------------------------------------------------------------------
    def new_permissions(self, uid: int, gid: int) -> Permissions:
        """Permissions of a new object owned by uid/gid under oned.conf's DEFAULT_UMASK."""
        config = self.core.config
        return Permissions.for_new_object(config.default_umask, uid, gid, config.enable_other_permissions)

    def get(self, conn: Connection, oid: int) -> T:
        return self.pool.get(conn, oid)

    def authorize(self, req: Request, conn: Connection, op: AuthOp, obj: T, check_lock: bool = True) -> None:
        req.authorize(op, self.auth_target(conn, obj), check_lock=check_lock)

    def check_unique_name(self, conn: Connection, name: str, uid: int, oid: int = -1) -> None:
        other = self.pool.get_by_name(conn, name, uid if self.NAME_PER_OWNER else None)
        if other is not None and other.oid != oid:
            raise RequestError(
                ErrorCode.ACTION,
                f"NAME is already taken by {self.KIND.acl_name} {other.oid}.",
                oid,
            )

    def _select_bodies(self, conn: Connection, query: sa.Select, where, offset: int, limit: int) -> list[str]:
        table = self.pool.table
        desc = self.core.config.list_order_desc
        query = query.order_by(table.c.oid.desc() if desc else table.c.oid)
        if where is not None:
            query = query.where(where)
        if limit != -1:
            query = query.offset(max(offset, 0)).limit(limit)
        return list(conn.execute(query).scalars())

    def pool_filter(self, req: Request, flag: int, start: int = -1, end: int = -1) -> sa.ColumnElement[bool] | None:
        """The WHERE clause of OpenNebula's pool info filter (PoolSQL::usr_filter/oid_filter)."""
        if flag < FILTER_GROUP:
            raise api_error("Incorrect filter_flag")
        table = self.pool.table
        user = req.user
        visible = self._visible(req)
        clauses: list[sa.ColumnElement[bool]] = []
        if end >= -1 and start != -1:
            clauses.append(table.c.oid >= start)
            if end != -1:
                clauses.append(table.c.oid <= end)
        if flag == FILTER_MINE:
            clauses.append(table.c.uid == user.uid)
        elif flag == FILTER_GROUP:
            clauses.append(table.c.gid == user.gid)
            if visible is not None:
                clauses.append(visible)
        elif flag == FILTER_MINE_GROUP:
            mine = sa.or_(table.c.uid == user.uid, table.c.gid.in_(user.gids))
            clauses.append(mine if visible is None else sa.and_(mine, visible))
        elif flag == FILTER_ALL:
            if visible is not None:
                clauses.append(visible)
        else:
            clauses.append(table.c.uid == flag)
            if flag != user.uid and visible is not None:
                clauses.append(visible)
        return sa.and_(*clauses) if clauses else None

    def visible_ids(self, req: Request, flag: int = FILTER_ALL) -> sa.Select:
        """The IDs of the objects pool info with ``flag`` shows the caller, as a subquery."""
        query = sa.select(self.pool.table.c.oid)
        where = self.pool_filter(req, flag)
        return query if where is None else query.where(where)

    def _visible(self, req: Request) -> sa.ColumnElement[bool] | None:
        """What a user may see: None for everything (admins, or an ACL for all)."""
        user = req.user
        if user.is_admin:
            return None
        table = self.pool.table
        ors: list[sa.ColumnElement[bool]] = [table.c.uid == user.uid, table.c.other_u == 1]
        ors += [sa.and_(table.c.gid == g, table.c.group_u == 1) for g in user.gids]
        for rule in self.core.acl.rules():
            if not rule.rights & AuthOp.USE.value or not rule.resource & self.KIND.bit:
                continue
            who = rule.user & 0xFFFFFFFF
            if rule.user & acl.INDIVIDUAL_ID and who != user.uid:
                continue
            if rule.user & acl.GROUP_ID and who not in user.gids:
                continue
            rid = rule.resource & 0xFFFFFFFF
            if rule.resource & acl.ALL_ID:
                return None
            if rule.resource & acl.INDIVIDUAL_ID:
                ors.append(table.c.oid == rid)
            elif rule.resource & acl.GROUP_ID:
                ors.append(table.c.gid == rid)
        return sa.or_(*ors)

    # -- verbs ------------------------------------------------------------------------
    def info(self, req: Request, oid: int, decrypt: bool = False) -> str:
        with self.core.store.read() as conn:
            if self._info_from_columns:
                body, uid, gid, owner_u, group_u, other_u = self.pool.auth_row(conn, oid)
                if not req.user.is_admin:
                    perms = Permissions(owner_u, 0, 0, group_u, 0, 0, other_u, 0, 0)
                    req.authorize(AuthOp.USE, AuthTarget(self.KIND, oid, uid, gid, perms), check_lock=False)
                return body
            obj = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, obj, check_lock=False)
            return self.document(req, conn, obj)

    def pool_info(self, req: Request, flag: int = FILTER_ALL, start: int = -1, end: int = -1) -> str:
        where = self.pool_filter(req, flag, start, end)
        offset, limit = (start, -end) if end < -1 else (0, -1)
        with self.core.store.read() as conn:
            bodies = self.pool_bodies(req, conn, where, offset, limit)
        return f"<{self.POOL_ROOT}>{''.join(bodies)}</{self.POOL_ROOT}>"

    def update(self, req: Request, oid: int, text: str, mode: int = 0) -> int:
        if mode not in (0, 1):
            raise api_error("Wrong update type, must be 0 (replace) or 1 (merge)")
        new = parse_template(text)
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, self.UPDATE_OP, obj)
            if mode == 1:
                merged = obj.template
                merged.merge(new)
                new = merged
            self.check_update(req, conn, obj, new)
            obj.template = new
            self.after_update(req, conn, obj)
            self.pool.update(conn, obj)
        return oid

    def rename(self, req: Request, oid: int, name: str) -> int:
        check_name(name)
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, self.RENAME_OP, obj)
            self.check_unique_name(conn, name, obj.uid, oid)
            old = obj.name
            obj.name = name
            self.pool.update(conn, obj)
            self.after_rename(req, conn, obj, old)
        return oid

    def chown(self, req: Request, oid: int, uid: int, gid: int) -> int:
        core = self.core
        with core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, obj)
            if uid > -1 and uid != obj.uid:
                user = core.pools[ObjectType.USER].get(conn, uid)
                if not req.user.is_admin:
                    req.authorize(AuthOp.MANAGE, user)
                self.check_unique_name(conn, obj.name, uid, oid)
                obj.set_owner(uid, user.name)
            if gid > -1 and gid != obj.gid:
                group = core.pools[ObjectType.GROUP].get(conn, gid)
                if not req.user.is_admin:
                    if gid not in req.user.gids:
                        raise authorization_error(req.user.uid, ObjectType.GROUP.label,
                                                  f"Not authorized to perform USE GROUP [{gid}]")
                obj.set_group(gid, group.name)
            self.pool.update(conn, obj)
        return oid

    def chmod(self, req: Request, oid: int, *bits: int) -> int:
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            old = obj.permissions
            new = old.chmod(bits)
            self.authorize(req, conn, AuthOp.MANAGE, obj)
            # Changing an ADMIN bit, or any bit of 'other', needs ADMIN rights.
            touched_admin = (old.owner_a, old.group_a, old.other_a) != (new.owner_a, new.group_a, new.other_a)
            touched_other = (old.other_u, old.other_m) != (new.other_u, new.other_m)
            if touched_admin or (touched_other and not self.core.config.enable_other_permissions):
                self.authorize(req, conn, AuthOp.ADMIN, obj)
            obj.permissions = new
            self.pool.update(conn, obj)
        return oid

    def lock(self, req: Request, oid: int, level: int, test: bool = False) -> int:
        """Take the object's lock (RequestManagerLock): the caller's again, or an admin's over anyone's.

        With ``test``, a locked object is refused with the lock's TIME as the
        whole message: OneFlow's ``synchronize`` parses it to expire stale locks.
        """
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, obj, check_lock=False)
            if level not in (1, 2, 3, 4):
                raise action_error("Wrong lock level specified", oid)
            if test and obj.lock_level:
                raise action_error(str(obj.get_int("LOCK/TIME")), oid)
            if obj.lock_level and obj.get_int("LOCK/OWNER", -1) != req.user.uid and not req.user.is_admin:
                raise action_error("Error trying to lock the resource.", oid)
            # Level 4 (all) is stored as 1 (use), which blocks the same operations.
            obj.lock(LOCK_USE if level == LOCK_ALL else level, req.user.uid)
            self.pool.update(conn, obj)
        return oid

    def unlock(self, req: Request, oid: int) -> int:
        """Release the lock; only its owner or an admin may."""
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.MANAGE, obj, check_lock=False)
            if obj.lock_level and obj.get_int("LOCK/OWNER", -1) != req.user.uid and not req.user.is_admin:
                raise action_error("Cannot unlock: Lock is owned by another user", oid)
            obj.unlock()
            self.pool.update(conn, obj)
        return oid

    def delete(self, req: Request, oid: int) -> int:
        with self.core.store.write() as conn:
            obj = self.get(conn, oid)
            self.authorize(req, conn, self.DELETE_OP, obj)
            self.before_delete(req, conn, obj)
            self.remove(conn, oid)
        return oid

    def remove(self, conn: Connection, oid: int) -> None:
        """Drop an object and the ACL rules that name it, as oned does on every delete."""
        self.pool.drop(conn, oid)
        self.core.acl.forget(conn, self.KIND, oid)

    # -- method table -----------------------------------------------------------------
    def _chmod_method(self) -> Method:
        def chmod(req: Request, oid: int, ou: int, om: int, oa: int, gu: int, gm: int, ga: int,
                  tu: int, tm: int, ta: int) -> int:
            return self.chmod(req, oid, ou, om, oa, gu, gm, ga, tu, tm, ta)

        return method(f"{self.PREFIX}.chmod", chmod, *(int,) * 10)

    def methods(self) -> list[Method]:
        table: dict[str, Callable[[], Method]] = {
            "info": lambda: method(f"{self.PREFIX}.info", self.info, int, bool),
            "pool_info": lambda: method(f"{self.POOL_PREFIX}.info", self.pool_info, int, int, int),
            "update": lambda: method(f"{self.PREFIX}.update", self.update, int, str, int),
            "rename": lambda: method(f"{self.PREFIX}.rename", self.rename, int, str),
            "chown": lambda: method(f"{self.PREFIX}.chown", self.chown, int, int, int),
            "chmod": self._chmod_method,
            "lock": lambda: method(f"{self.PREFIX}.lock", self.lock, int, int, bool),
            "unlock": lambda: method(f"{self.PREFIX}.unlock", self.unlock, int),
            "delete": lambda: method(f"{self.PREFIX}.delete", self.delete, int),
        }
        return [table[verb]() for verb in self.VERBS]



class CopiableAPI(ObjectAPI[T]):
    """Kinds created from a template with a NAME and cloned from another object
    (``one.<kind>.allocate(template)``, ``one.<kind>.clone(id, name)``)."""

    #: The INTERNAL error of an allocate template without NAME.
    MISSING_NAME: ClassVar[str]

    def _create(self, req: Request, conn: Connection, name: str, template: Template) -> int:
        """Check and store a new object named ``name`` (in the caller's transaction)."""
        raise NotImplementedError

    def allocate(self, req: Request, text: str) -> int:
        template = parse_template(text)
        name = take_name(template, self.MISSING_NAME)
        req.authorize_create(self.KIND)
        with self.core.store.write() as conn:
            return self._create(req, conn, name, template)

    def clone(self, req: Request, oid: int, name: str) -> int:
        check_name(name)
        with self.core.store.write() as conn:
            source = self.get(conn, oid)
            self.authorize(req, conn, AuthOp.USE, source)
            req.authorize_create(self.KIND)
            return self._create(req, conn, name, source.template)
