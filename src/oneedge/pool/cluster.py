"""Clusters: ``<CLUSTER>`` documents (cluster.xsd) grouping hosts, datastores and networks."""

from __future__ import annotations

from lxml import etree

from oneedge.db.schema import pool_table
from oneedge.pool import xml
from oneedge.pool.object import PoolObject
from oneedge.pool.types import ObjectType

table = pool_table("cluster_pool")

DEFAULT_CLUSTER_ID = 0
#: Cluster IDs below 100 are reserved for system clusters (ClusterPool.cc).
FIRST_CLUSTER_ID = 100

#: The IDS element of a cluster document that lists members of each kind.
MEMBER_TAGS = {ObjectType.HOST: "HOSTS", ObjectType.DATASTORE: "DATASTORES", ObjectType.NET: "VNETS"}


class Cluster(PoolObject):
    TABLE = table
    FIRST_OID = FIRST_CLUSTER_ID
    TYPE = ObjectType.CLUSTER
    ROOT = "CLUSTER"

    @classmethod
    def new(cls, name: str) -> Cluster:
        root = xml.element("CLUSTER", ID=-1, NAME=name)
        for tag in ("HOSTS", "DATASTORES", "VNETS"):
            root.append(etree.Element(tag))
        root.append(etree.Element("TEMPLATE"))
        return cls(root)

    def members(self, kind: ObjectType) -> set[int]:
        return xml.id_set(self.root.find(MEMBER_TAGS[kind]))

    def set_members(self, kind: ObjectType, ids: set[int]) -> None:
        tag = MEMBER_TAGS[kind]
        self.root.replace(self.root.find(tag), xml.ids(tag, ids))

    def is_empty(self) -> bool:
        return not any(self.members(kind) for kind in MEMBER_TAGS)
