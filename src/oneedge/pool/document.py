"""Documents: ``<DOCUMENT>`` records (document.xsd), the generic store OneFlow keeps services and
service templates in. TYPE is the client's own number (OneFlow uses 100 and 101); the
template is whatever the client puts there, usually one BODY attribute of JSON."""

from __future__ import annotations

import sqlalchemy as sa

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.permissions import Permissions
from oneedge.pool.types import ObjectType
from oneedge.template import Template

table = pool_table("document_pool", sa.Column("type", sa.Integer, nullable=False, index=True))


class Document(PoolObject):
    TABLE = table
    TYPE = ObjectType.DOCUMENT
    ROOT = "DOCUMENT"
    LOCK_AFTER = "PERMISSIONS"

    @classmethod
    def new(cls, uid: int, gid: int, uname: str, gname: str, name: str, doc_type: int,
            perms: Permissions, template: Template) -> Document:
        root = xml.element("DOCUMENT", ID=-1, UID=uid, GID=gid, UNAME=uname, GNAME=gname, NAME=name, TYPE=doc_type)
        root.append(perms.to_xml())
        root.append(template.to_xml())
        return cls(root)

    @property
    def doc_type(self) -> int:
        return self.get_int("TYPE")

    def columns(self) -> dict[str, object]:
        return {"type": self.doc_type}
