"""Datastores: ``<DATASTORE>`` documents (datastore.xsd) with their images and clusters."""

from __future__ import annotations

from enum import IntEnum

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("datastore_pool")

SYSTEM_DS_ID, DEFAULT_DS_ID, FILES_DS_ID = 0, 1, 2
#: Datastore IDs below 100 are reserved for the bootstrap ones (DatastorePool.cc).
FIRST_DS_ID = 100


class DatastoreType(IntEnum):
    """``TYPE`` of a datastore, wire format (Datastore.h)."""

    IMAGE_DS = 0
    SYSTEM_DS = 1
    FILE_DS = 2
    BACKUP_DS = 3


class DatastoreState(IntEnum):
    READY = 0
    DISABLED = 1


#: DISK_TYPE of a datastore's images: OpenNebula's Image::DiskType, wire format.
class DiskType(IntEnum):
    FILE = 0
    CDROM = 1
    BLOCK = 2
    RBD = 3
    RBD_CDROM = 4
    GLUSTER = 5
    GLUSTER_CDROM = 6
    SHEEPDOG = 7
    SHEEPDOG_CDROM = 8
    ISCSI = 9


class Datastore(PoolObject):
    TABLE = table
    FIRST_OID = FIRST_DS_ID
    TYPE = ObjectType.DATASTORE
    ROOT = "DATASTORE"

    @classmethod
    def new(cls, name: str, uid: int, uname: str, gid: int, gname: str, perms: Permissions,
            ds_type: DatastoreType, ds_mad: str, tm_mad: str, disk_type: DiskType,
            template: Template) -> Datastore:
        """A datastore without ID; BASE_PATH is set once the ID is known (see ``set_base_path``)."""
        root = xml.element("DATASTORE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        for tag, value in (("DS_MAD", ds_mad), ("TM_MAD", tm_mad), ("BASE_PATH", ""), ("TYPE", int(ds_type)),
                           ("DISK_TYPE", int(disk_type)), ("STATE", int(DatastoreState.READY))):
            xml.sub(root, tag, value)
        root.append(etree.Element("CLUSTERS"))
        for tag in ("TOTAL_MB", "FREE_MB", "USED_MB"):
            xml.sub(root, tag, 0)
        root.append(etree.Element("IMAGES"))
        root.append(template.to_xml())
        return cls(root)

    @property
    def ds_type(self) -> DatastoreType:
        return DatastoreType(self.get_int("TYPE"))

    @property
    def ds_mad(self) -> str:
        return self.get("DS_MAD", "") or ""

    @property
    def tm_mad(self) -> str:
        return self.get("TM_MAD", "") or ""

    @property
    def base_path(self) -> str:
        return self.get("BASE_PATH", "") or ""

    @property
    def enabled(self) -> bool:
        return self.get_int("STATE") == DatastoreState.READY

    @property
    def disk_type(self) -> DiskType:
        return DiskType(self.get_int("DISK_TYPE"))

    @property
    def images(self) -> set[int]:
        return xml.id_set(self.root.find("IMAGES"))

    @property
    def clusters(self) -> set[int]:
        return xml.id_set(self.root.find("CLUSTERS"))

    def set_images(self, ids: set[int]) -> None:
        self.root.replace(self.root.find("IMAGES"), xml.ids("IMAGES", ids))

    def set_capacity(self, total_mb: int, free_mb: int, used_mb: int) -> None:
        self.set("TOTAL_MB", total_mb)
        self.set("FREE_MB", free_mb)
        self.set("USED_MB", used_mb)
