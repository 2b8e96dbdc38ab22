"""Virtual network templates: ``<VNTEMPLATE>`` documents (vntemplate.xsd)."""

from __future__ import annotations

import time

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("vn_template_pool")


class VNTemplate(PoolObject):
    TABLE = table
    TYPE = ObjectType.VNTEMPLATE
    ROOT = "VNTEMPLATE"
    LOCK_AFTER = "NAME"

    @classmethod
    def new(cls, name: str, uid: int, gid: int, uname: str, gname: str, perms: Permissions,
            template: Template) -> VNTemplate:
        root = xml.element("VNTEMPLATE", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name)
        root.append(perms.to_xml())
        xml.sub(root, "REGTIME", int(time.time()))
        root.append(template.to_xml())
        return cls(root)
