"""Groups: ``<GROUP>`` documents (group.xsd) with their member and admin IDs."""

from __future__ import annotations

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.types import ObjectType

table = pool_table("group_pool")

ONEADMIN_GID, USERS_GID = 0, 1
#: Group IDs below this are reserved for the built-in groups (as in OpenNebula).
FIRST_GID = 100


class Group(PoolObject):
    TABLE = table
    FIRST_OID = FIRST_GID
    TYPE = ObjectType.GROUP
    ROOT = "GROUP"

    @classmethod
    def new(cls, name: str) -> Group:
        root = xml.element("GROUP", ID=-1, NAME=name)
        root.append(etree.Element("TEMPLATE"))
        root.append(etree.Element("USERS"))
        root.append(etree.Element("ADMINS"))
        return cls(root)

    @property
    def users(self) -> set[int]:
        return xml.id_set(self.root.find("USERS"))

    @property
    def admins(self) -> set[int]:
        return xml.id_set(self.root.find("ADMINS"))

    def _set_ids(self, tag: str, values: set[int]) -> None:
        self.root.replace(self.root.find(tag), xml.ids(tag, values))

    def add_user(self, uid: int) -> None:
        self._set_ids("USERS", self.users | {uid})

    def del_user(self, uid: int) -> None:
        self._set_ids("USERS", self.users - {uid})
        self._set_ids("ADMINS", self.admins - {uid})

    def add_admin(self, uid: int) -> None:
        self._set_ids("ADMINS", self.admins | {uid})

    def del_admin(self, uid: int) -> None:
        self._set_ids("ADMINS", self.admins - {uid})
