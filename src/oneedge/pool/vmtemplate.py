"""VM templates: ``<VMTEMPLATE>`` documents (vmtemplate.xsd)."""

from __future__ import annotations

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("template_pool")


class VMTemplate(PoolObject):
    TABLE = table
    TYPE = ObjectType.TEMPLATE
    ROOT = "VMTEMPLATE"
    LOCK_AFTER = "NAME"

    @classmethod
    def new(cls, uid: int, gid: int, uname: str, gname: str, name: str, perms: Permissions,
            template: Template, regtime: int) -> VMTemplate:
        """A template document; ``template`` no longer holds NAME (it is the document's NAME)."""
        root = xml.element("VMTEMPLATE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        xml.sub(root, "REGTIME", regtime)
        root.append(template.to_xml("TEMPLATE"))
        return cls(root)

    def image_disks(self) -> list[tuple[int, str | None, str | None]]:
        """(position, IMAGE_ID, IMAGE) of each DISK that refers to an image."""
        found = []
        for index, disk in enumerate(self.template.vectors("DISK")):
            if disk.get("IMAGE_ID") is not None or disk.get("IMAGE") is not None:
                found.append((index, disk.get("IMAGE_ID"), disk.get("IMAGE")))
        return found
