"""The base of every pool object: an XML document that follows OpenNebula's XSDs.

The document is the object. Pools store it verbatim in the ``body`` column,
so ``info`` calls return stored bytes without rebuilding them, and the
columns beside it (owner, group, permissions, state...) exist for filtering.
"""

from __future__ import annotations

import time
from typing import ClassVar

import sqlalchemy as sa
from lxml import etree

from oneedge.pool import xml
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

# Lock levels of one.*.lock: a level blocks every operation at or above it.
LOCK_USE, LOCK_MANAGE, LOCK_ADMIN, LOCK_ALL = 1, 2, 3, 4


class PoolObject:
    TYPE: ClassVar[ObjectType]
    ROOT: ClassVar[str]
    #: The pool's SQL table (see ``oneedge.db.schema.pool_table``).
    TABLE: ClassVar[sa.Table]
    #: IDs below this are reserved for objects the front-end creates itself.
    FIRST_OID: ClassVar[int] = 0
    #: Element the object's LOCK goes after when it is locked (None: not lockable).
    LOCK_AFTER: ClassVar[str | None] = None

    def __init__(self, root: etree._Element) -> None:
        if root.tag != self.ROOT:
            raise ValueError(f"expected a <{self.ROOT}> document, got <{root.tag}>")
        self.root = root

    @classmethod
    def from_body(cls, body: str | bytes) -> PoolObject:
        return cls(xml.parse(body))

    def body(self) -> str:
        return xml.tostring(self.root)

    # -- plain fields -----------------------------------------------------------
    def get(self, path: str, default: str | None = None) -> str | None:
        return self.root.findtext(path, default)

    def get_int(self, path: str, default: int = 0) -> int:
        text = self.root.findtext(path)
        return int(text) if text not in (None, "") else default

    def set(self, path: str, value: object) -> None:
        node = self.root.find(path)
        if node is None:
            raise KeyError(f"<{self.ROOT}> has no {path}")
        node.text = str(value)

    @property
    def oid(self) -> int:
        return self.get_int("ID", -1)

    @oid.setter
    def oid(self, value: int) -> None:
        self.set("ID", value)

    @property
    def name(self) -> str:
        return self.get("NAME", "") or ""

    @name.setter
    def name(self, value: str) -> None:
        self.set("NAME", value)

    # -- ownership --------------------------------------------------------------
    @property
    def uid(self) -> int:
        return self.get_int("UID", -1)

    @property
    def gid(self) -> int:
        return self.get_int("GID", -1)

    def set_owner(self, uid: int, uname: str) -> None:
        self.set("UID", uid)
        self.set("UNAME", uname)

    def set_group(self, gid: int, gname: str) -> None:
        self.set("GID", gid)
        self.set("GNAME", gname)

    @property
    def permissions(self) -> Permissions:
        node = self.root.find("PERMISSIONS")
        # NOTE: objects without PERMISSIONS (hosts, clusters, groups...) are
        # managed by administrators only, as PoolObjectSQL's defaults do.
        return Permissions.from_xml(node) if node is not None else Permissions(1, 1, 0, 0, 0, 0, 0, 0, 0)

    @permissions.setter
    def permissions(self, value: Permissions) -> None:
        node = self.root.find("PERMISSIONS")
        if node is None:
            raise KeyError(f"<{self.ROOT}> has no PERMISSIONS")
        node.getparent().replace(node, value.to_xml())

    # -- template ---------------------------------------------------------------
    TEMPLATE_TAG: ClassVar[str] = "TEMPLATE"

    @property
    def template(self) -> Template:
        return Template.from_xml(self.root.find(self.TEMPLATE_TAG))

    @template.setter
    def template(self, value: Template) -> None:
        old = self.root.find(self.TEMPLATE_TAG)
        new = value.to_xml(self.TEMPLATE_TAG)
        if old is None:
            raise KeyError(f"<{self.ROOT}> has no {self.TEMPLATE_TAG}")
        old.getparent().replace(old, new)

    # -- lock -------------------------------------------------------------------
    @property
    def lock_level(self) -> int:
        return self.get_int("LOCK/LOCKED", 0)

    def lock(self, level: int, owner: int, req_id: int = 0) -> None:
        if self.LOCK_AFTER is None:
            raise ValueError(f"{self.TYPE.label} objects cannot be locked")
        self.unlock()
        node = xml.element("LOCK", LOCKED=level, OWNER=owner, TIME=int(time.time()), REQ_ID=req_id)
        self.root.find(self.LOCK_AFTER).addnext(node)

    def unlock(self) -> None:
        node = self.root.find("LOCK")
        if node is not None:
            self.root.remove(node)

    # -- SQL columns --------------------------------------------------------------
    def columns(self) -> dict[str, object]:
        """Extra search columns of the object's table (see the pool's table)."""
        return {}


class AdminOwned:
    """Mixin for kinds with no owner in their document (hosts, zones, hooks): they
    belong to oneadmin (user 0, group 0), as in OpenNebula."""

    @property
    def uid(self) -> int:
        return 0

    @property
    def gid(self) -> int:
        return 0
